package visitor

import (
	"context"

	"crumb/cookies"
	"crumb/models"
	"crumb/secret"
)

// guestCart is the browser's cart cookie: the lines themselves, or the id
// of the cart kept in the database once it outgrew the cookie.
type guestCart struct {
	token string            // set when the cart lives in the database
	lines []models.CartLine // the cookie's lines otherwise
}

// guestStore keeps a guest's cart lines in the crumb_cart cookie, and in
// the database behind an opaque id (still in the cookie) once they would
// outgrow the cookie's budget. The shopper never sees the difference.
type guestStore struct{ v *Visitor }

// Lines are the guest cart's lines. (models.Cart reads them once a
// request.)
func (g guestStore) Lines(ctx context.Context) ([]models.CartLine, error) {
	if cart := g.v.guest; cart.token != "" {
		return g.v.r.Carts.Guest(cart.token).Lines(ctx)
	}
	return g.v.guest.lines, nil
}

// Save stores lines as this browser's guest cart: in the cookie while it
// fits the budget, in the database otherwise (and from then on).
func (g guestStore) Save(ctx context.Context, lines []models.CartLine) error {
	v, cart := g.v, &g.v.guest
	expires := v.r.Jar.Now().Add(cookies.Cart.Spec().MaxAge)
	if cart.token == "" {
		value := v.r.Jar.Seal(cookies.Cart, cookies.EncodeCart(cookies.GuestCart{Lines: toCookie(lines)}), expires)
		if len(v.r.Jar.CookieName(cookies.Cart))+len(value) <= v.r.budget() {
			ck, err := v.r.Jar.SetRaw(cookies.Cart, value, expires)
			if err != nil {
				return err
			}
			v.changed[cookies.Cart], cart.lines = &ck, lines
			return nil
		}
		cart.token = string(secret.Bytes(cookies.CartTokenLen))
	}
	if err := v.r.Carts.Guest(cart.token).Save(ctx, lines); err != nil {
		return err
	}
	cart.lines = nil
	return v.set(cookies.Cart, cookies.EncodeCart(cookies.GuestCart{Token: cart.token}), expires)
}

// GuestLines are the browser's cart lines, whoever is signed in (at
// sign-in, they are merged into the account's cart).
func (v *Visitor) GuestLines(ctx context.Context) ([]models.CartLine, error) {
	return guestStore{v}.Lines(ctx)
}

// ForgetCart empties the browser's cart: the cookie and any database copy.
func (v *Visitor) ForgetCart(ctx context.Context) error {
	if v.guest.token != "" {
		if err := v.r.Carts.DeleteGuest(ctx, v.guest.token); err != nil {
			return err
		}
	}
	v.guest = guestCart{}
	if v.Account == nil {
		v.Cart = v.r.Carts.Of(guestStore{v})
	}
	v.expire(cookies.Cart)
	return nil
}

func (r *Resolver) budget() int {
	if r.CartBudget <= 0 || r.CartBudget > cookies.Cart.Spec().Budget {
		return cookies.Cart.Spec().Budget
	}
	return r.CartBudget
}

func fromCookie(lines []cookies.CartLine) []models.CartLine {
	out := make([]models.CartLine, len(lines))
	for i, l := range lines {
		out[i] = models.CartLine{ProductID: l.ProductID, Quantity: l.Quantity}
	}
	return out
}

func toCookie(lines []models.CartLine) []cookies.CartLine {
	out := make([]cookies.CartLine, len(lines))
	for i, l := range lines {
		out[i] = cookies.CartLine{ProductID: l.ProductID, Quantity: l.Quantity}
	}
	return out
}
