// Crumb is a bakery storefront. main loads the settings, builds the app
// (package app), serves it, and shuts down gracefully on SIGINT or SIGTERM.
//
// With arguments it runs a command instead, with the same settings:
//
//	crumb admin grant EMAIL    make the account an admin (the back office)
//	crumb admin revoke EMAIL   make it a customer again
//	crumb migrate              apply the migrations the database has not had
//	crumb migrate status       list the migrations, applied and pending
//	crumb backup FILE          copy the SQLite database to FILE, checked
//	crumb restore FILE         put a backup in place of the SQLite database
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"crumb/app"
	"crumb/config"
	"crumb/database"
	"crumb/models"
	"crumb/storage"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var err error
	if len(os.Args) > 1 {
		err = command(os.Args[1:], os.Stdout, log)
	} else {
		err = run(log)
	}
	var exit *exitError
	if errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, exit.msg)
		os.Exit(exit.code)
	}
	if err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
}

// exitError ends a command with an exit code of its own and its message
// printed as it is, for a script to read.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

const usage = "usage: crumb admin grant EMAIL | crumb admin revoke EMAIL | crumb migrate [status] | crumb backup FILE | crumb restore FILE"

// command runs the command args name against the database the settings
// name, and says what it did on out.
func command(args []string, out io.Writer, log *slog.Logger) error {
	switch {
	case len(args) == 3 && args[0] == "admin" && (args[1] == "grant" || args[1] == "revoke"):
		return admin(args[1], args[2], out, log)
	case len(args) == 1 && args[0] == "migrate":
		return migrate(out, log)
	case len(args) == 2 && args[0] == "migrate" && args[1] == "status":
		return migrationStatus(out, log)
	case len(args) == 2 && args[0] == "backup":
		return backupTo(args[1], out, log)
	case len(args) == 2 && args[0] == "restore":
		return restoreFrom(args[1], out, log)
	}
	return errors.New(usage)
}

// admin makes the account with email an admin ("grant") or a customer
// ("revoke").
func admin(verb, address string, out io.Writer, log *slog.Logger) error {
	email, err := models.NormalizeEmail(address)
	if err != nil {
		return fmt.Errorf("%q is not an email address", address)
	}
	cfg, err := config.Load(".env", log)
	if err != nil {
		return err
	}
	db, release, err := database.OpenHeld(cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		return err
	}
	defer release()
	if err := database.Migrate(db); err != nil {
		return err
	}
	role, word := models.RoleAdmin, "an admin: they can use the back office at /admin"
	if verb == "revoke" {
		role, word = models.RoleCustomer, "a customer: the back office is closed to them"
	}
	user, err := storage.NewUsers(db, models.DefaultPasswordParams).SetRole(context.Background(), email, role)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no account has the email %s; it must sign up first", email)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s (%s) is now %s.\n", printable(user.Email), printable(user.Name), word)
	return err
}

// printable is s as it is when every character of it prints, and quoted
// with escapes otherwise, so that what an account holds cannot move the
// cursor, retitle or clear the operator's terminal.
func printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) {
		return s
	}
	return strconv.Quote(s)
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
	// The background work and the metrics outlive the signal: they stop
	// once the last request has been answered.
	work, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	workDone := crumb.Run(work)
	if cfg.MetricsAddr != "" {
		if err := serveMetrics(work, crumb, cfg.MetricsAddr, log); err != nil {
			return err
		}
	}
	if cfg.PprofAddr != "" {
		go servePprof(cfg.PprofAddr, log)
	}

	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	listenErr := make(chan error, 1)
	go func() { listenErr <- crumb.Serve(ln) }()
	log.Info("Crumb is open", "url", cfg.BaseURL.String(), "env", cfg.Env, "database", databaseName(cfg))

	select {
	case err := <-listenErr:
		return fmt.Errorf("listen: %w", err)
	case <-ctx.Done():
	}
	stop() // a second signal ends the process at once
	return shutDown(crumb, cfg, stopWork, workDone, log)
}

// shutDown takes the instance out of its balancer and closes it, all
// within SHUTDOWN_TIMEOUT: /readyz fails at once while requests are still
// served for SHUTDOWN_GRACE (the balancer's checks notice and send no
// more), then the listener closes, the requests in flight are answered,
// and the background work stops, a mail being sent sent to the end.
func shutDown(crumb *app.App, cfg config.Config, stopWork func(), workDone <-chan struct{}, log *slog.Logger) error {
	deadline, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	crumb.Drain()
	log.Info("shutting down: /readyz fails, requests are still served for the grace", "grace", cfg.ShutdownGrace, "timeout", cfg.ShutdownTimeout)
	time.Sleep(cfg.ShutdownGrace)
	log.Info("shutting down: no new connections; finishing requests in flight")
	if err := crumb.HTTP.ShutdownWithContext(deadline); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	stopWork()
	select {
	case <-workDone:
	case <-deadline.Done():
	}
	if deadline.Err() != nil {
		log.Warn("shutdown timed out; stopping with work unfinished", "timeout", cfg.ShutdownTimeout)
	}
	return nil
}

// serveMetrics opens METRICS_ADDR and serves /metrics there until ctx ends.
func serveMetrics(ctx context.Context, crumb *app.App, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("METRICS_ADDR: %w", err)
	}
	go func() {
		if err := crumb.ServeMetrics(ctx, ln); err != nil {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	log.Info("metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return nil
}

func databaseName(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return "postgres"
	}
	return cfg.SQLitePath()
}
