// Package admin is the back office: the bakery's products and images,
// stock, orders, customers and their sign-ins, and the audit log of what
// admins do. Only admins reach it; everyone else gets the storefront's 404,
// so it does not announce itself. Entering it needs a password given in
// the last 15 minutes (not a remembered session), and it idles out after
// 10 minutes. Every page works without JavaScript.
package admin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/deps"
	"crumb/handlers/visitor"
	"crumb/handlers/web"
	"crumb/models"
)

// IdleFor is how long the back office may sit unused before it asks for
// the password again (entering it needs one from the last
// sessions.StepUpFor).
const IdleFor = 10 * time.Minute

// Server holds the dependencies; its methods are the handlers.
type Server struct {
	*deps.Deps
	Web *web.Server // the pages' layout, form tokens and rendering
}

// New builds the back office's server. A template that is missing stops
// startup.
func New(d *deps.Deps, pages *web.Server) (*Server, error) {
	for _, name := range []string{"layouts/admin", "admin/unlock", "admin/dashboard", "admin/products", "admin/product",
		"admin/orders", "admin/order", "admin/customers", "admin/customer", "admin/audit"} {
		if !pages.Templates.Has(name) {
			return nil, fmt.Errorf("views: template %s is missing", name)
		}
	}
	return &Server{Deps: d, Web: pages}, nil
}

// Page is what every back-office page shows besides its own data.
type Page struct {
	web.Page
	Section string // the part of the back office, for its navigation
	Admin   models.User
}

func (s *Server) page(c *fiber.Ctx, title, section string) Page {
	return Page{Page: s.Web.NewPage(c, title), Section: section, Admin: admin(c)}
}

// render sends a back-office page inside the admin layout; data is a
// struct embedding Page.
func (s *Server) render(c *fiber.Ctx, status int, name string, data web.PageData) error {
	return s.Web.Render(c, status, "layouts/admin", name, data)
}

// admin is the signed-in admin of this request (set by Only).
func admin(c *fiber.Ctx) models.User {
	if a := visitor.From(c).Admin; a != nil {
		return *a
	}
	return models.User{}
}

// Only lets admins through and answers 404 to everyone else, as for a page
// that does not exist. Every back-office answer is kept by no cache.
func (s *Server) Only(c *fiber.Ctx) error {
	cur := visitor.From(c).Account
	if cur == nil {
		return fiber.ErrNotFound
	}
	user, err := s.Users.ByID(c.UserContext(), cur.UserID)
	if errors.Is(err, models.ErrNotFound) || (err == nil && !user.IsAdmin()) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	visitor.From(c).Admin = &user
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Next()
}

// Unlocked asks for the password before any back-office page unless the
// admin is at work in it (used less than IdleFor ago, with a password
// given in this session) or gave the password less than StepUpFor ago. A
// session resumed by "keep me signed in" has given none.
func (s *Server) Unlocked(c *fiber.Ctx) error {
	cur := visitor.From(c).Account
	now := s.Now()
	proved := !cur.ProvedAt.IsZero()
	atWork := proved && !cur.AdminAt.IsZero() && now.Sub(cur.AdminAt) <= IdleFor
	if !atWork && !cur.ProvedRecently(now) {
		return s.askPassword(c, fiber.StatusUnauthorized, "")
	}
	if err := visitor.From(c).UsedAdmin(c.UserContext()); err != nil {
		return err
	}
	return c.Next()
}

type unlockPage struct {
	Page
	Next  string
	Error string
}

// askPassword shows the password form that unlocks the back office, then
// leads back to the page asked for (or, after a form, its page).
func (s *Server) askPassword(c *fiber.Ctx, status int, errMsg string) error {
	next := c.OriginalURL()
	if c.Method() != fiber.MethodGet || c.Path() == "/admin/unlock" {
		next = safeAdminPath(c.FormValue("next"), c.Get(fiber.HeaderReferer))
	}
	p := &unlockPage{Page: s.page(c, visitor.From(c).T("admin.unlock.title"), ""), Next: next, Error: errMsg}
	p.Path = next // after a wrong password, the switch leads to the page asked for, not to the form's address
	return s.render(c, status, "admin/unlock", p)
}

// Unlock checks the admin's password (limited like signing in) and leads
// on to next.
func (s *Server) Unlock(c *fiber.Ctx) error {
	user := admin(c)
	if ok, err := s.Limits.PasswordGiven(user, c.FormValue("password"), c.IP()); err != nil {
		return err
	} else if !ok {
		return s.askPassword(c, fiber.StatusUnprocessableEntity, visitor.From(c).T("admin.unlock.wrong"))
	}
	if err := visitor.From(c).ProvePassword(c.UserContext(), user); err != nil {
		return err
	}
	return c.Redirect(safeAdminPath(c.FormValue("next"), ""), fiber.StatusSeeOther)
}

// safeAdminPath keeps only paths inside the back office; otherwise the
// referring page if it is one, otherwise /admin.
func safeAdminPath(next, referer string) string {
	for _, candidate := range []string{next, referer} {
		u, err := url.Parse(candidate)
		if err != nil || candidate == "" {
			continue
		}
		if u.Host != "" || u.Scheme != "" {
			continue
		}
		if p := u.Path; (p == "/admin" || strings.HasPrefix(p, "/admin/")) && !strings.ContainsAny(candidate, "\\\r\n") && !strings.HasPrefix(candidate, "//") {
			return u.RequestURI()
		}
	}
	return "/admin"
}

// audited runs act, something the admin does, and its entry in the audit
// log in one transaction (storage.Audit.Do): both are kept, or neither.
func (s *Server) audited(c *fiber.Ctx, act func(ctx context.Context) (models.AuditEntry, error)) error {
	by := models.Actor{ID: admin(c).ID, Email: admin(c).Email, IP: c.IP(), At: s.Now()}
	return s.Audit.Do(c.UserContext(), by, act)
}

// say is a model's message in words, in the admin's language.
func say(c *fiber.Ctx, m models.Message) string { return visitor.From(c).Say(m) }

func pageNumber(raw string) int {
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func idParam(c *fiber.Ctx, name string) (uint, error) {
	n, err := strconv.ParseUint(c.Params(name), 10, 32)
	if err != nil || n == 0 {
		return 0, fiber.ErrNotFound
	}
	return uint(n), nil
}
