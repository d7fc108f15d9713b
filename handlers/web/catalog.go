package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/i18n"
	"crumb/models"
)

const productsPerPage = 12

type homePage struct {
	Page
	Showcase template.HTML
	Offer    *models.Product // today's offer, unless hidden
}

// Home shows featured products, the categories and, unless the shopper
// hid it for today, today's offer.
func (s *Server) Home(c *fiber.Ctx) error {
	lang := visitor.From(c).Lang
	version := s.Catalog.Version()
	var offer *models.Product
	if !visitor.From(c).OfferHidden {
		if p, ok := s.Catalog.Offer(s.Now().In(s.Config.StoreTimezone).YearDay()); ok {
			p = p.In(lang)
			offer = &p
		}
	}
	key := "home"
	if offer != nil {
		key += ":" + strconv.FormatUint(uint64(offer.ID), 10)
	}
	// The page is the same for everyone (with or without the offer) until
	// the catalog changes.
	body, err := s.fragments.Cached(version, lang, key, func() (template.HTML, error) {
		cards, err := s.cards(version, lang, s.Catalog.Featured())
		if err != nil {
			return "", err
		}
		showcase, err := s.fragments.RenderNow(lang, "partials/showcase", struct {
			Featured   []template.HTML
			Categories []models.Category
		}{cards, models.InAll(s.Catalog.Categories(), lang)})
		if err != nil {
			return "", err
		}
		return s.fragments.RenderNow(lang, "pages/home", &homePage{Page: Page{CSRF: formTokenMarker}, Showcase: showcase, Offer: offer})
	})
	if err != nil {
		return err
	}
	p := s.NewPage(c, visitor.From(c).T("home.title"))
	return s.show(c, fiber.StatusOK, &p, body)
}

// ProductList lists and searches the catalog. A page number out of range
// (or not a number) is clamped; an unknown category is a 404; the query is
// cut to a sensible length and invalid UTF-8 is dropped.
func (s *Server) ProductList(c *fiber.Ctx) error {
	lang := visitor.From(c).Lang
	version := s.Catalog.Version()
	q := models.CleanQuery(c.Query("q"))
	query := models.ProductQuery{Q: q, Page: parsePage(c.Query("page")), PerPage: productsPerPage}
	title := i18n.T(lang, "products.title")
	var category models.Category
	if slug := c.Query("category"); slug != "" {
		var err error
		if category, err = s.Catalog.Category(slug); err != nil {
			return err
		}
		category = category.In(lang)
		query.CategoryID = category.ID
		title = category.Name
	}
	if q != "" {
		title = i18n.Tr(lang, "products.results", "Query", q)
	}
	list := func() (template.HTML, error) {
		result := s.Catalog.Search(query)
		cards, err := s.cards(version, lang, result.Items)
		if err != nil {
			return "", err
		}
		l := productList{Title: title, Category: category, Query: q, Result: result, Cards: cards,
			Pager: NewPager("/products", url.Values{"q": {q}, "category": {category.Slug}}, result.Page, result.Pages)}
		return s.fragments.RenderNow(lang, "partials/product-list", l)
	}
	// A listing or a search is the same for everyone until the catalog
	// changes: each is rendered once per query and page asked for (what is
	// kept is bounded, so searches cannot fill the memory).
	body, err := s.fragments.Cached(version, lang, fmt.Sprintf("list:%s:%d:%s", category.Slug, query.Page, q), list)
	if err != nil {
		return err
	}
	current := category.Slug
	if current == "" {
		current = "all"
	}
	p := s.NewPage(c, title)
	if p.Nav, err = s.categoryNav(lang, current); err != nil {
		return err
	}
	p.Query = q
	return s.show(c, fiber.StatusOK, &p, body)
}

// productList is what a listing shows.
type productList struct {
	Title    string
	Category models.Category
	Query    string
	Result   models.ProductPage
	Cards    []template.HTML
	Pager
}

type productPage struct {
	Page
	Product models.Product
}

// ProductDetail shows one product with its add-to-cart form, rendered once
// per product until the catalog changes.
func (s *Server) ProductDetail(c *fiber.Ctx) error {
	lang := visitor.From(c).Lang
	version := s.Catalog.Version()
	product, err := s.Catalog.ProductBySlug(c.Params("slug"))
	if err != nil {
		return err
	}
	product = product.In(lang)
	body, err := s.fragments.Cached(version, lang, "product:"+strconv.FormatUint(uint64(product.ID), 10), func() (template.HTML, error) {
		return s.fragments.RenderNow(lang, "pages/product", &productPage{Page: Page{CSRF: formTokenMarker}, Product: product})
	})
	if err != nil {
		return err
	}
	p := s.NewPage(c, product.Name)
	return s.show(c, fiber.StatusOK, &p, body)
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
