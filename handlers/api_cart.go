package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

type apiCartLine struct {
	Product   apiProduct   `json:"product"`
	Quantity  int          `json:"quantity"`
	LineTotal models.Money `json:"line_total"`
}

type apiCart struct {
	Items    []apiCartLine `json:"items"`
	Count    int           `json:"count"`
	Subtotal models.Money  `json:"subtotal"`
	Notices  []string      `json:"notices"`
}

// apiCartView answers with the account's cart, the same one the web shows.
func (s *Server) apiCartView(c *fiber.Ctx) error {
	priced, err := models.UserPricedCart(c.UserContext(), s.DB, apiUser(c))
	if err != nil {
		return err
	}
	out := apiCart{Items: []apiCartLine{}, Count: priced.Count, Subtotal: priced.Subtotal, Notices: priced.Notices}
	if out.Subtotal.Currency == "" {
		out.Subtotal.Currency = s.Config.Currency
	}
	if out.Notices == nil {
		out.Notices = []string{}
	}
	for _, l := range priced.Lines {
		out.Items = append(out.Items, apiCartLine{Product: s.productJSON(l.Product, s.categorySlug(l.Product.CategoryID)), Quantity: l.Quantity, LineTotal: l.Total})
	}
	return c.JSON(out)
}

// apiChangeCart loads the account's lines and the product, applies change
// and saves.
func (s *Server) apiChangeCart(c *fiber.Ctx, productID uint, removing bool, change func([]models.CartLine, models.Product) ([]models.CartLine, error)) error {
	ctx := c.UserContext()
	lines, err := models.UserCartLines(ctx, s.DB, apiUser(c))
	if err != nil {
		return err
	}
	product, err := models.ProductForCart(ctx, s.DB, productID)
	var ie *models.InputError
	if errors.As(err, &ie) {
		if !removing {
			return invalidFields(fieldError{"product_id", "No product on sale has that id."})
		}
		product, err = models.Product{ID: productID}, nil
	}
	if err != nil {
		return err
	}
	if lines, err = change(lines, product); err != nil {
		return err
	}
	if err := models.SaveUserCart(ctx, s.DB, apiUser(c), lines); err != nil {
		return err
	}
	return s.apiCartView(c)
}

func quantityError(lo int) error {
	return invalidFields(fieldError{"quantity", "quantity must be a whole number from " + strconv.Itoa(lo) + " to 99."})
}

// apiAddToCart adds {product_id, quantity} to the cart.
func (s *Server) apiAddToCart(c *fiber.Ctx) error {
	var in struct {
		ProductID *int64 `json:"product_id"`
		Quantity  *int64 `json:"quantity"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var errs []fieldError
	if in.ProductID == nil || *in.ProductID < 1 || *in.ProductID > 1<<31 {
		errs = append(errs, fieldError{"product_id", "product_id must be the id of a product."})
	}
	if in.Quantity == nil || *in.Quantity < 1 || *in.Quantity > models.MaxLineQuantity {
		errs = append(errs, fieldError{"quantity", "quantity must be a whole number from 1 to 99."})
	}
	if len(errs) > 0 {
		return invalidFields(errs...)
	}
	return s.apiChangeCart(c, uint(*in.ProductID), false, func(lines []models.CartLine, p models.Product) ([]models.CartLine, error) {
		return models.AddToLines(lines, p, int(*in.Quantity))
	})
}

// apiSetCartQuantity sets {quantity} of one line; 0 removes it.
func (s *Server) apiSetCartQuantity(c *fiber.Ctx) error {
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
		return quantityError(0)
	}
	qty := int(*in.Quantity)
	return s.apiChangeCart(c, id, qty == 0, func(lines []models.CartLine, p models.Product) ([]models.CartLine, error) {
		return models.SetInLines(lines, p, qty)
	})
}

// apiRemoveFromCart removes one line.
func (s *Server) apiRemoveFromCart(c *fiber.Ctx) error {
	id, err := pathProductID(c)
	if err != nil {
		return err
	}
	return s.apiChangeCart(c, id, true, func(lines []models.CartLine, p models.Product) ([]models.CartLine, error) {
		return models.SetInLines(lines, p, 0)
	})
}

func pathProductID(c *fiber.Ctx) (uint, error) {
	id, err := strconv.ParseUint(c.Params("product_id"), 10, 32)
	if err != nil || id == 0 {
		return 0, &apiProblem{Status: fiber.StatusNotFound, Title: "Not found", Detail: "No product has that id."}
	}
	return uint(id), nil
}
