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

	"crumb/assets"
	"crumb/config"
	"crumb/cookies"
	"crumb/database"
	"crumb/handlers"
	"crumb/models"
	"crumb/public"
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
	app, err := handlers.New(handlers.Deps{
		Config:     cfg,
		DB:         db,
		Catalog:    catalog,
		Assets:     static,
		Jar:        jar,
		GuestCarts: guestCarts,
		Views:      views.FS,
		Log:        log,
		Now:        time.Now,
	})
	if err != nil {
		return err
	}

	go catalog.Run(ctx, 30*time.Second, log)
	go sweep(ctx, log, time.Hour, guestCarts.Sweep)

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

func databaseName(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return "postgres"
	}
	return cfg.SQLitePath()
}
