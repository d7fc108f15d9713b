package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/handlers/visitor"
	"crumb/i18n"
)

// heldCookie describes a cookie this browser sent, without its value.
type heldCookie struct {
	Name    string
	Bytes   int
	Expires time.Time // zero: ends with the browser
}

// policyEntry is one registered cookie as the policy page shows it.
type policyEntry struct {
	cookies.Spec
	CookieName               string
	Purpose, Holds, Lifetime string // in the page's language
	Held                     *heldCookie
}

type cookiesPage struct {
	Page
	Entries []policyEntry
	HeldAny bool
	Secure  bool
}

// CookiePolicy renders the cookie policy from the registry, with what this
// browser holds now (names, sizes, expiry; never values).
func (s *Server) CookiePolicy(c *fiber.Ctx) error {
	private(c)
	page := s.NewPage(c, visitor.From(c).T("cookies.title"))
	var entries []policyEntry
	held := false
	for n, spec := range cookies.All() {
		key := "cookie." + spec.Name + "."
		entries = append(entries, policyEntry{
			Spec: spec, CookieName: s.Jar.CookieName(cookies.Name(n)),
			Purpose: i18n.T(page.Lang, key+"purpose"), Holds: i18n.T(page.Lang, key+"holds"), Lifetime: i18n.T(page.Lang, key+"lifetime"),
		})
	}
	for _, h := range visitor.From(c).Held() {
		held = true
		entries[h.Name].Held = &heldCookie{Name: entries[h.Name].CookieName, Bytes: h.Bytes, Expires: h.Expires}
	}
	return s.render(c, fiber.StatusOK, "pages/cookies", &cookiesPage{Page: page, Entries: entries, HeldAny: held, Secure: s.Jar.Secure()})
}

// ForgetBrowser clears every Crumb cookie from this browser, and what
// they stood for on the server: the session, this device's remember-me
// token and a guest cart kept in the database.
func (s *Server) ForgetBrowser(c *fiber.Ctx) error {
	if err := visitor.From(c).Forget(c.UserContext()); err != nil {
		return err
	}
	c.Set("Clear-Site-Data", `"cookies"`)
	return c.Redirect("/cookies", fiber.StatusSeeOther)
}
