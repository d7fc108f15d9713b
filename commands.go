package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"gorm.io/gorm"

	"crumb/config"
	"crumb/database"
)

// openDatabase opens the database the settings name, as the shop does.
func openDatabase(log *slog.Logger) (*gorm.DB, error) {
	cfg, err := config.Load(".env", log)
	if err != nil {
		return nil, err
	}
	return database.Open(cfg.DatabaseURL, cfg.SQLitePath())
}

// migrate applies the pending migrations and names each one on out.
func migrate(out io.Writer, log *slog.Logger) error {
	db, err := openDatabase(log)
	if err != nil {
		return err
	}
	defer database.Close(db)
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
	db, err := openDatabase(log)
	if err != nil {
		return err
	}
	defer database.Close(db)
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
