package handlers

import (
	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

// view is the data of one page: what every page needs, filled by
// baseView, plus the page's own keys.
type view = fiber.Map

// baseView fills what every page needs: title, form token, cart count,
// categories for the navigation, the search box, and the current path.
// It never fails: a page can always render, even the error page.
func (s *Server) baseView(c *fiber.Ctx, title string) view {
	csrf, err := s.Jar.CSRFToken(c, s.csrfBinding(c))
	if err != nil {
		s.Log.Error("csrf token", "request_id", c.Locals(requestIDLocal), "err", err)
	}
	count := 0
	if lines, err := s.cartLines(c); err == nil {
		count = models.LineCount(lines)
	}
	nav, err := s.categoryNav("")
	if err != nil {
		s.Log.Error("category navigation", "request_id", c.Locals(requestIDLocal), "err", err)
	}
	links, brand := s.staticParts()
	cur := s.current(c)
	flash := ""
	if cur != nil {
		flash = cur.Flash
	}
	return view{
		"User":       cur,
		"Flash":      flash,
		"Title":      title,
		"CSRF":       csrf,
		"CartCount":  count,
		"Categories": s.Catalog.Categories(),
		"Query":      "",
		"Nav":        nav,
		"HeadLinks":  links,
		"Brand":      brand,
		"Path":       c.Path(),
	}
}
