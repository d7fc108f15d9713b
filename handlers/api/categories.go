package api

import (
	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
)

type category struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Categories lists the shop's categories in its shelf order, each with
// the slug GET /api/v1/products?category= takes. Names are in the
// request's language (see Speak; Content-Language says which).
func (s *Server) Categories(c *fiber.Ctx) error {
	items := []category{}
	for _, cat := range models.InAll(s.Catalog.Categories(), visitor.From(c).Lang) {
		items = append(items, category{Slug: cat.Slug, Name: cat.Name})
	}
	return c.JSON(fiber.Map{"items": items})
}
