package cookies

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
	"crumb/secret"
)

// GuestCarts keeps a guest's cart in the crumb_cart cookie, and moves it to
// the database behind an opaque id (still in the cookie) once it would
// outgrow the cookie's budget. The shopper never sees the difference.
type GuestCarts struct {
	jar    *Jar
	carts  *models.Carts
	budget int
}

// NewGuestCarts builds the guest cart store; budget is the most bytes the
// cookie may take before the cart moves to carts (0: the registry's).
func NewGuestCarts(jar *Jar, carts *models.Carts, budget int) *GuestCarts {
	if budget <= 0 || budget > Cart.Spec().Budget {
		budget = Cart.Spec().Budget
	}
	return &GuestCarts{jar: jar, carts: carts, budget: budget}
}

// Of is where this browser's guest cart is kept, as a models.CartStore.
func (g *GuestCarts) Of(c *fiber.Ctx) models.CartStore { return browserCart{g: g, c: c} }

type browserCart struct {
	g *GuestCarts
	c *fiber.Ctx
}

func (b browserCart) Lines(context.Context) ([]models.CartLine, error) {
	cart, err := b.g.load(b.c)
	return cart.Lines, err
}

func (b browserCart) Save(_ context.Context, lines []models.CartLine) error {
	return b.g.save(b.c, lines)
}

const guestCartLocal = "crumb.guest_cart"

// load returns the guest cart this browser holds, once per request. A
// cookie that cannot be read is cleared and the cart is empty.
func (g *GuestCarts) load(c *fiber.Ctx) (GuestCart, error) {
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
		lines, err := g.carts.Guest(cart.Token).Lines(c.UserContext())
		if err != nil {
			return GuestCart{}, err
		}
		cart.Lines = lines
	}
	c.Locals(guestCartLocal, cart)
	return cart, nil
}

// save stores lines as this browser's guest cart: in the cookie while it
// fits the budget, in the database otherwise (and from then on).
func (g *GuestCarts) save(c *fiber.Ctx, lines []models.CartLine) error {
	cart, err := g.load(c)
	if err != nil {
		return err
	}
	cart.Lines = lines
	expires := g.jar.Now().Add(Cart.Spec().MaxAge)
	if cart.Token == "" {
		value := g.jar.Seal(Cart, EncodeCart(GuestCart{Lines: lines}), expires)
		if len(g.jar.CookieName(Cart))+len(value) <= g.budget {
			c.Locals(guestCartLocal, cart)
			return g.jar.SetRaw(c, Cart, value, expires)
		}
		cart.Token = string(secret.Bytes(cartTokenLen))
	}
	if err := g.carts.Guest(cart.Token).Save(c.UserContext(), lines); err != nil {
		return err
	}
	c.Locals(guestCartLocal, cart)
	return g.jar.Write(c, Cart, EncodeCart(GuestCart{Token: cart.Token}), expires)
}

// Forget empties this browser's guest cart: the cookie and any database copy.
func (g *GuestCarts) Forget(c *fiber.Ctx) error {
	cart, err := g.load(c)
	if err != nil {
		return err
	}
	if cart.Token != "" {
		if err := g.carts.DeleteGuest(c.UserContext(), cart.Token); err != nil {
			return err
		}
	}
	c.Locals(guestCartLocal, GuestCart{})
	g.jar.Clear(c, Cart)
	return nil
}

// Sweep deletes database guest carts idle for longer than the cookie lives.
func (g *GuestCarts) Sweep(ctx context.Context) (int64, error) {
	return g.carts.SweepGuests(ctx, g.jar.Now().Add(-Cart.Spec().MaxAge))
}
