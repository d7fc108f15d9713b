// Package handlers serves Crumb over HTTP: the storefront pages, the cart,
// the cookie policy and the health checks. Every handler is a method of
// Server, which holds all dependencies; errors are returned to one error
// handler that picks the page or problem+json to show.
package handlers

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"gorm.io/gorm"

	"crumb/assets"
	"crumb/config"
	"crumb/cookies"
	"crumb/models"
	"crumb/sessions"
	"crumb/tokens"
)

// Deps is everything the handlers need, built once in main.
type Deps struct {
	Config     config.Config
	DB         *gorm.DB
	Catalog    *models.Catalog
	Assets     *assets.Assets
	Jar        *cookies.Jar
	GuestCarts *cookies.GuestCarts
	Sessions   *sessions.Manager
	Limits     *sessions.Limits // sign-in, sign-up and refresh limits
	Passwords  models.PasswordParams
	Access     *tokens.Access  // the app's access tokens
	Refresh    *tokens.Refresh // the app's refresh-token families
	Views      fs.FS
	Log        *slog.Logger
	Now        func() time.Time
}

// Server holds the dependencies; its methods are the handlers.
type Server struct {
	Deps
	fragments *fragments
}

// New builds the Fiber app with every route.
func New(d Deps) (*fiber.App, error) {
	engine := html.NewFileSystem(http.FS(d.Views), ".html")
	engine.AddFunc("asset", d.Assets.Path)
	engine.AddFunc("splitLines", func(s string) []string { return strings.Split(s, "\n") })
	// Times are shown in the store's time zone.
	engine.AddFunc("when", func(t time.Time) string { return t.In(d.Config.StoreTimezone).Format("2 Jan 2006 15:04 MST") })
	engine.AddFunc("day", func(t time.Time) string { return t.In(d.Config.StoreTimezone).Format("2 Jan 2006") })
	if err := engine.Load(); err != nil {
		return nil, fmt.Errorf("views: %w", err)
	}
	// Every template a handler renders; a missing one stops startup.
	for _, name := range []string{"pages/home", "pages/products", "pages/product", "pages/cart", "pages/cookies", "pages/error",
		"pages/login", "pages/signup", "pages/account", "pages/security",
		"pages/checkout", "pages/orders", "pages/order"} {
		if engine.Templates.Lookup(name) == nil {
			return nil, fmt.Errorf("views: template %s is missing", name)
		}
	}
	s := &Server{Deps: d, fragments: &fragments{tpl: templates{engine}}}
	app := fiber.New(fiber.Config{
		AppName:               "Crumb",
		Views:                 s.fragments.tpl,
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		BodyLimit:             64 * 1024,
		ReadBufferSize:        16 * 1024,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          15 * time.Second,
		IdleTimeout:           60 * time.Second,
		// Fiber trusts X-Forwarded-Proto and -Host only from these peers;
		// the client address itself is worked out by clientAddress.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          proxyList(d.Config.TrustedProxies),
	})
	s.routes(app)
	return app, nil
}

func proxyList(prefixes []netip.Prefix) []string {
	out := make([]string, len(prefixes))
	for i, p := range prefixes {
		out[i] = p.String()
	}
	return out
}

// templates renders with the templates the html engine parsed once at
// startup. It executes them directly: the engine's own Render copies the
// template and re-registers functions on every call, which re-runs the HTML
// escaper under the template set's lock and so serialises all renders.
type templates struct{ *html.Engine }

// Render executes the named template; layouts are not used (pages compose
// partials with {{template}}).
func (v templates) Render(w io.Writer, name string, data any, _ ...string) error {
	return v.Templates.ExecuteTemplate(w, name, data)
}
