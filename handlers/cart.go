package handlers

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

// cartLines are the lines of this request's cart: the account's cart in
// the database when signed in, the browser's guest cart otherwise.
func (s *Server) cartLines(c *fiber.Ctx) ([]models.CartLine, error) {
	if cur := s.current(c); cur != nil {
		return models.UserCartLines(c.UserContext(), s.DB, cur.UserID)
	}
	g, err := s.GuestCarts.Load(c)
	return g.Lines, err
}

// saveCartLines replaces the lines of this request's cart.
func (s *Server) saveCartLines(c *fiber.Ctx, lines []models.CartLine) error {
	if cur := s.current(c); cur != nil {
		return models.SaveUserCart(c.UserContext(), s.DB, cur.UserID, lines)
	}
	g, err := s.GuestCarts.Load(c)
	if err != nil {
		return err
	}
	g.Lines = lines
	return s.GuestCarts.Save(c, g)
}

// pricedCart is this request's cart priced from the database.
func (s *Server) pricedCart(c *fiber.Ctx) (models.PricedCart, error) {
	if cur := s.current(c); cur != nil {
		return models.UserPricedCart(c.UserContext(), s.DB, cur.UserID)
	}
	lines, err := s.cartLines(c)
	if err != nil {
		return models.PricedCart{}, err
	}
	return models.PriceCart(c.UserContext(), s.DB, lines)
}

// cart shows the cart priced from the database.
func (s *Server) cart(c *fiber.Ctx) error {
	return s.renderCart(c, nil)
}

// renderCart renders the cart page, with inputErr (a 422) if the shopper's
// last change was refused.
func (s *Server) renderCart(c *fiber.Ctx, inputErr *models.InputError) error {
	private(c)
	priced, err := s.pricedCart(c)
	if err != nil {
		return err
	}
	data := s.baseView(c, "Your cart")
	data["Cart"] = priced
	if inputErr != nil {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Error"] = inputErr.Message
	}
	return c.Render("pages/cart", data)
}

// addToCart adds product_id × quantity, then shows the cart (303). With
// JavaScript, a request that accepts JSON gets the new count instead.
func (s *Server) addToCart(c *fiber.Ctx) error {
	err := s.changeCart(c, c.FormValue("product_id"), func(lines []models.CartLine, p models.Product) ([]models.CartLine, error) {
		qty, err := models.ParseQuantity(defaultString(c.FormValue("quantity"), "1"), 1)
		if err != nil {
			return nil, err
		}
		return models.AddToLines(lines, p, qty)
	})
	return s.afterCartChange(c, err)
}

// setCartQuantity sets the quantity of one line; 0 removes it, even for a
// product that is no longer sold.
func (s *Server) setCartQuantity(c *fiber.Ctx) error {
	qty, err := models.ParseQuantity(c.FormValue("quantity"), 0)
	if err == nil {
		err = s.changeCart(c, c.Params("product_id"), func(lines []models.CartLine, p models.Product) ([]models.CartLine, error) {
			return models.SetInLines(lines, p, qty)
		})
	}
	return s.afterCartChange(c, err)
}

// changeCart loads the product named by rawID from the database and
// applies change to this browser's cart lines.
func (s *Server) changeCart(c *fiber.Ctx, rawID string, change func([]models.CartLine, models.Product) ([]models.CartLine, error)) error {
	id, err := strconv.ParseUint(strings.TrimSpace(rawID), 10, 32)
	if err != nil || id == 0 {
		return models.Invalid("product_id", "That product doesn't exist. Pick one from the shop.")
	}
	lines, err := s.cartLines(c)
	if err != nil {
		return err
	}
	product, err := models.ProductForCart(c.UserContext(), s.DB, uint(id))
	var ie *models.InputError
	if errors.As(err, &ie) && c.FormValue("quantity") == "0" {
		product, err = models.Product{ID: uint(id)}, nil // removing a product no longer sold
	}
	if err != nil {
		return err
	}
	lines, err = change(lines, product)
	if err != nil {
		return err
	}
	return s.saveCartLines(c, lines)
}

func (s *Server) afterCartChange(c *fiber.Ctx, err error) error {
	var ie *models.InputError
	if err != nil && !errors.As(err, &ie) {
		return err
	}
	if wantsJSON(c) {
		lines, lerr := s.cartLines(c)
		if lerr != nil {
			return lerr
		}
		if ie != nil {
			return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"error": ie.Message, "count": models.LineCount(lines)})
		}
		return c.JSON(fiber.Map{"count": models.LineCount(lines)})
	}
	if ie != nil {
		return s.renderCart(c, ie)
	}
	return c.Redirect("/cart", fiber.StatusSeeOther)
}

// wantsJSON reports whether the page's script asked for a JSON answer.
func wantsJSON(c *fiber.Ctx) bool {
	return strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON)
}

func defaultString(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
