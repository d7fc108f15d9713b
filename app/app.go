// Package app builds Crumb from its settings: the database (migrated, and
// seeded in development), the stores, the session store, and the HTTP app
// with every route. main and every test build Crumb through New, so what
// runs in a test is what runs in production.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"crumb/assets"
	"crumb/config"
	"crumb/cookies"
	"crumb/database"
	"crumb/handlers"
	"crumb/handlers/deps"
	"crumb/handlers/visitor"
	"crumb/mail"
	"crumb/metrics"
	"crumb/models"
	"crumb/public"
	"crumb/sessions"
	"crumb/storage"
	"crumb/tokens"
	"crumb/views"
)

// Options are what a caller injects besides the settings.
type Options struct {
	Now func() time.Time // the clock; default time.Now
	Log *slog.Logger     // where logs go; required
	// Passwords are the hashing costs for new passwords; the zero value
	// means models.DefaultPasswordParams (tests make hashing cheap).
	Passwords models.PasswordParams
	// CartBudget caps the guest cart cookie in bytes before the cart moves
	// to the database; 0 means the cookie registry's budget.
	CartBudget int
	// Assets, when set, are used instead of fingerprinting public/ again.
	Assets *assets.Assets
	// MailEvery is how often Run looks for mail to send and reset links to
	// issue; 0 means every 2 seconds.
	MailEvery time.Duration
}

// App is Crumb, built and ready to serve: the dependency set the handlers
// share, and what only the process needs besides.
type App struct {
	*deps.Deps
	HTTP    *fiber.App
	DB      *gorm.DB
	Storage fiber.Storage // sessions and limit counters
	Sender  *mail.Sender  // nil without SMTP_URL: mail stays in the outbox

	log       *slog.Logger
	now       func() time.Time
	sweepData func(context.Context) (int64, error) // expired session-store rows (database store only)
	mailEvery time.Duration
	pingStore func(context.Context) error // Redis, when it keeps the sessions
	draining  atomic.Bool                 // shutting down: /readyz fails
	workers   sync.WaitGroup              // what Run started
	releaseDB func() error                // closes DB and lets go of the data folder (database.OpenHeld)
}

// New opens the database, migrates it, seeds it when SEED_DEMO says so, and
// builds every store and the HTTP app. Close releases what it opened.
func New(ctx context.Context, cfg config.Config, opts Options) (_ *App, err error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Passwords == (models.PasswordParams{}) {
		opts.Passwords = models.DefaultPasswordParams
	}
	if opts.MailEvery == 0 {
		opts.MailEvery = 2 * time.Second
	}
	a := &App{Deps: &deps.Deps{Config: cfg, Now: opts.Now, Log: opts.Log, Views: views.FS},
		log: opts.Log, now: opts.Now, mailEvery: opts.MailEvery}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()
	if a.DB, a.releaseDB, err = database.OpenHeld(cfg.DatabaseURL, cfg.SQLitePath()); err != nil {
		return nil, err
	}
	if err := database.Migrate(a.DB); err != nil {
		return nil, err
	}
	if err := database.CheckCurrency(ctx, a.DB, cfg.Currency); err != nil {
		return nil, err
	}
	sqlDB, err := a.DB.DB()
	if err != nil {
		return nil, err
	}
	a.Metrics = metrics.New(sqlDB)
	if a.Catalog, err = storage.NewCatalog(ctx, a.DB, a.log); err != nil {
		return nil, err
	}
	a.Users = storage.NewUsers(a.DB, opts.Passwords)
	a.Carts = storage.NewCarts(a.DB, a.Catalog)
	if err := a.buildMail(cfg); err != nil {
		return nil, err
	}
	a.Orders = storage.NewOrders(a.DB, a.Catalog, a.Carts, a.Users, a.Outbox, a.now)
	a.Images = storage.NewImages(a.DB)
	a.Audit = storage.NewAudit(a.DB)
	a.Accounts = storage.NewAccounts(a.DB, a.Users, a.Orders, a.Carts, a.Outbox, a.Resets, a.Verifications, a.Audit, a.now, cfg.OrderRetention)
	if cfg.SeedDemo {
		if err := database.Seed(ctx, a.Catalog, cfg.Currency); err != nil {
			return nil, err
		}
		if err := database.SeedDemoAccount(ctx, a.Users); err != nil {
			return nil, err
		}
		a.log.Info("demo account", "email", database.DemoEmail, "password", database.DemoPassword)
		if cfg.Env == config.Development { // never in production
			if err := database.SeedOwnerAccount(ctx, a.Users); err != nil {
				return nil, err
			}
			a.log.Info("back office", "url", cfg.BaseURL.String()+"/admin", "email", database.OwnerEmail, "password", database.OwnerPassword)
		}
	}

	if a.Assets = opts.Assets; a.Assets == nil {
		if a.Assets, err = assets.New(public.FS); err != nil {
			return nil, err
		}
	}
	if a.Jar, err = cookies.NewJar(cfg.SecretKey, cfg.Secure(), a.now); err != nil {
		return nil, err
	}
	if cfg.SessionStore != "" {
		redis, err := database.OpenRedis(cfg.SessionStore)
		if err != nil {
			return nil, err
		}
		a.Storage, a.pingStore = redis, redis.Ping
	} else {
		store := storage.NewKV(a.DB, a.now)
		a.Storage, a.sweepData = store, store.Sweep
	}
	a.Refresh = tokens.NewRefresh(storage.NewRefreshFamilies(a.DB), a.now)
	a.Sessions = sessions.New(sessions.Config{
		Store: a.Storage, Sessions: storage.NewWebSessions(a.DB), Tokens: storage.NewRememberTokens(a.DB), Users: a.Users, Apps: a.Refresh, Now: a.now,
		Idle: cfg.SessionIdle, Absolute: cfg.SessionAbsolute, Log: a.log, Metrics: a.Metrics,
	})
	a.Visitors = &visitor.Resolver{Jar: a.Jar, Sessions: a.Sessions, Carts: a.Carts, Log: a.log, CartBudget: opts.CartBudget, Language: models.Language(cfg.DefaultLanguage)}
	if a.Access, err = tokens.NewAccess(cfg.JWTKeys, cfg.BaseURL.String(), cfg.BaseURL.String()+"/api", a.now); err != nil {
		return nil, err
	}
	a.Limits = sessions.NewLimits(a.Storage, cfg.AuthAttemptsPerMinute, a.now)
	a.Ready = a.ready
	if a.HTTP, err = handlers.New(a.Deps); err != nil {
		return nil, err
	}
	return a, nil
}

