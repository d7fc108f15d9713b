// Crumb is a bakery storefront. main wires it together: config, database,
// stores, app, listen; and shuts down gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"crumb/assets"
	"crumb/config"
	"crumb/cookies"
	"crumb/database"
	"crumb/handlers"
	"crumb/models"
	"crumb/public"
	"crumb/sessions"
	"crumb/tokens"
	"crumb/views"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
}

func run(bootLog *slog.Logger) error {
	cfg, err := config.Load(".env", bootLog)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))

	db, err := database.Open(cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		return err
	}
	defer database.Close(db)
	if err := database.Migrate(db); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.SeedDemo {
		if err := database.Seed(ctx, db, cfg.Currency); err != nil {
			return err
		}
		if err := database.SeedDemoAccount(ctx, db, models.DefaultPasswordParams); err != nil {
			return err
		}
		log.Info("demo account", "email", database.DemoEmail, "password", database.DemoPassword)
	}

	catalog, err := models.NewCatalog(ctx, db)
	if err != nil {
		return err
	}
	static, err := assets.New(public.FS)
	if err != nil {
		return err
	}
	jar, err := cookies.NewJar(cfg.SecretKey, cfg.Secure(), time.Now, log)
	if err != nil {
		return err
	}
	guestCarts := cookies.NewGuestCarts(jar, db, 0)
	storage, sweepStorage, err := openSessionStore(cfg, db)
	if err != nil {
		return err
	}
	defer storage.Close()
	refresh := tokens.NewRefresh(db, time.Now)
	sessionManager := sessions.New(sessions.Config{
		Storage: storage, DB: db, Jar: jar, Apps: refresh, Now: time.Now,
		Idle: cfg.SessionIdle, Absolute: cfg.SessionAbsolute, Log: log,
	})
	access, err := tokens.NewAccess(cfg.JWTKeys, cfg.BaseURL.String(), cfg.BaseURL.String()+"/api", time.Now)
	if err != nil {
		return err
	}
	app, err := handlers.New(handlers.Deps{
		Config:     cfg,
		DB:         db,
		Catalog:    catalog,
		Assets:     static,
		Jar:        jar,
		GuestCarts: guestCarts,
		Sessions:   sessionManager,
		Limits:     sessions.NewLimits(storage, cfg.AuthAttemptsPerMinute, time.Now),
		Passwords:  models.DefaultPasswordParams,
		Access:     access,
		Refresh:    refresh,
		Views:      views.FS,
		Log:        log,
		Now:        time.Now,
	})
	if err != nil {
		return err
	}

	go catalog.Run(ctx, 30*time.Second, log)
	go sweep(ctx, log, time.Hour, guestCarts.Sweep)
	go sweep(ctx, log, 5*time.Minute, sessionManager.Sweep)
	go sweep(ctx, log, time.Hour, refresh.Sweep)
	if sweepStorage != nil {
		go sweep(ctx, log, 5*time.Minute, sweepStorage)
	}

	listenErr := make(chan error, 1)
	go func() { listenErr <- app.Listen(cfg.Addr()) }()
	log.Info("Crumb is open", "url", cfg.BaseURL.String(), "env", cfg.Env, "database", databaseName(cfg))

	select {
	case err := <-listenErr:
		return fmt.Errorf("listen: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down; finishing requests in flight", "timeout", cfg.ShutdownTimeout)
	if err := app.ShutdownWithTimeout(cfg.ShutdownTimeout); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// sweep runs a cleanup now and then every interval until ctx ends. Each
// sweep is a plain conditional delete, safe on every instance at once.
func sweep(ctx context.Context, log *slog.Logger, every time.Duration, fn func(context.Context) (int64, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := fn(ctx); err != nil && ctx.Err() == nil {
			log.Error("sweep failed", "err", err)
		} else if n > 0 {
			log.Info("swept expired rows", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// openSessionStore returns where sessions and rate-limit counters live:
// Redis when SESSION_STORE is set, the database otherwise (with the sweep
// that deletes its expired rows; Redis expires keys itself).
func openSessionStore(cfg config.Config, db *gorm.DB) (fiber.Storage, func(context.Context) (int64, error), error) {
	if cfg.SessionStore != "" {
		store, err := database.OpenRedis(cfg.SessionStore)
		return store, nil, err
	}
	store := database.NewStorage(db, time.Now)
	return store, store.Sweep, nil
}

func databaseName(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return "postgres"
	}
	return cfg.SQLitePath()
}
