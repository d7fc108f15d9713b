// Package deps is the one set of what Crumb's handlers depend on: built
// once by app.New and shared by the pages, the API and the back office,
// whose servers embed it.
package deps

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"time"

	"crumb/assets"
	"crumb/config"
	"crumb/cookies"
	"crumb/handlers/visitor"
	"crumb/mail"
	"crumb/metrics"
	"crumb/sessions"
	"crumb/storage"
	"crumb/tokens"
)

// Deps is everything the handlers need.
type Deps struct {
	Config  config.Config
	Now     func() time.Time
	Log     *slog.Logger
	Views   fs.FS
	Assets  *assets.Assets
	Catalog *storage.Catalog
	Users   *storage.Users
	Carts   *storage.Carts
	Orders  *storage.Orders
	Images  *storage.Images
	Audit   *storage.Audit
	// Accounts is an account as a whole: its data and its deletion.
	Accounts *storage.Accounts
	Jar      *cookies.Jar
	Visitors *visitor.Resolver
	Sessions *sessions.Manager
	Limits   *sessions.Limits
	Access   *tokens.Access
	Refresh  *tokens.Refresh
	Resets   *storage.PasswordResets
	// Verifications are the links that verify an account's email.
	Verifications *storage.EmailVerifications
	Outbox        *storage.Outbox
	Mail          *mail.Renderer
	// Ready reports whether the stores a request needs answer (/readyz);
	// ErrShuttingDown once the process is shutting down.
	Ready func(context.Context) error
	// Metrics counts requests and events; nil counts nothing.
	Metrics *metrics.Metrics
}

// ErrShuttingDown is Ready's answer while the process shuts down: not a
// store failing, just the instance leaving the balancer.
var ErrShuttingDown = errors.New("shutting down")
