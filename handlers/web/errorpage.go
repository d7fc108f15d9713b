package web

import (
	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
)

// Problem is what a shopper reads when something goes wrong: what
// happened and what to do next, never internals.
type Problem struct {
	Status  int
	Title   string
	Message string
}

type errorPage struct {
	Page
	Error Problem
}

// ErrorPage shows p as a page (nothing for HEAD). It falls back to plain
// text if even the page cannot be rendered.
func (s *Server) ErrorPage(c *fiber.Ctx, p Problem) error {
	c.Status(p.Status)
	if c.Method() == fiber.MethodHead {
		return nil
	}
	if err := s.render(c, p.Status, "pages/error", &errorPage{Page: s.NewPage(c, p.Title), Error: p}); err != nil {
		s.Log.Error("error page failed", "request_id", visitor.From(c).RequestID, "err", err)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.SendString(p.Title + ". " + p.Message)
	}
	return nil
}
