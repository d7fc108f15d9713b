package api

import (
	"github.com/gofiber/fiber/v2"

	"crumb/i18n"
	"crumb/models"
)

type category struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Categories lists the shop's categories in its shelf order, each with
// the slug GET /api/v1/products?category= takes. Names are in the
// request's language (see catalogLanguage; Content-Language says which).
func (s *Server) Categories(c *fiber.Ctx) error {
	lang := s.catalogLanguage(c)
	items := []category{}
	for _, cat := range models.InAll(s.Catalog.Categories(), lang) {
		items = append(items, category{Slug: cat.Slug, Name: cat.Name})
	}
	c.Set(fiber.HeaderContentLanguage, string(lang))
	return c.JSON(fiber.Map{"items": items})
}

// catalogLanguage is the language the request's Accept-Language names,
// else the shop's default: products and categories are named in it.
func (s *Server) catalogLanguage(c *fiber.Ctx) models.Language {
	if lang, ok := i18n.Match(c.Get(fiber.HeaderAcceptLanguage)); ok {
		return lang
	}
	return models.Language(s.Config.DefaultLanguage)
}
