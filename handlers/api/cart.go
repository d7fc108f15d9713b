package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
)

type cartLine struct {
	Product   product      `json:"product"`
	Quantity  int          `json:"quantity"`
	LineTotal models.Money `json:"line_total"`
}

type cart struct {
	Items    []cartLine   `json:"items"`
	Count    int          `json:"count"`
	Subtotal models.Money `json:"subtotal"`
	Notices  []string     `json:"notices"`
}

// Cart answers with the account's cart, the same one the web shows.
func (s *Server) Cart(c *fiber.Ctx) error {
	return s.sendCart(c, visitor.From(c).Cart)
}

func (s *Server) sendCart(c *fiber.Ctx, account models.Cart) error {
	priced, err := account.Priced(c.UserContext())
	if err != nil {
		return err
	}
	priced = priced.In(visitor.From(c).Lang)
	out := cart{Items: []cartLine{}, Count: priced.Count, Subtotal: priced.Subtotal, Notices: []string{}}
	if out.Subtotal.Currency == "" {
		out.Subtotal.Currency = s.Config.Currency
	}
	for _, n := range priced.Notices {
		out.Notices = append(out.Notices, visitor.From(c).Say(n))
	}
	for _, l := range priced.Lines {
		out.Items = append(out.Items, cartLine{Product: s.productJSON(l.Product), Quantity: l.Quantity, LineTotal: l.Total})
	}
	return c.JSON(out)
}

// AddToCart adds {product_id, quantity} to the cart.
func (s *Server) AddToCart(c *fiber.Ctx) error {
	var in struct {
		ProductID *int64 `json:"product_id"`
		Quantity  *int64 `json:"quantity"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var errs []FieldError
	if in.ProductID == nil || *in.ProductID < 1 || *in.ProductID > 1<<31 {
		errs = append(errs, FieldError{"product_id", t(c, "api.cart.product_id")})
	}
	if in.Quantity == nil || *in.Quantity < 1 || *in.Quantity > models.MaxLineQuantity {
		errs = append(errs, quantityError(c, 1))
	}
	if len(errs) > 0 {
		return invalidFields(c, errs...)
	}
	account := visitor.From(c).Cart
	if err := account.Add(c.UserContext(), uint(*in.ProductID), int(*in.Quantity)); err != nil {
		return err
	}
	return s.sendCart(c, account)
}

// SetCartQuantity sets {quantity} of one line; 0 removes it.
func (s *Server) SetCartQuantity(c *fiber.Ctx) error {
	id, err := pathProductID(c)
	if err != nil {
		return err
	}
	var in struct {
		Quantity *int64 `json:"quantity"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Quantity == nil || *in.Quantity < 0 || *in.Quantity > models.MaxLineQuantity {
		return invalidFields(c, quantityError(c, 0))
	}
	account := visitor.From(c).Cart
	if err := account.Set(c.UserContext(), id, int(*in.Quantity)); err != nil {
		return err
	}
	return s.sendCart(c, account)
}

// RemoveFromCart removes one line.
func (s *Server) RemoveFromCart(c *fiber.Ctx) error {
	id, err := pathProductID(c)
	if err != nil {
		return err
	}
	account := visitor.From(c).Cart
	if err := account.Set(c.UserContext(), id, 0); err != nil {
		return err
	}
	return s.sendCart(c, account)
}

func quantityError(c *fiber.Ctx, lo int) FieldError {
	return FieldError{"quantity", tr(c, "api.cart.quantity", "Min", lo, "Max", models.MaxLineQuantity)}
}

func pathProductID(c *fiber.Ctx) (uint, error) {
	id, err := strconv.ParseUint(c.Params("product_id"), 10, 32)
	if err != nil || id == 0 {
		return 0, notFound(c, t(c, "api.product.not_found"))
	}
	return uint(id), nil
}
