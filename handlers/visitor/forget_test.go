package visitor_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
)

// TestForgottenCartIsEmpty: once the browser's cart or the whole browser
// is forgotten, the rest of the request sees what the browser now has: a
// guest with an empty cart, not the lines read before, nor the account's
// cart of a visitor no longer signed in.
func TestForgottenCartIsEmpty(t *testing.T) {
	k := newKit(t)
	ids := k.productIDs()
	// (Routes added now are pages: the kit's pages group resolves them.)
	// What a page that shows the cart after forgetting would show:
	// "account|lines" ("guest" for nobody).
	state := func(c *fiber.Ctx) error {
		v := visitor.From(c)
		who := "guest"
		if v.Account != nil {
			who = strconv.FormatUint(uint64(v.Account.UserID), 10)
		}
		lines, err := v.Cart.Lines(c.UserContext())
		if err != nil {
			return err
		}
		return c.SendString(who + "|" + formatLines(lines))
	}
	k.app.Post("/forget-cart-then-show", func(c *fiber.Ctx) error {
		v := visitor.From(c)
		if _, err := v.Cart.Lines(c.UserContext()); err != nil { // the header's badge, say
			return err
		}
		if err := v.ForgetCart(c.UserContext()); err != nil {
			return err
		}
		return state(c)
	})
	k.app.Post("/forget-then-show", func(c *fiber.Ctx) error {
		if err := visitor.From(c).Forget(c.UserContext()); err != nil {
			return err
		}
		return state(c)
	})

	t.Run("guest cart", func(t *testing.T) {
		b := k.browser()
		b.do(http.MethodPost, "/cart?lines="+formatLines(someLines(ids, 2)))
		if _, body := b.do(http.MethodPost, "/forget-cart-then-show"); body != "guest|" {
			t.Errorf("after ForgetCart the request sees %q, want a guest with an empty cart", body)
		}
		b.mustClear("crumb_cart")
	})
	t.Run("signed in", func(t *testing.T) {
		b := k.browser()
		b.do(http.MethodPost, "/login")
		b.do(http.MethodPost, "/cart?lines="+formatLines(someLines(ids, 3))) // the account's cart
		if _, body := b.do(http.MethodPost, "/forget-then-show"); body != "guest|" {
			t.Errorf("after Forget the request sees %q, want a guest with an empty cart", body)
		}
	})
}
