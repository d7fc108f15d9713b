package handlers

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

const (
	productsPerPage = 12
	maxQueryRunes   = 100
)

// home shows featured products, the categories and, unless the shopper
// hid it for today, today's offer.
func (s *Server) home(c *fiber.Ctx) error {
	data := s.baseView(c, "Fresh from the oven")
	featured := s.Catalog.Featured()
	cards, err := s.cards(featured)
	if err != nil {
		return err
	}
	data["Featured"] = cards
	if !s.Jar.PopupHidden(c) && len(featured) > 0 {
		data["Offer"] = featured[s.Now().In(s.Config.StoreTimezone).YearDay()%len(featured)]
	}
	return c.Render("pages/home", data)
}

// productList lists and searches the catalog. A page number out of range
// (or not a number) is clamped; an unknown category is a 404; the query is
// cut to a sensible length and invalid UTF-8 is dropped.
func (s *Server) productList(c *fiber.Ctx) error {
	q := cleanQuery(c.Query("q"))
	query := models.ProductQuery{Q: q, Page: parsePage(c.Query("page")), PerPage: productsPerPage}
	title := "All products"
	var category models.Category
	if slug := c.Query("category"); slug != "" {
		var err error
		if category, err = s.Catalog.Category(slug); err != nil {
			return err
		}
		query.CategoryID = category.ID
		title = category.Name
	}
	if q != "" {
		title = "Results for “" + q + "”"
	}
	result := s.Catalog.Search(query)
	cards, err := s.cards(result.Items)
	if err != nil {
		return err
	}
	nav, err := s.categoryNav(defaultString(category.Slug, "all"))
	if err != nil {
		return err
	}
	data := s.baseView(c, title)
	data["Cards"] = cards
	data["Nav"] = nav
	data["Query"] = q
	data["Category"] = category
	data["Result"] = result
	if result.Page > 1 {
		data["PrevURL"] = listURL(q, category.Slug, result.Page-1)
	}
	if result.Page < result.Pages {
		data["NextURL"] = listURL(q, category.Slug, result.Page+1)
	}
	return c.Render("pages/products", data)
}

// productDetail shows one product with its add-to-cart form.
func (s *Server) productDetail(c *fiber.Ctx) error {
	product, err := s.Catalog.ProductBySlug(c.Params("slug"))
	if err != nil {
		return err
	}
	data := s.baseView(c, product.Name)
	data["Product"] = product
	return c.Render("pages/product", data)
}

func cleanQuery(q string) string {
	q = strings.TrimSpace(strings.ToValidUTF8(q, ""))
	if utf8.RuneCountInString(q) > maxQueryRunes {
		q = string([]rune(q)[:maxQueryRunes])
	}
	return q
}

// parsePage reads a page number; anything that is not a positive whole
// number means the first page, and the catalog clamps the rest.
func parsePage(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func listURL(q, category string, page int) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if category != "" {
		v.Set("category", category)
	}
	v.Set("page", strconv.Itoa(page))
	return "/products?" + v.Encode()
}
