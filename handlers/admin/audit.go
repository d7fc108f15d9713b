package admin

import (
	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/handlers/web"
	"crumb/i18n"
	"crumb/models"
)

type auditPage struct {
	Page
	Entries models.AuditPage
	Rows    []auditRow
	web.Pager
}

// auditRow is an entry as the log shows it: what was done, and an order's
// statuses or what an action on an account changed, in the admin's
// language. Names, emails and a product's changes read as recorded.
type auditRow struct {
	models.AuditEntry
	What, Was, Now string
}

// auditValues are the message ids of the words customer actions record
// as before and after.
var auditValues = map[string]string{
	"session":               "admin.audit.value.session",
	"device":                "admin.audit.value.device",
	"app":                   "admin.audit.value.app",
	"ended":                 "admin.audit.value.ended",
	"signed out everywhere": "admin.audit.value.signed_out",
	"enabled":               "admin.audit.value.enabled",
	"disabled":              "admin.audit.value.disabled",
}

// AuditLog lists what admins did, newest first.
func (s *Server) AuditLog(c *fiber.Ctx) error {
	entries, err := s.Audit.List(c.UserContext(), "", "", pageNumber(c.Query("page")))
	if err != nil {
		return err
	}
	v := visitor.From(c)
	p := &auditPage{Page: s.page(c, v.T("admin.audit.title"), "audit"), Entries: entries,
		Pager: web.NewPager("/admin/audit", nil, entries.Page, entries.Pages)}
	for _, e := range entries.Items {
		p.Rows = append(p.Rows, rowOf(v.Lang, e))
	}
	return s.render(c, fiber.StatusOK, "admin/audit", p)
}

// rowOf puts entry e's fixed words into lang; a word without a message
// (an action added later) shows as recorded.
func rowOf(lang models.Language, e models.AuditEntry) auditRow {
	word := func(id, recorded string) string {
		if recorded != "" && i18n.Has(lang, id) {
			return i18n.T(lang, id)
		}
		return recorded
	}
	row := auditRow{AuditEntry: e, What: word("admin.audit.action."+e.Action, e.Action), Was: e.Before, Now: e.After}
	switch e.SubjectType {
	case "order":
		row.Was, row.Now = word("status."+e.Before, e.Before), word("status."+e.After, e.After)
	case "customer":
		row.Was, row.Now = word(auditValues[e.Before], e.Before), word(auditValues[e.After], e.After)
	}
	return row
}
