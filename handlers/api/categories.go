package api

import (
	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

type category struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Categories lists the shop's categories in its shelf order, each with
// the slug GET /api/v1/products?category= takes. Names are in English,
// the one language the catalog is written in (Content-Language says so).
func (s *Server) Categories(c *fiber.Ctx) error {
	items := []category{}
	for _, cat := range s.Catalog.Categories() {
		items = append(items, category{Slug: cat.Slug, Name: cat.Name})
	}
	c.Set(fiber.HeaderContentLanguage, string(models.English))
	return c.JSON(fiber.Map{"items": items})
}
