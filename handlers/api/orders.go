package api

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
	"crumb/secret"
)

type orderLine struct {
	ProductID uint         `json:"product_id"`
	Name      string       `json:"name"`
	UnitPrice models.Money `json:"unit_price"`
	Quantity  int          `json:"quantity"`
	LineTotal models.Money `json:"line_total"`
}

type shipping struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Address1   string `json:"address1"`
	Address2   string `json:"address2"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

type order struct {
	ID            string       `json:"id"`
	Status        string       `json:"status"`
	CreatedAt     string       `json:"created_at"`
	Items         []orderLine  `json:"items"`
	Subtotal      models.Money `json:"subtotal"`
	Total         models.Money `json:"total"`
	Shipping      shipping     `json:"shipping"`
	PaymentMethod string       `json:"payment_method"`
}

// orderJSON is o as the app reads it: its lines named as o.In named them.
func orderJSON(o models.Order) order {
	out := order{
		ID: o.Number, Status: o.Status, CreatedAt: o.CreatedAt.UTC().Format(time.RFC3339),
		Items: []orderLine{}, Subtotal: o.SubtotalMoney(), Total: o.TotalMoney(),
		Shipping:      shipping(o.Shipping),
		PaymentMethod: string(o.PaymentMethod),
	}
	for _, l := range o.Lines {
		out.Items = append(out.Items, orderLine{ProductID: l.ProductID, Name: l.Name, UnitPrice: l.Unit(o.Currency), Quantity: l.Quantity, LineTotal: l.Total(o.Currency)})
	}
	return out
}

// PlaceOrder checks out the account's cart. The Idempotency-Key header
// makes retries safe: the same key and body give the same order; the same
// key with another body is refused. An account whose email is not
// verified gets a 403 of type ProblemEmailUnverified.
func (s *Server) PlaceOrder(c *fiber.Ctx) error {
	var in struct {
		Shipping      shipping `json:"shipping"`
		PaymentMethod string   `json:"payment_method"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	key := c.Get("Idempotency-Key")
	if len(key) > 100 || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return badRequest(c, t(c, "api.checkout.key.invalid"))
	}
	if key == "" {
		key = secret.Hex(16) // no retry safety asked for
	}
	shipTo, errs := models.CheckShipping(models.Shipping(in.Shipping), in.PaymentMethod)
	if len(errs) > 0 {
		var list []FieldError
		for _, f := range []string{"name", "phone", "address1", "address2", "postal_code", "country", "payment_method"} {
			if msg, ok := errs[f]; ok {
				field := "shipping." + f
				if f == "payment_method" {
					field = f
				}
				list = append(list, FieldError{field, visitor.From(c).Say(msg)})
			}
		}
		return invalidFields(c, list...)
	}
	// The key is kept as a digest: with its prefix, a key of 100 characters
	// would not fit the 100-character column on Postgres.
	body, _ := json.Marshal(in)
	placed, created, err := s.Orders.Place(c.UserContext(), models.PlaceOrderInput{
		UserID: signedIn(c), Key: "api:" + secret.Hash(key), RequestHash: secret.Hash(string(body)), Shipping: shipTo, Payment: models.PaymentMethod(in.PaymentMethod),
	})
	s.Metrics.Checkout("app", created, err)
	var conflict *models.CheckoutConflict
	switch {
	case errors.As(err, &conflict):
		p := &Problem{Status: fiber.StatusConflict, Title: t(c, "api.checkout.changed.title"), Detail: t(c, "api.checkout.changed.detail")}
		for _, l := range conflict.In(visitor.From(c).Lang).Lines {
			p.Errors = append(p.Errors, FieldError{"items", tr(c, "api.checkout.changed.line", "Name", l.Name, "Wanted", l.Wanted, "Available", l.Available)})
		}
		return p
	case errors.Is(err, models.ErrEmailUnverified):
		return &Problem{Type: ProblemEmailUnverified, Status: fiber.StatusForbidden, Title: t(c, "api.checkout.unverified.title"),
			Detail: t(c, "api.checkout.unverified.detail")}
	case errors.Is(err, models.ErrEmptyCart):
		return &Problem{Status: fiber.StatusUnprocessableEntity, Title: t(c, "api.checkout.empty.title"), Detail: t(c, "api.checkout.empty.detail")}
	case errors.Is(err, models.ErrIdempotencyConflict):
		return &Problem{Status: fiber.StatusUnprocessableEntity, Title: t(c, "api.checkout.key.reused.title"), Detail: t(c, "api.checkout.key.reused.detail")}
	case err != nil:
		return err
	}
	c.Set(fiber.HeaderLocation, "/api/v1/orders/"+placed.Number)
	return c.Status(fiber.StatusCreated).JSON(orderJSON(placed.In(visitor.From(c).Lang)))
}

// OrderList lists the account's orders, newest first.
func (s *Server) OrderList(c *fiber.Ctx) error {
	page, perPage, err := pageParams(c)
	if err != nil {
		return err
	}
	result, err := s.Orders.ListForUser(c.UserContext(), signedIn(c), page, perPage)
	if err != nil {
		return err
	}
	items := []order{}
	if page <= result.Pages {
		for _, o := range result.Items {
			items = append(items, orderJSON(o.In(visitor.From(c).Lang)))
		}
	}
	return c.JSON(fiber.Map{"items": items, "page": page, "per_page": perPage, "total": result.Total})
}

// order shows one of the account's orders; anyone else's is a 404.
func (s *Server) Order(c *fiber.Ctx) error {
	o, err := s.Orders.ForUser(c.UserContext(), signedIn(c), c.Params("id"))
	if errors.Is(err, models.ErrNotFound) {
		return notFound(c, t(c, "api.order.not_found"))
	}
	if err != nil {
		return err
	}
	return c.JSON(orderJSON(o.In(visitor.From(c).Lang)))
}
