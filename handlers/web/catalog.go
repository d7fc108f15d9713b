package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

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
	featured := s.Catalog.Featured()
	cards, err := s.cards(featured)
	if err != nil {
		return err
	}
	// Everything but the offer is the same for everyone until the catalog changes.
	showcase, err := s.fragments.Render(s.Catalog.Version(), "home", "partials/showcase", struct {
		Featured   []template.HTML
		Categories []models.Category
	}{cards, s.Catalog.Categories()})
	if err != nil {
		return err
	}
	p := &homePage{Page: s.NewPage(c, "Fresh from the oven"), Showcase: showcase}
	if !s.Jar.PopupHidden(c) && len(featured) > 0 {
		p.Offer = &featured[s.Now().In(s.Config.StoreTimezone).YearDay()%len(featured)]
	}
	return s.render(c, fiber.StatusOK, "pages/home", p)
}

type productsPage struct {
	Page
	List template.HTML
}

// ProductList lists and searches the catalog. A page number out of range
// (or not a number) is clamped; an unknown category is a 404; the query is
// cut to a sensible length and invalid UTF-8 is dropped.
func (s *Server) ProductList(c *fiber.Ctx) error {
	q := models.CleanQuery(c.Query("q"))
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
	version := s.Catalog.Version()
	result := s.Catalog.Search(query)
	cards, err := s.cards(result.Items)
	if err != nil {
		return err
	}
	list := productList{Title: title, Category: category, Query: q, Result: result, Cards: cards}
	if result.Page > 1 {
		list.PrevURL = listURL(q, category.Slug, result.Page-1)
	}
	if result.Page < result.Pages {
		list.NextURL = listURL(q, category.Slug, result.Page+1)
	}
	// A listing is the same for everyone until the catalog changes: it is
	// rendered once per category and page. Searches are rendered each time.
	var body template.HTML
	if q == "" {
		body, err = s.fragments.Render(version, fmt.Sprintf("list:%s:%d", category.Slug, result.Page), "partials/product-list", list)
	} else {
		body, err = s.fragments.RenderNow("partials/product-list", list)
	}
	if err != nil {
		return err
	}
	current := category.Slug
	if current == "" {
		current = "all"
	}
	nav, err := s.categoryNav(current)
	if err != nil {
		return err
	}
	p := &productsPage{Page: s.NewPage(c, title), List: body}
	p.Nav, p.Query = nav, q
	return s.render(c, fiber.StatusOK, "pages/products", p)
}

// productList is what a listing shows.
type productList struct {
	Title            string
	Category         models.Category
	Query            string
	Result           models.ProductPage
	Cards            []template.HTML
	PrevURL, NextURL string
}

type productPage struct {
	Page
	Product models.Product
}

// ProductDetail shows one product with its add-to-cart form.
func (s *Server) ProductDetail(c *fiber.Ctx) error {
	product, err := s.Catalog.ProductBySlug(c.Params("slug"))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "pages/product", &productPage{Page: s.NewPage(c, product.Name), Product: product})
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