// Drain makes /readyz fail from now on, while every other request is
// still served: a balancer checking it stops sending requests here before
// the process stops accepting them.
func (a *App) Drain() { a.draining.Store(true) }

// ready reports whether the database and the session store answer, and
// names the one that does not; never once Drain was called.
func (a *App) ready(ctx context.Context) error {
	if a.draining.Load() {
		return deps.ErrShuttingDown
	}
	sqlDB, err := a.DB.DB()
	if err == nil {
		err = sqlDB.PingContext(ctx)
	}
	if err != nil {
		a.log.Warn("database unreachable", "err", err)
		return errors.New("database unreachable")
	}
	if a.pingStore != nil {
		if err := a.pingStore(ctx); err != nil {
			a.log.Warn("session store unreachable", "err", err)
			return errors.New("session store (Redis) unreachable")
		}
	}
	return nil
}

// Run keeps the catalog snapshot fresh, sweeps expired rows, issues the
// password reset links asked for, delivers the outbox and, with
// BACKUP_EVERY, backs the database up until ctx ends.
// On Postgres the snapshot reloads as soon as another instance says the
// catalog changed, and every 30 seconds in any case. Every sweep is a plain
// conditional delete and every delivery a claimed row, safe on every
// instance at once. The channel closes once all of it has stopped after
// ctx ended: a mail being sent then is sent to the end first.
func (a *App) Run(ctx context.Context) <-chan struct{} {
	a.workers.Go(func() { a.Catalog.Run(ctx, 30*time.Second) })
	if a.Config.DatabaseURL != "" {
		a.workers.Go(func() {
			database.Listen(ctx, a.Config.DatabaseURL, storage.CatalogChannel, a.Catalog.Sender(), a.log, a.reloadCatalog)
		})
	}
	a.workers.Go(func() { a.sweep(ctx, time.Hour, a.sweepGuestCarts) })
	a.workers.Go(func() { a.sweep(ctx, 5*time.Minute, a.Sessions.Sweep) })
	a.workers.Go(func() { a.sweep(ctx, time.Hour, a.Refresh.Sweep) })
	a.workers.Go(func() { a.sweep(ctx, time.Hour, a.Accounts.Sweep) })
	if a.sweepData != nil {
		a.workers.Go(func() { a.sweep(ctx, 5*time.Minute, a.sweepData) })
	}
	a.runMail(ctx)
	if a.Config.BackupEvery > 0 {
		a.workers.Go(func() { a.runBackups(ctx) })
	}
	done := make(chan struct{})
	go func() {
		a.workers.Wait()
		close(done)
	}()
	return done
}

// sweepGuestCarts deletes the guest carts kept in the database that have
// been idle for longer than their cookie lives.
func (a *App) sweepGuestCarts(ctx context.Context) (int64, error) {
	return a.Carts.SweepGuests(ctx, a.now().Add(-cookies.Cart.Spec().MaxAge))
}

// reloadCatalog reloads the snapshot after another instance changed the
// catalog.
func (a *App) reloadCatalog(ctx context.Context) {
	if err := a.Catalog.Reload(ctx); err != nil && ctx.Err() == nil {
		a.log.Error("catalog reload after another instance's change", "err", err)
	}
}

// sweep runs a cleanup now and then every interval until ctx ends.
func (a *App) sweep(ctx context.Context, every time.Duration, fn func(context.Context) (int64, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := fn(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("sweep failed", "err", err)
		} else if n > 0 {
			a.log.Info("swept expired rows", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close closes the session store and the database, and lets go of the
// data folder.
func (a *App) Close() error {
	var errs []error
	if a.Storage != nil {
		errs = append(errs, a.Storage.Close())
	}
	if a.releaseDB != nil {
		errs = append(errs, a.releaseDB())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}
