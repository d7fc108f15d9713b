package database_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"crumb/database"
)

// TestMigrationStatus: a fresh database has every migration pending (and
// asking does not create goose's table); after Migrate, every one is
// applied, named after its file, and applying again applies nothing.
func TestMigrationStatus(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, d dialect) {
		ctx := context.Background()
		db := d.open(t)
		files := migrationFiles(t, d.name)
		status, err := database.Status(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(status) != len(files) {
			t.Fatalf("status lists %d migrations, want the %d files", len(status), len(files))
		}
		for i, m := range status {
			if want := fmt.Sprintf("%05d_%s.sql", m.Version, m.Name); want != files[i] || m.Applied() {
				t.Errorf("fresh database: migration %d is %s (applied %v), want %s pending", i+1, want, m.Applied(), files[i])
			}
		}
		if got := tables(t, db); len(got) != 0 {
			t.Errorf("asking for the status created tables: %q", got)
		}

		applied, err := database.Apply(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != len(files) || applied[0].Name != "initial_schema" {
			t.Errorf("Apply applied %v, want the %d migrations from initial_schema", applied, len(files))
		}
		status, err = database.Status(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range status {
			if !m.Applied() {
				t.Errorf("after Migrate, migration %d %s is pending", m.Version, m.Name)
			}
		}
		if again, err := database.Apply(ctx, db); err != nil || len(again) != 0 {
			t.Errorf("Apply again = %v, %v; want nothing applied", again, err)
		}
	})
}

// TestNewerDatabaseIsRefused: a database a newer Crumb migrated is left
// alone by Migrate and Status, with an error naming both versions.
func TestNewerDatabaseIsRefused(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, d dialect) {
		ctx := context.Background()
		db := d.open(t)
		migrate(t, db)
		latest := latestVersion(t, d.name)
		if got, err := database.LatestVersion(d.name); err != nil || got != latest {
			t.Fatalf("LatestVersion = %d, %v; want %d", got, err, latest)
		}
		if err := db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)", latest+1, true).Error; err != nil {
			t.Fatal(err)
		}
		before := schemaOf(t, db)
		for name, run := range map[string]func() error{
			"Migrate": func() error { return database.Migrate(db) },
			"Status":  func() error { _, err := database.Status(ctx, db); return err },
		} {
			err := run()
			var newer *database.NewerError
			if !errors.As(err, &newer) || newer.Database != latest+1 || newer.Binary != latest {
				t.Fatalf("%s on a newer database: err = %v, want a NewerError at %d over %d", name, err, latest+1, latest)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprint(latest+1)) || !strings.Contains(msg, fmt.Sprint(latest)) || strings.Contains(msg, "\n") {
				t.Errorf("%s: %q is not one line naming both versions", name, msg)
			}
		}
		if onlyBefore, onlyAfter := diffLines(before, schemaOf(t, db)); len(onlyBefore)+len(onlyAfter) > 0 {
			t.Errorf("the newer database's schema changed:\n before %q\n after  %q", onlyBefore, onlyAfter)
		}
	})
}
