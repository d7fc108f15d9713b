// Package web serves the storefront's pages and forms: the catalog, the
// cart, signing in, the account, checkout and orders, the cookie policy.
// Every page works without JavaScript. Handlers are methods of Server and
// return errors to the app's one error handler (see ErrorPage).
package web

import (
	"fmt"
	"html/template"

	"github.com/gofiber/fiber/v2"

	"crumb/assets"
	"crumb/handlers/deps"
	"crumb/handlers/visitor"
	"crumb/models"
	"crumb/sessions"
)

// Server holds the dependencies; its methods are the handlers.
type Server struct {
	*deps.Deps
	Templates *Templates
	fragments *fragments
}

// New parses the templates and builds the pages' server. A template that
// is missing or does not parse stops startup.
func New(d *deps.Deps) (*Server, error) {
	tpl, err := NewTemplates(d.Views, d.Assets, d.Config.StoreTimezone, models.Language(d.Config.DefaultLanguage))
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"layouts/base", "pages/home", "partials/product-list", "pages/product", "pages/cart",
		"pages/cookies", "pages/cookies-mine", "pages/error", "pages/login", "pages/signup", "pages/account", "pages/account-data", "pages/account-deleted", "pages/security",
		"pages/checkout", "pages/orders", "pages/order", "pages/forgot", "pages/reset", "pages/verify", "pages/devmail"} {
		if !tpl.Has(name) {
			return nil, fmt.Errorf("views: template %s is missing", name)
		}
	}
	return &Server{Deps: d, Templates: tpl, fragments: &fragments{tpl: tpl}}, nil
}

// Page is what the base layout shows on every page. Each page's data is a
// struct that embeds it (see newPage).
type Page struct {
	Lang      models.Language // the language the page is written in
	Title     string
	User      *sessions.Current // nil for a guest
	Flash     []string          // one-time messages, one paragraph each
	CSRF      string            // the form token every form carries: formTokenMarker, filled in as the page is sent
	CartCount int
	Query     string        // what the search box holds
	Path      string        // this page's path and query, where the language switch comes back to
	Nav       template.HTML // the category navigation
	HeadLinks template.HTML // stylesheet, script and icon links
	Brand     template.HTML // the logo
	Content   template.HTML // the page itself, inside the layout

	token string // the shopper's form token, in place of every CSRF marker
	gzip  bool   // sent compressed: the browser accepts gzip
}

func (p *Page) base() *Page { return p }

// PageData is any page's data: a struct embedding Page.
type PageData interface{ base() *Page }

// NewPage fills what every page needs. It never fails: a page can always
// render, even the error page.
func (s *Server) NewPage(c *fiber.Ctx, title string) Page {
	v := visitor.From(c)
	csrf, err := v.CSRFToken()
	if err != nil {
		s.Log.Error("csrf token", "request_id", v.RequestID, "err", err)
	}
	p := s.formlessPage(c, title)
	p.CSRF, p.token = formTokenMarker, csrf
	return p
}

// formlessPage is a page without a form that needs the form token (the
// layout then leaves out its language switch): it starts no form-token
// secret, so a browser that has just forgotten Crumb keeps no cookie of it.
func (s *Server) formlessPage(c *fiber.Ctx, title string) Page {
	v := visitor.From(c)
	count, err := v.Cart.Count(c.UserContext())
	if err != nil {
		s.Log.Error("cart count", "request_id", v.RequestID, "err", err)
	}
	nav, err := s.categoryNav(v.Lang, "")
	if err != nil {
		s.Log.Error("category navigation", "request_id", v.RequestID, "err", err)
	}
	links, brand := s.staticParts(v.Lang)
	p := Page{Lang: v.Lang, Path: backHere(c), Title: title, User: v.Account, CartCount: count, Nav: nav, HeadLinks: links, Brand: brand}
	if p.User != nil && p.User.Flash != "" {
		p.Flash = splitLines(p.User.Flash)
	}
	return p
}

// backHere is where the language switch brings the shopper back to: this
// page, with its query unless that is long (a search is cut to its limit
// anyway, and a page never carries kilobytes into its every form).
func backHere(c *fiber.Ctx) string {
	if url := c.OriginalURL(); len(url) <= 512 {
		return url
	}
	return c.Path()
}

// render sends the page template name, inside the base layout, with status.
func (s *Server) render(c *fiber.Ctx, status int, name string, data PageData) error {
	return s.Render(c, status, "layouts/base", name, data)
}

// Render sends the page template name inside layout, with status; data is
// a struct embedding Page. A browser that accepts gzip gets it compressed
// (see gzip.go).
func (s *Server) Render(c *fiber.Ctx, status int, layout, name string, data PageData) error {
	p := data.base()
	p.gzip = assets.Accepts(c.Get(fiber.HeaderAcceptEncoding), "gzip")
	c.Vary(fiber.HeaderAcceptEncoding)
	if err := c.Status(status).Render(name, data, layout); err != nil {
		return err
	}
	if p.gzip {
		c.Set(fiber.HeaderContentEncoding, "gzip")
	}
	return nil
}

// show sends body, a page rendered earlier, inside the base layout.
func (s *Server) show(c *fiber.Ctx, status int, p *Page, body template.HTML) error {
	p.Content = body
	return s.Render(c, status, "layouts/base", "", p)
}
