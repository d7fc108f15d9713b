// Crumb is a bakery storefront. main loads the settings, builds the app
// (package app), serves it, and shuts down gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"crumb/app"
	"crumb/config"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	crumb, err := app.New(ctx, cfg, app.Options{Log: log})
	if err != nil {
		return err
	}
	defer crumb.Close()
	crumb.Run(ctx)
	if cfg.PprofAddr != "" {
		go servePprof(cfg.PprofAddr, log)
	}

	listenErr := make(chan error, 1)
	go func() { listenErr <- crumb.HTTP.Listen(cfg.Addr()) }()
	log.Info("Crumb is open", "url", cfg.BaseURL.String(), "env", cfg.Env, "database", databaseName(cfg))

	select {
	case err := <-listenErr:
		return fmt.Errorf("listen: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down; finishing requests in flight", "timeout", cfg.ShutdownTimeout)
	if err := crumb.HTTP.ShutdownWithTimeout(cfg.ShutdownTimeout); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func databaseName(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return "postgres"
	}
	return cfg.SQLitePath()
}
