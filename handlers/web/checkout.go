package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/i18n"
	"crumb/models"
	"crumb/secret"
)

// checkoutForm is what the checkout page shows and sends back.
type checkoutForm struct {
	models.Shipping
	PaymentMethod string
	Token         string // one per checkout: the same token places one order
	Errors        map[string]string
}

type checkoutPage struct {
	Page
	Cart       models.PricedCart
	Form       checkoutForm
	Quote      string // the prices shown, to notice a change (see quoteOf)
	Countries  []Option
	Conflict   *models.CheckoutConflict
	Unverified bool   // the account's email is not verified: no form, but the link again
	Email      string // the account's email
	// PaymentMethods are the choices the form offers.
	PaymentMethods []Option
}

// Checkout shows the cart, the shipping form and a one-time checkout
// token; to an account whose email is not verified yet, the cart and an
// offer to mail the link again instead of the form.
func (s *Server) Checkout(c *fiber.Ctx) error {
	cur := visitor.From(c).Account
	form := checkoutForm{Shipping: models.Shipping{Name: cur.Name, Country: "US"}, PaymentMethod: string(models.PayOnDelivery), Token: secret.Hex(16)}
	return s.renderCheckout(c, fiber.StatusOK, form, nil)
}

func (s *Server) renderCheckout(c *fiber.Ctx, status int, form checkoutForm, conflict *models.CheckoutConflict) error {
	priced, err := visitor.From(c).Cart.Priced(c.UserContext())
	if err != nil {
		return err
	}
	user, err := s.Users.ByID(c.UserContext(), visitor.From(c).Account.UserID)
	if err != nil {
		return err
	}
	v := visitor.From(c)
	return s.render(c, status, "pages/checkout", &checkoutPage{
		Page: s.NewPage(c, v.T("checkout.title")), Cart: priced.In(v.Lang), Form: form, Quote: quoteOf(priced),
		Countries: countryOptions(v.Lang), Conflict: conflict, Unverified: !user.EmailVerified(), Email: user.Email,
		PaymentMethods: paymentOptions(v.Lang),
	})
}

// paymentOptions are the payment methods as checkout offers them in lang,
// each with what the shopper should know before choosing it.
func paymentOptions(lang models.Language) []Option {
	out := make([]Option, len(models.PaymentMethods))
	for i, m := range models.PaymentMethods {
		out[i] = Option{Value: string(m), Label: i18n.T(lang, "checkout.payment."+string(m))}
	}
	return out
}

// PlaceOrder creates the order from the account's cart. The same checkout
// token (double click, back and resubmit, a retry) gives the same order.
// An account whose email is not verified places nothing (403, the page
// says so).
func (s *Server) PlaceOrder(c *fiber.Ctx) error {
	cur := visitor.From(c).Account
	form := checkoutForm{
		Shipping: models.Shipping{
			Name: c.FormValue("name"), Phone: c.FormValue("phone"), Address1: c.FormValue("address1"),
			Address2: c.FormValue("address2"), PostalCode: c.FormValue("postal_code"), Country: c.FormValue("country"),
		},
		PaymentMethod: c.FormValue("payment_method"),
		Token:         strings.TrimSpace(c.FormValue("checkout_token")),
		Errors:        map[string]string{},
	}
	shipping, errs := models.CheckShipping(form.Shipping, form.PaymentMethod)
	form.Shipping = shipping
	for field, msg := range errs {
		form.Errors[field] = visitor.From(c).Say(msg)
	}
	if !validCheckoutToken(form.Token) {
		form.Token = secret.Hex(16)
		form.Errors["checkout_token"] = visitor.From(c).T("checkout.stale")
	}
	if len(form.Errors) > 0 {
		return s.renderCheckout(c, fiber.StatusUnprocessableEntity, form, nil)
	}
	order, created, err := s.Orders.Place(c.UserContext(), models.PlaceOrderInput{
		UserID: cur.UserID, Key: "web:" + form.Token, Shipping: form.Shipping, Payment: models.PaymentMethod(form.PaymentMethod),
		Quote: parseQuote(c.FormValue("quote")),
	})
	s.Metrics.Checkout("web", created, err)
	var conflict *models.CheckoutConflict
	switch {
	case errors.As(err, &conflict):
		return s.renderCheckout(c, fiber.StatusConflict, form, conflict.In(visitor.From(c).Lang))
	case errors.Is(err, models.ErrEmailUnverified):
		return s.renderCheckout(c, fiber.StatusForbidden, form, nil)
	case errors.Is(err, models.ErrEmptyCart):
		form.Errors["cart"] = visitor.From(c).T("checkout.empty")
		return s.renderCheckout(c, fiber.StatusUnprocessableEntity, form, nil)
	case err != nil:
		return err
	}
	return c.Redirect("/orders/"+order.Number, fiber.StatusSeeOther)
}

// validCheckoutToken reports whether token can be one this page handed
// out: 16 to 64 visible ASCII characters (it becomes the order's
// idempotency key).
func validCheckoutToken(token string) bool {
	return len(token) >= 16 && len(token) <= 64 && !strings.ContainsFunc(token, func(r rune) bool { return r < 0x21 || r > 0x7e })
}

// quoteOf writes the prices shown as "id:price,id:price", so placing the
// order can tell the shopper when a price changed in between.
func quoteOf(cart models.PricedCart) string {
	parts := make([]string, len(cart.Lines))
	for i, l := range cart.Lines {
		parts[i] = fmt.Sprintf("%d:%d", l.Product.ID, l.Product.PriceAmount)
	}
	return strings.Join(parts, ",")
}

// parseQuote reads a quote; a missing or malformed one checks nothing.
func parseQuote(s string) map[uint]int64 {
	if s == "" {
		return nil
	}
	quote := map[uint]int64{}
	for _, part := range strings.Split(s, ",") {
		id, price, ok := strings.Cut(part, ":")
		n, err1 := strconv.ParseUint(id, 10, 32)
		p, err2 := strconv.ParseInt(price, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil
		}
		quote[uint(n)] = p
	}
	return quote
}
