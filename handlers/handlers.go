// Package handlers builds Crumb's HTTP app: every route (routes.go), the
// middleware that runs before them, and the one error handler that turns
// any error into a page for the browser or problem+json for the app. The
// handlers themselves are by audience: web/ (pages and forms) and api/
// (the mobile app's JSON API).
package handlers

import (
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/admin"
	"crumb/handlers/api"
	"crumb/handlers/deps"
	"crumb/handlers/web"
)

// server holds what the app-wide middleware and the error handler need.
type server struct {
	*deps.Deps
	web   *web.Server
	api   *api.Server
	admin *admin.Server
}

// New builds the Fiber app with every route.
func New(d *deps.Deps) (*fiber.App, error) {
	pages, err := web.New(d)
	if err != nil {
		return nil, err
	}
	office, err := admin.New(d, pages)
	if err != nil {
		return nil, err
	}
	s := &server{Deps: d, web: pages, admin: office, api: api.New(d)}
	app := fiber.New(fiber.Config{
		AppName:               "Crumb",
		Views:                 pages.Templates,
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		BodyLimit:             uploadLimit, // the most any request may send; most get smallBody (see bodyLimit)
		ReadBufferSize:        16 * 1024,
		WriteBufferSize:       16 * 1024, // a page and its headers go out in one write, not two
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          15 * time.Second,
		IdleTimeout:           60 * time.Second,
		// Fiber trusts X-Forwarded-Proto and -Host only from these peers;
		// the client address itself is worked out by clientAddress.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          proxyList(d.Config.TrustedProxies),
	})
	app.Server().HeaderReceived = s.bodyLimit
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
