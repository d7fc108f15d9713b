package admin

import (
	"github.com/gofiber/fiber/v2"

	"crumb/handlers/web"
	"crumb/models"
)

type auditPage struct {
	Page
	Entries models.AuditPage
	web.Pager
}

// AuditLog lists what admins did, newest first.
func (s *Server) AuditLog(c *fiber.Ctx) error {
	entries, err := s.Audit.List(c.UserContext(), "", "", pageNumber(c.Query("page")))
	if err != nil {
		return err
	}
	p := &auditPage{Page: s.page(c, "Audit log", "audit"), Entries: entries,
		Pager: web.NewPager("/admin/audit", nil, entries.Page, entries.Pages)}
	return s.render(c, fiber.StatusOK, "admin/audit", p)
}
