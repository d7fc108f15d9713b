package web

import (
	"errors"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
)

type cartPage struct {
	Page
	Cart  models.PricedCart
	Lines []template.HTML // Cart.Lines, rendered
	Error string          // why the last change was refused
}

// Cart shows the cart, priced from the catalog.
func (s *Server) Cart(c *fiber.Ctx) error {
	return s.renderCart(c, nil)
}

// renderCart renders the cart page, with inputErr (a 422) if the shopper's
// last change was refused.
func (s *Server) renderCart(c *fiber.Ctx, inputErr *models.InputError) error {
	private(c)
	lang := visitor.From(c).Lang
	version := s.Catalog.Version() // before pricing: a page is never kept under a newer version than its prices
	priced, err := visitor.From(c).Cart.Priced(c.UserContext())
	if err != nil {
		return err
	}
	priced = priced.In(lang)
	status, body := fiber.StatusOK, cartPage{Page: Page{CSRF: formTokenMarker}, Cart: priced}
	if inputErr != nil {
		status, body.Error = fiber.StatusUnprocessableEntity, visitor.From(c).Say(inputErr.Message)
	}
	render := func() (template.HTML, error) {
		var err error
		if body.Lines, err = s.cartLines(version, lang, priced.Lines); err != nil {
			return "", err
		}
		return s.fragments.RenderNow(lang, "pages/cart", &body)
	}
	// A cart with nothing to say is the same page for everyone with the
	// same lines.
	var html template.HTML
	if body.Error == "" && len(priced.Notices) == 0 {
		html, err = s.fragments.Cached(version, lang, cartKey(priced.Lines), render)
	} else {
		html, err = render()
	}
	if err != nil {
		return err
	}
	p := s.NewPage(c, visitor.From(c).T("cart.title"))
	return s.show(c, status, &p, html)
}

// cartKey names a cart page by its lines.
func cartKey(lines []models.PricedLine) string {
	key := make([]byte, 0, 8+len(lines)*8)
	key = append(key, "cart"...)
	for _, l := range lines {
		key = append(key, ':')
		key = strconv.AppendUint(key, uint64(l.Product.ID), 10)
		key = append(key, 'x')
		key = strconv.AppendInt(key, int64(l.Quantity), 10)
	}
	return string(key)
}

// cartLines renders the cart page's lines, priced with catalog version (or
// a newer one). A line is the same for everyone with that quantity of that
// product, so it is rendered once per version (at most products × 99).
func (s *Server) cartLines(version uint64, lang models.Language, lines []models.PricedLine) ([]template.HTML, error) {
	out := make([]template.HTML, len(lines))
	for i, line := range lines {
		key := "line:" + strconv.FormatUint(uint64(line.Product.ID), 10) + ":" + strconv.Itoa(line.Quantity)
		var err error
		out[i], err = s.fragments.Render(version, lang, key, "partials/cart-line", struct {
			CSRF string
			Line models.PricedLine
		}{formTokenMarker, line})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddToCart adds product_id × quantity (default 1), then shows the cart
// (303). With JavaScript, a request that accepts JSON gets the new count.
func (s *Server) AddToCart(c *fiber.Ctx) error {
	id, err := productID(c.FormValue("product_id"))
	qty := 1
	if err == nil && strings.TrimSpace(c.FormValue("quantity")) != "" {
		qty, err = models.ParseQuantity(c.FormValue("quantity"), 1)
	}
	if err == nil {
		err = visitor.From(c).Cart.Add(c.UserContext(), id, qty)
	}
	return s.afterCartChange(c, err)
}

// SetCartQuantity sets the quantity of one line; 0 removes it, even for a
// product that is no longer sold.
func (s *Server) SetCartQuantity(c *fiber.Ctx) error {
	id, err := productID(c.Params("product_id"))
	qty := 0
	if err == nil {
		qty, err = models.ParseQuantity(c.FormValue("quantity"), 0)
	}
	if err == nil {
		err = visitor.From(c).Cart.Set(c.UserContext(), id, qty)
	}
	return s.afterCartChange(c, err)
}

func productID(raw string) (uint, error) {
	id, err := strconv.ParseUint(strings.TrimSpace(raw), 10, 32)
	if err != nil || id == 0 {
		return 0, models.Invalid("product_id", models.CodeProductUnknown)
	}
	return uint(id), nil
}

// afterCartChange answers a cart change: the cart (303), or the page again
// with what to fix (422); JSON with the count for the page's script.
func (s *Server) afterCartChange(c *fiber.Ctx, err error) error {
	var ie *models.InputError
	if err != nil && !errors.As(err, &ie) {
		return err
	}
	if wantsJSON(c) {
		count, cerr := visitor.From(c).Cart.Count(c.UserContext())
		if cerr != nil {
			return cerr
		}
		if ie != nil {
			return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"error": visitor.From(c).Say(ie.Message), "count": count})
		}
		return c.JSON(fiber.Map{"count": count})
	}
	if ie != nil {
		return s.renderCart(c, ie)
	}
	return c.Redirect("/cart", fiber.StatusSeeOther)
}
