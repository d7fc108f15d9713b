// Package handlers builds Crumb's HTTP app: every route (routes.go), the
// middleware that runs before them, and the one error handler that turns
// any error into a page for the browser or problem+json for the app. The
// handlers themselves are by audience: web/ (pages and forms) and api/
// (the mobile app's JSON API).
package handlers

import (
	"context"
	"io/fs"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/assets"
	"crumb/config"
	"crumb/cookies"
	"crumb/handlers/admin"
	"crumb/handlers/api"
	"crumb/handlers/web"
	"crumb/mail"
	"crumb/metrics"
	"crumb/models"
	"crumb/sessions"
	"crumb/tokens"
)

// Deps is everything the handlers need, built once at startup.
type Deps struct {
	Config     config.Config
	Now        func() time.Time
	Log        *slog.Logger
	Views      fs.FS
	Assets     *assets.Assets
	Catalog    *models.Catalog
	Users      *models.Users
	Carts      *models.Carts
	Orders     *models.Orders
	Images     *models.Images
	Audit      *models.Audit
	Jar        *cookies.Jar
	GuestCarts *cookies.GuestCarts
	Sessions   *sessions.Manager
	Limits     *sessions.Limits
	Access     *tokens.Access
	Refresh    *tokens.Refresh
	// Ready reports whether the stores a request needs answer (/readyz).
	Ready func(context.Context) error
	// Account recovery and email.
	Resets        *models.PasswordResets
	Verifications *models.EmailVerifications
	Outbox        *models.Outbox
	Mail          *mail.Renderer
	// Metrics counts requests and events; nil counts nothing.
	Metrics *metrics.Metrics
}

// server holds what the app-wide middleware and the error handler need.
type server struct {
	Deps
	web   *web.Server
	api   *api.Server
	admin *admin.Server
}

// New builds the Fiber app with every route.
func New(d Deps) (*fiber.App, error) {
	pages, err := web.New(web.Deps{
		Config: d.Config, Now: d.Now, Log: d.Log, Views: d.Views, Assets: d.Assets, Catalog: d.Catalog,
		Users: d.Users, Carts: d.Carts, Orders: d.Orders, Jar: d.Jar, GuestCarts: d.GuestCarts,
		Sessions: d.Sessions, Limits: d.Limits, Refresh: d.Refresh, Metrics: d.Metrics,
		Resets: d.Resets, Verifications: d.Verifications, Outbox: d.Outbox, Mail: d.Mail,
	})
	if err != nil {
		return nil, err
	}
	office, err := admin.New(admin.Deps{
		Config: d.Config, Now: d.Now, Log: d.Log, Web: pages, Users: d.Users, Catalog: d.Catalog, Images: d.Images,
		Orders: d.Orders, Audit: d.Audit, Sessions: d.Sessions, Limits: d.Limits, Refresh: d.Refresh, Resets: d.Resets,
	})
	if err != nil {
		return nil, err
	}
	s := &server{Deps: d, web: pages, admin: office, api: api.New(api.Deps{
		Config: d.Config, Log: d.Log, Assets: d.Assets, Catalog: d.Catalog, Users: d.Users, Carts: d.Carts,
		Orders: d.Orders, Sessions: d.Sessions, Limits: d.Limits, Access: d.Access, Refresh: d.Refresh,
		Resets: d.Resets, Verifications: d.Verifications, Metrics: d.Metrics,
	})}
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
