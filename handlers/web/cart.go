package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
	"crumb/views"
)

const cartLocal = "crumb.cart"

// cart is this visitor's cart: the account's when signed in (the same the
// app shows), otherwise the browser's guest cart, wherever it is kept. It
// is built once a request, so its lines are read once.
func (s *Server) cart(c *fiber.Ctx) models.Cart {
	if cart, ok := c.Locals(cartLocal).(models.Cart); ok {
		return cart
	}
	var cart models.Cart
	if cur := s.current(c); cur != nil {
		cart = s.Carts.User(cur.UserID)
	} else {
		cart = s.Carts.Of(s.GuestCarts.Of(c))
	}
	c.Locals(cartLocal, cart)
	return cart
}

type cartPage struct {
	Page
	Cart  models.PricedCart
	Error string // why the last change was refused
}

// Cart shows the cart, priced from the catalog.
func (s *Server) Cart(c *fiber.Ctx) error {
	return s.renderCart(c, nil)
}

// renderCart renders the cart page, with inputErr (a 422) if the shopper's
// last change was refused.
func (s *Server) renderCart(c *fiber.Ctx, inputErr *models.InputError) error {
	private(c)
	priced, err := s.cart(c).Priced(c.UserContext())
	if err != nil {
		return err
	}
	p := &cartPage{Page: s.NewPage(c, "Your cart"), Cart: priced}
	status := fiber.StatusOK
	if inputErr != nil {
		status, p.Error = fiber.StatusUnprocessableEntity, views.Say(inputErr.Message)
	}
	return s.render(c, status, "pages/cart", p)
}

// AddToCart adds product_id × quantity (default 1), then shows the cart
// (303). With JavaScript, a request that accepts JSON gets the new count.
func (s *Server) AddToCart(c *fiber.Ctx) error {
	id, err := productID(c.FormValue("product_id"))
	qty := 1
	if err == nil && strings.TrimSpace(c.FormValue("quantity")) != "" {
		qty, err = models.ParseQuantity(c.FormValue("quantity"), 1)
	}
	if err == nil {
		err = s.cart(c).Add(c.UserContext(), id, qty)
	}
	return s.afterCartChange(c, err)
}

// SetCartQuantity sets the quantity of one line; 0 removes it, even for a
// product that is no longer sold.
func (s *Server) SetCartQuantity(c *fiber.Ctx) error {
	id, err := productID(c.Params("product_id"))
	qty := 0
	if err == nil {
		qty, err = models.ParseQuantity(c.FormValue("quantity"), 0)
	}
	if err == nil {
		err = s.cart(c).Set(c.UserContext(), id, qty)
	}
	return s.afterCartChange(c, err)
}

func productID(raw string) (uint, error) {
	id, err := strconv.ParseUint(strings.TrimSpace(raw), 10, 32)
	if err != nil || id == 0 {
		return 0, models.Invalid("product_id", models.CodeProductUnknown)
	}
	return uint(id), nil
}

// afterCartChange answers a cart change: the cart (303), or the page again
// with what to fix (422); JSON with the count for the page's script.
func (s *Server) afterCartChange(c *fiber.Ctx, err error) error {
	var ie *models.InputError
	if err != nil && !errors.As(err, &ie) {
		return err
	}
	if wantsJSON(c) {
		count, cerr := s.cart(c).Count(c.UserContext())
		if cerr != nil {
			return cerr
		}
		if ie != nil {
			return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"error": views.Say(ie.Message), "count": count})
		}
		return c.JSON(fiber.Map{"count": count})
	}
	if ie != nil {
		return s.renderCart(c, ie)
	}
	return c.Redirect("/cart", fiber.StatusSeeOther)
}
