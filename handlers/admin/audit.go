package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

type auditPage struct {
	Page
	Entries          models.AuditPage
	PrevURL, NextURL string
}

// AuditLog lists what admins did, newest first.
func (s *Server) AuditLog(c *fiber.Ctx) error {
	entries, err := s.Audit.List(c.UserContext(), "", "", pageNumber(c.Query("page")))
	if err != nil {
		return err
	}
	p := &auditPage{Page: s.page(c, "Audit log", "audit"), Entries: entries}
	if entries.Page > 1 {
		p.PrevURL = "/admin/audit?page=" + strconv.Itoa(entries.Page-1)
	}
	if entries.Page < entries.Pages {
		p.NextURL = "/admin/audit?page=" + strconv.Itoa(entries.Page+1)
	}
	return s.render(c, fiber.StatusOK, "admin/audit", p)
}
