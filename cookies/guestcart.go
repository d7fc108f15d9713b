package cookies

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"crumb/models"
)

// GuestCarts keeps a guest's cart in the crumb_cart cookie, and moves it to
// the database behind an opaque id (still in the cookie) once it would
// outgrow the cookie's budget. The shopper never sees the difference.
type GuestCarts struct {
	jar    *Jar
	db     *gorm.DB
	budget int
}

// NewGuestCarts builds the guest cart store; budget is the most bytes the
// cookie may take before the cart moves to the database (0: the registry's).
func NewGuestCarts(jar *Jar, db *gorm.DB, budget int) *GuestCarts {
	if budget <= 0 || budget > Cart.Spec().Budget {
		budget = Cart.Spec().Budget
	}
	return &GuestCarts{jar: jar, db: db, budget: budget}
}

const guestCartLocal = "crumb.guest_cart"

// Load returns the guest cart this browser holds. A cookie that cannot be
// read is cleared and the cart is empty.
func (g *GuestCarts) Load(c *fiber.Ctx) (GuestCart, error) {
	if cached, ok := c.Locals(guestCartLocal).(GuestCart); ok {
		return cached, nil
	}
	var cart GuestCart
	if plain, ok := g.jar.Read(c, Cart); ok {
		decoded, err := DecodeCart(plain)
		if err != nil {
			g.jar.Reject(c, Cart, err.Error())
		} else {
			cart = decoded
		}
	}
	if cart.Token != "" {
		lines, err := models.GuestCartLines(c.UserContext(), g.db, cart.Token)
		if err != nil {
			return GuestCart{}, err
		}
		cart.Lines = lines
	}
	c.Locals(guestCartLocal, cart)
	return cart, nil
}

// Save stores lines as this browser's guest cart: in the cookie while it
// fits the budget, in the database otherwise (and from then on).
func (g *GuestCarts) Save(c *fiber.Ctx, cart GuestCart) error {
	ctx := c.UserContext()
	expires := g.jar.Now().Add(Cart.Spec().MaxAge)
	if cart.Token == "" {
		value := g.jar.Seal(Cart, EncodeCart(GuestCart{Lines: cart.Lines}), expires)
		if len(g.jar.CookieName(Cart))+len(value) <= g.budget {
			c.Locals(guestCartLocal, cart)
			return g.jar.SetRaw(c, Cart, value, expires)
		}
		cart.Token = newCartToken()
	}
	if err := models.SaveGuestCart(ctx, g.db, cart.Token, cart.Lines); err != nil {
		return err
	}
	c.Locals(guestCartLocal, cart)
	return g.jar.Write(c, Cart, EncodeCart(GuestCart{Token: cart.Token}), expires)
}

// Forget empties this browser's guest cart: the cookie and any database copy.
func (g *GuestCarts) Forget(c *fiber.Ctx) error {
	cart, err := g.Load(c)
	if err != nil {
		return err
	}
	if cart.Token != "" {
		if err := models.DeleteGuestCart(c.UserContext(), g.db, cart.Token); err != nil {
			return err
		}
	}
	c.Locals(guestCartLocal, GuestCart{})
	g.jar.Clear(c, Cart)
	return nil
}

// Sweep deletes database guest carts idle for longer than the cookie lives.
func (g *GuestCarts) Sweep(ctx context.Context) (int64, error) {
	n, err := models.SweepGuestCarts(ctx, g.db, g.jar.Now().Add(-Cart.Spec().MaxAge))
	if err != nil {
		return 0, fmt.Errorf("guest carts: %w", err)
	}
	return n, nil
}

func newCartToken() string {
	b := make([]byte, cartTokenLen)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return string(b)
}
