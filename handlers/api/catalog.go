package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
)

type product struct {
	ID          uint         `json:"id"`
	Slug        string       `json:"slug"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Price       models.Money `json:"price"`
	Stock       int          `json:"stock"`
	InStock     bool         `json:"in_stock"`
	Category    string       `json:"category"`
	ImageURL    string       `json:"image_url"`
}

func (s *Server) productJSON(p models.Product) product {
	img, _ := s.Assets.Path(p.Image)
	return product{ID: p.ID, Slug: p.Slug, Name: p.Name, Description: p.Description, Price: p.Price(),
		Stock: p.Stock, InStock: p.InStock(), Category: s.categorySlug(p.CategoryID), ImageURL: img}
}

func (s *Server) categorySlug(id uint) string {
	for _, c := range s.Catalog.Categories() {
		if c.ID == id {
			return c.Slug
		}
	}
	return ""
}

// Products lists and searches the catalog.
func (s *Server) Products(c *fiber.Ctx) error {
	page, perPage, err := pageParams(c)
	if err != nil {
		return err
	}
	q := models.ProductQuery{Q: models.CleanQuery(c.Query("q")), Page: page, PerPage: perPage}
	if slug := c.Query("category"); slug != "" {
		cat, err := s.Catalog.Category(slug)
		if err != nil {
			return &Problem{Status: fiber.StatusBadRequest, Title: t(c, "api.bad_request.title"), Detail: t(c, "api.category.unknown"),
				Errors: []FieldError{{"category", t(c, "api.category.unknown_slug")}}}
		}
		q.CategoryID = cat.ID
	}
	result := s.Catalog.Search(q)
	items := make([]product, len(result.Items))
	lang := visitor.From(c).Lang
	for i, p := range result.Items {
		items[i] = s.productJSON(p.In(lang))
	}
	// A page past the end is empty, not clamped: clients loop until it is.
	if page > result.Pages {
		items = []product{}
	}
	return c.JSON(fiber.Map{"items": items, "page": page, "per_page": perPage, "total": result.Total})
}

// Product shows one product by id.
func (s *Server) Product(c *fiber.Ctx) error {
	id, err := strconv.ParseUint(c.Params("id"), 10, 32)
	if err != nil {
		return notFound(c, t(c, "api.product.not_found"))
	}
	p, err := s.Catalog.ProductByID(uint(id))
	if err != nil {
		return notFound(c, t(c, "api.product.not_found"))
	}
	return c.JSON(s.productJSON(p.In(visitor.From(c).Lang)))
}
