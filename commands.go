package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"crumb/config"
	"crumb/database"
)

// migrate applies the pending migrations and names each one on out.
func migrate(out io.Writer, log *slog.Logger) error {
	cfg, err := config.Load(".env", log)
	if err != nil {
		return err
	}
	db, release, err := database.OpenHeld(cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		return err
	}
	defer release()
	applied, err := database.Apply(context.Background(), db)
	if err != nil {
		return err
	}
	for _, m := range applied {
		if _, err := fmt.Fprintf(out, "applied %05d %s\n", m.Version, m.Name); err != nil {
			return err
		}
	}
	if len(applied) == 0 {
		_, err = fmt.Fprintln(out, "nothing to apply: the database has every migration")
	}
	return err
}

// migrationStatus lists every migration on out: its version, its name and
// when it was applied, or "pending".
func migrationStatus(out io.Writer, log *slog.Logger) error {
	cfg, err := config.Load(".env", log)
	if err != nil {
		return err
	}
	db, release, err := database.OpenHeld(cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		return err
	}
	defer release()
	status, err := database.Status(context.Background(), db)
	if err != nil {
		return err
	}
	for _, m := range status {
		state := "pending"
		if m.Applied() {
			state = "applied " + m.AppliedAt.Format("2006-01-02 15:04:05 MST")
		}
		if _, err := fmt.Fprintf(out, "%05d  %-45s %s\n", m.Version, m.Name, state); err != nil {
			return err
		}
	}
	return nil
}

// backupTo copies the SQLite database to path while the shop may be
// serving (database.Backup). Postgres is backed up with pg_dump: it says
// how, and exits with 2.
func backupTo(path string, out io.Writer, log *slog.Logger) error {
	cfg, err := config.Load(".env", log)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		return &exitError{2, "crumb backs up SQLite only; back up Postgres with: pg_dump --format=custom --file=" + shellQuote(path) + " " + pgTarget(cfg.DatabaseURL)}
	}
	db, release, err := database.OpenHeld(cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		return err
	}
	defer release()
	if err := database.Backup(context.Background(), db, path); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "backed up %s to %s (checked)\n", cfg.SQLitePath(), path)
	return err
}

// restoreFrom puts the backup at path in place of the SQLite database
// (database.Restore) while no Crumb runs on the data folder. Postgres is
// restored with pg_restore: it says how, and exits with 2.
func restoreFrom(path string, out io.Writer, log *slog.Logger) error {
	cfg, err := config.Load(".env", log)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		return &exitError{2, "crumb restores SQLite only; stop every instance and restore Postgres with: pg_restore --clean --if-exists --no-owner --single-transaction " + pgTarget(cfg.DatabaseURL) + " " + shellQuote(path)}
	}
	kept, err := database.Restore(context.Background(), cfg.SQLitePath(), path, time.Now())
	if err != nil {
		return err
	}
	replaced := "there was no database before"
	if kept != "" {
		replaced = "the database it replaced is kept as " + kept
	}
	_, err = fmt.Fprintf(out, "restored %s to %s; %s\n", path, cfg.SQLitePath(), replaced)
	return err
}

// pgTarget is the database of DATABASE_URL as pg_dump and pg_restore take
// it, shell-quoted: --dbname with the URL without its password (they read
// it from PGPASSWORD or ~/.pgpass, so it is never printed), and a
// search_path, which libpq does not take in a URL, as --schema.
func pgTarget(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return `"$DATABASE_URL"`
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	target := "--dbname=" + shellQuote(u.String())
	if schema != "" {
		target = "--schema=" + shellQuote(schema) + " " + target
	}
	return target
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
