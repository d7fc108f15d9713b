package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

// checkoutForm is what the checkout page shows and sends back.
type checkoutForm struct {
	models.Shipping
	PaymentMethod string
	Token         string
	Errors        map[string]string
}

// checkout shows the cart, the shipping form and a one-time checkout token.
func (s *Server) checkout(c *fiber.Ctx) error {
	cur := s.current(c)
	form := checkoutForm{Shipping: models.Shipping{Name: cur.Name, Country: "US"}, PaymentMethod: models.PayOnDelivery, Token: newCheckoutToken()}
	return s.renderCheckout(c, fiber.StatusOK, form, nil)
}

func (s *Server) renderCheckout(c *fiber.Ctx, status int, form checkoutForm, conflict *models.CheckoutConflict) error {
	priced, err := s.pricedCart(c)
	if err != nil {
		return err
	}
	data := s.baseView(c, "Checkout")
	data["Cart"] = priced
	data["Form"] = form
	data["Quote"] = quoteOf(priced)
	data["Countries"] = models.Countries
	data["Conflict"] = conflict
	return c.Status(status).Render("pages/checkout", data)
}

// placeOrder creates the order from the account's cart. The same checkout
// token (double click, back and resubmit, a retry) gives the same order.
func (s *Server) placeOrder(c *fiber.Ctx) error {
	cur := s.current(c)
	form := checkoutForm{
		Shipping: models.Shipping{
			Name: c.FormValue("name"), Phone: c.FormValue("phone"), Address1: c.FormValue("address1"),
			Address2: c.FormValue("address2"), PostalCode: c.FormValue("postal_code"), Country: c.FormValue("country"),
		},
		PaymentMethod: c.FormValue("payment_method"),
		Token:         strings.TrimSpace(c.FormValue("checkout_token")),
	}
	form.Shipping, form.Errors = models.CheckShipping(form.Shipping, form.PaymentMethod)
	if len(form.Token) < 16 || len(form.Token) > 64 {
		form.Token = newCheckoutToken()
		form.Errors["checkout_token"] = "This checkout form is out of date. Check your details and place the order again."
	}
	if len(form.Errors) > 0 {
		return s.renderCheckout(c, fiber.StatusUnprocessableEntity, form, nil)
	}
	order, _, err := models.PlaceOrder(c.UserContext(), s.DB, models.PlaceOrderInput{
		UserID: cur.UserID, Key: "web:" + form.Token, Shipping: form.Shipping, Payment: form.PaymentMethod,
		Quote: parseQuote(c.FormValue("quote")),
	})
	var conflict *models.CheckoutConflict
	switch {
	case errors.As(err, &conflict):
		return s.renderCheckout(c, fiber.StatusConflict, form, conflict)
	case errors.Is(err, models.ErrEmptyCart):
		form.Errors["cart"] = "Your cart is empty. Add something before checking out."
		return s.renderCheckout(c, fiber.StatusUnprocessableEntity, form, nil)
	case err != nil:
		return err
	}
	if err := s.Catalog.Reload(c.UserContext()); err != nil {
		s.Log.Error("catalog reload after checkout", "err", err)
	}
	return c.Redirect("/orders/"+order.Number, fiber.StatusSeeOther)
}

func newCheckoutToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b)
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

// orders lists the account's orders, newest first.
func (s *Server) orders(c *fiber.Ctx) error {
	cur := s.current(c)
	page, err := models.UserOrders(c.UserContext(), s.DB, cur.UserID, parsePage(c.Query("page")), 10)
	if err != nil {
		return err
	}
	data := s.baseView(c, "Your orders")
	data["Orders"] = page
	if page.Page > 1 {
		data["PrevURL"] = "/orders?page=" + strconv.Itoa(page.Page-1)
	}
	if page.Page < page.Pages {
		data["NextURL"] = "/orders?page=" + strconv.Itoa(page.Page+1)
	}
	return c.Render("pages/orders", data)
}

// order shows one of the account's orders; anyone else's is a 404.
func (s *Server) order(c *fiber.Ctx) error {
	cur := s.current(c)
	order, err := models.UserOrder(c.UserContext(), s.DB, cur.UserID, c.Params("number"))
	if err != nil {
		return err
	}
	return s.renderOrder(c, fiber.StatusOK, order, "")
}

func (s *Server) renderOrder(c *fiber.Ctx, status int, order models.Order, errMsg string) error {
	data := s.baseView(c, "Order "+order.Number)
	data["Order"] = order
	data["Error"] = errMsg
	return c.Status(status).Render("pages/order", data)
}

// cancelOrder cancels a placed order and puts its items back on the shelf.
func (s *Server) cancelOrder(c *fiber.Ctx) error {
	cur := s.current(c)
	ctx := c.UserContext()
	_, err := models.CancelOrder(ctx, s.DB, cur.UserID, c.Params("number"), s.Now())
	if errors.Is(err, models.ErrNotCancellable) {
		order, lerr := models.UserOrder(ctx, s.DB, cur.UserID, c.Params("number"))
		if lerr != nil {
			return lerr
		}
		return s.renderOrder(c, fiber.StatusConflict, order, "This order can no longer be cancelled: it is already "+order.Status+".")
	}
	if err != nil {
		return err
	}
	if err := s.Catalog.Reload(ctx); err != nil {
		s.Log.Error("catalog reload after cancel", "err", err)
	}
	return c.Redirect("/orders/"+c.Params("number"), fiber.StatusSeeOther)
}
