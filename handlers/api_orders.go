package handlers

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

type apiOrderLine struct {
	ProductID uint         `json:"product_id"`
	Name      string       `json:"name"`
	UnitPrice models.Money `json:"unit_price"`
	Quantity  int          `json:"quantity"`
	LineTotal models.Money `json:"line_total"`
}

type apiShipping struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Address1   string `json:"address1"`
	Address2   string `json:"address2"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

type apiOrder struct {
	ID            string         `json:"id"`
	Status        string         `json:"status"`
	CreatedAt     string         `json:"created_at"`
	Items         []apiOrderLine `json:"items"`
	Subtotal      models.Money   `json:"subtotal"`
	Total         models.Money   `json:"total"`
	Shipping      apiShipping    `json:"shipping"`
	PaymentMethod string         `json:"payment_method"`
}

func orderJSON(o models.Order) apiOrder {
	out := apiOrder{
		ID: o.Number, Status: o.Status, CreatedAt: o.CreatedAt.UTC().Format(time.RFC3339),
		Items: []apiOrderLine{}, Subtotal: o.SubtotalMoney(), Total: o.TotalMoney(),
		Shipping:      apiShipping(o.Shipping),
		PaymentMethod: o.PaymentMethod,
	}
	for _, l := range o.Lines {
		out.Items = append(out.Items, apiOrderLine{ProductID: l.ProductID, Name: l.Name, UnitPrice: l.Unit(o.Currency), Quantity: l.Quantity, LineTotal: l.Total(o.Currency)})
	}
	return out
}

// apiPlaceOrder checks out the account's cart. The Idempotency-Key header
// makes retries safe: the same key and body give the same order; the same
// key with another body is refused.
func (s *Server) apiPlaceOrder(c *fiber.Ctx) error {
	var in struct {
		Shipping      apiShipping `json:"shipping"`
		PaymentMethod string      `json:"payment_method"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	key := c.Get("Idempotency-Key")
	if len(key) > 100 || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return badRequest("Idempotency-Key must be 1 to 100 visible ASCII characters.")
	}
	if key == "" {
		key = newCheckoutToken() // no retry safety asked for
	}
	shipping, errs := models.CheckShipping(models.Shipping(in.Shipping), in.PaymentMethod)
	if len(errs) > 0 {
		var list []fieldError
		for _, f := range []string{"name", "phone", "address1", "postal_code", "country", "payment_method"} {
			if msg, ok := errs[f]; ok {
				field := "shipping." + f
				if f == "payment_method" {
					field = f
				}
				list = append(list, fieldError{field, msg})
			}
		}
		return invalidFields(list...)
	}
	// The key is kept as a digest: with its prefix, a key of 100 characters
	// would not fit the 100-character column on Postgres.
	order, _, err := models.PlaceOrder(c.UserContext(), s.DB, models.PlaceOrderInput{
		UserID: apiUser(c), Key: "api:" + requestHash(key), RequestHash: requestHash(in), Shipping: shipping, Payment: in.PaymentMethod,
	})
	var conflict *models.CheckoutConflict
	switch {
	case errors.As(err, &conflict):
		p := &apiProblem{Status: fiber.StatusConflict, Title: "Cart changed", Detail: "Some items are out of stock or no longer sold; nothing was ordered. See errors."}
		for _, l := range conflict.Lines {
			p.Errors = append(p.Errors, fieldError{"items", fmt.Sprintf("%s: %d wanted, %d available.", l.Name, l.Wanted, l.Available)})
		}
		return p
	case errors.Is(err, models.ErrEmptyCart):
		return &apiProblem{Status: fiber.StatusUnprocessableEntity, Title: "Cart is empty", Detail: "Add something to the cart before placing an order."}
	case errors.Is(err, models.ErrIdempotencyConflict):
		return &apiProblem{Status: fiber.StatusUnprocessableEntity, Title: "Idempotency-Key reused", Detail: "This Idempotency-Key was already used for a different order request. Use a new key for a new order."}
	case err != nil:
		return err
	}
	if err := s.Catalog.Reload(c.UserContext()); err != nil {
		s.Log.Error("catalog reload after checkout", "err", err)
	}
	c.Set(fiber.HeaderLocation, "/api/v1/orders/"+order.Number)
	return c.Status(fiber.StatusCreated).JSON(orderJSON(order))
}

// apiOrders lists the account's orders, newest first.
func (s *Server) apiOrders(c *fiber.Ctx) error {
	page, perPage, err := pageParams(c)
	if err != nil {
		return err
	}
	result, err := models.UserOrders(c.UserContext(), s.DB, apiUser(c), page, perPage)
	if err != nil {
		return err
	}
	items := []apiOrder{}
	if page <= result.Pages {
		for _, o := range result.Items {
			items = append(items, orderJSON(o))
		}
	}
	return c.JSON(fiber.Map{"items": items, "page": page, "per_page": perPage, "total": result.Total})
}

// apiOrder shows one of the account's orders; anyone else's is a 404.
func (s *Server) apiOrder(c *fiber.Ctx) error {
	o, err := models.UserOrder(c.UserContext(), s.DB, apiUser(c), c.Params("id"))
	if errors.Is(err, models.ErrNotFound) {
		return &apiProblem{Status: fiber.StatusNotFound, Title: "Not found", Detail: "You have no order with that id."}
	}
	if err != nil {
		return err
	}
	return c.JSON(orderJSON(o))
}
