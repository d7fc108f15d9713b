package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/handlers/visitor"
	"crumb/i18n"
	"crumb/models"
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
// token and a guest cart kept in the database. (Like every form, it
// needs the form token: another site cannot make a browser forget.)
// /cookies/mine then names the cookies it forgot.
func (s *Server) ForgetBrowser(c *fiber.Ctx) error {
	v := visitor.From(c)
	var names []string
	for _, h := range v.Held() {
		names = append(names, s.Jar.CookieName(h.Name))
	}
	if err := v.Forget(c.UserContext()); err != nil {
		return err
	}
	c.Set("Clear-Site-Data", `"cookies", "storage"`)
	return c.Redirect("/cookies/mine?"+url.Values{"forgot": {strings.Join(names, " ")}}.Encode(), fiber.StatusSeeOther)
}

// heldWords is one cookie this browser sent, as /cookies/mine says it.
type heldWords struct {
	CookieName, Purpose, Lifetime string // in the page's language
	Holds                         []string
	Ignored                       bool
}

type mineCookiesPage struct {
	Page
	Held      []heldWords
	Forgotten []heldWords // what the form just forgot
	SignedOut bool        // and the session or device it ended on the server
}

// MyCookies says what each Crumb cookie this browser sent holds, in
// words, read by the server: never a value, nor anything that could be
// replayed (a session's or device's id).
func (s *Server) MyCookies(c *fiber.Ctx) error {
	private(c)
	v := visitor.From(c)
	page := s.NewPage
	if c.Query("forgot") != "" && len(v.Held()) == 0 {
		page = s.formlessPage // just forgotten: nothing starts again
	}
	p := &mineCookiesPage{Page: page(c, v.T("cookies.mine.title"))}
	var held []heldWords
	for _, h := range v.Held() {
		w := s.cookieWords(p.Lang, h.Name)
		if !h.Ignored {
			var err error
			if w.Holds, err = s.holds(c, h); err != nil {
				return err
			}
		}
		w.Ignored = len(w.Holds) == 0
		held = append(held, w)
	}
	p.Held = held
	for _, name := range strings.Split(c.Query("forgot"), " ") {
		if n, ok := s.registered(name); ok {
			p.Forgotten = append(p.Forgotten, s.cookieWords(p.Lang, n))
			p.SignedOut = p.SignedOut || n == cookies.Session || n == cookies.Remember
		}
	}
	return s.render(c, fiber.StatusOK, "pages/cookies-mine", p)
}

// cookieWords are cookie n's name and what the registry says of it.
func (s *Server) cookieWords(lang models.Language, n cookies.Name) heldWords {
	key := "cookie." + n.Spec().Name + "."
	return heldWords{CookieName: s.Jar.CookieName(n), Purpose: i18n.T(lang, key+"purpose"), Lifetime: i18n.T(lang, key+"lifetime")}
}

// registered is the cookie a name on the page names.
func (s *Server) registered(name string) (cookies.Name, bool) {
	for n := range cookies.Count {
		if name != "" && s.Jar.CookieName(cookies.Name(n)) == name {
			return cookies.Name(n), true
		}
	}
	return 0, false
}

// holds is what cookie h opened to, in the visitor's words; nothing for
// a cookie that stands for nothing (a session or device that has ended).
func (s *Server) holds(c *fiber.Ctx, h visitor.Held) ([]string, error) {
	v, ctx := visitor.From(c), c.UserContext()
	when := func(t time.Time) string { return i18n.When(v.Lang, t, s.Config.StoreTimezone) }
	switch h.Name {
	case cookies.Cart:
		if v.CartOnServer() {
			return []string{v.T("cookies.mine.cart.server")}, nil
		}
		lines, err := v.GuestLines(ctx)
		if err != nil || len(lines) == 0 {
			return []string{v.T("cookies.mine.cart.empty")}, err
		}
		var out []string
		for _, l := range lines {
			name := v.T("cookies.mine.cart.gone")
			if p, err := s.Catalog.ProductByID(l.ProductID); err == nil {
				name = p.In(v.Lang).Name
			}
			out = append(out, v.Tr("cookies.mine.cart.line", "Name", name, "Quantity", l.Quantity))
		}
		return out, nil
	case cookies.PopupHidden:
		return []string{v.Tr("cookies.mine.offer", "When", when(h.Expires))}, nil
	case cookies.Email:
		return []string{v.Tr("cookies.mine.email", "Email", v.RememberedEmail)}, nil
	case cookies.Lang:
		return []string{v.T("cookies.mine.lang." + string(v.Lang))}, nil
	case cookies.CSRF:
		return []string{v.T("cookies.mine.csrf")}, nil
	case cookies.Session:
		if v.Account == nil {
			return nil, nil
		}
		list, err := s.Sessions.Sessions(ctx, v.Account.UserID)
		for _, ws := range list {
			if ws.KeyHash == v.Account.KeyHash {
				return []string{v.Tr("cookies.mine.session", "Name", v.Account.Name, "When", when(ws.ExpiresAt))}, err
			}
		}
		return nil, err
	case cookies.Remember:
		if v.Account == nil || v.DeviceSelector() == "" {
			return nil, nil
		}
		list, err := s.Sessions.Devices(ctx, v.Account.UserID)
		for _, d := range list {
			if d.Selector == v.DeviceSelector() {
				return []string{v.Tr("cookies.mine.remember", "When", when(d.ExpiresAt))}, err
			}
		}
		return nil, err
	}
	return nil, nil
}
