package database

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/gorm"
)

// migrations holds the numbered SQL migrations, one folder per dialect.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Migration is one of the binary's migrations and whether the database has
// had it.
type Migration struct {
	Version   int64
	Name      string    // the file's name without its number: initial_schema
	AppliedAt time.Time // zero while pending
}

// Applied reports whether the database has had the migration.
func (m Migration) Applied() bool { return !m.AppliedAt.IsZero() }

// NewerError is a database migrated by a newer Crumb than this one: this
// binary does not know its schema, so it touches nothing.
type NewerError struct {
	Database, Binary int64
}

func (e *NewerError) Error() string {
	return fmt.Sprintf("the database is at migration %d, newer than this crumb's newest, %d: run the crumb that migrated it (or a newer one), or restore a backup this one made", e.Database, e.Binary)
}

// Migrate applies every migration the database has not had yet, in order,
// and records each in goose's version table. Migrations are forward-only
// SQL files under migrations/, one folder per dialect. On Postgres an
// advisory lock makes instances that start together migrate one at a time.
// A database at a version newer than the binary's newest is left as it is,
// with a *NewerError.
func Migrate(db *gorm.DB) error {
	_, err := Apply(context.Background(), db)
	return err
}

// Apply is Migrate, returning the migrations it applied.
func Apply(ctx context.Context, db *gorm.DB) ([]Migration, error) {
	provider, err := newProvider(db)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if err := checkNotNewer(ctx, db); err != nil {
		return nil, err
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	applied := make([]Migration, len(results))
	for i, r := range results {
		applied[i] = Migration{Version: r.Source.Version, Name: migrationName(r.Source.Path), AppliedAt: time.Now().UTC()}
	}
	return applied, nil
}

// Status lists the binary's migrations in order, each with when the
// database had it. It changes nothing.
func Status(ctx context.Context, db *gorm.DB) ([]Migration, error) {
	provider, err := newProvider(db)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	if err := checkNotNewer(ctx, db); err != nil {
		return nil, err
	}
	applied, err := appliedAt(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	var out []Migration
	for _, s := range provider.ListSources() {
		out = append(out, Migration{Version: s.Version, Name: migrationName(s.Path), AppliedAt: applied[s.Version]})
	}
	return out, nil
}

// LatestVersion is the number of the binary's newest migration for dialect
// ("sqlite" or "postgres").
func LatestVersion(dialect string) (int64, error) {
	names, err := fs.Glob(migrations, "migrations/"+dialect+"/*.sql")
	if err != nil || len(names) == 0 {
		return 0, fmt.Errorf("no migrations for %q", dialect)
	}
	var v int64
	_, err = fmt.Sscanf(path.Base(names[len(names)-1]), "%d_", &v)
	return v, err
}

// checkNotNewer refuses a database whose newest applied migration is one
// the binary does not have.
func checkNotNewer(ctx context.Context, db *gorm.DB) error {
	binary, err := LatestVersion(db.Dialector.Name())
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied, err := appliedAt(ctx, db)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if newest := newestOf(applied); newest > binary {
		return &NewerError{Database: newest, Binary: binary}
	}
	return nil
}

// newestOf is the highest version in applied, 0 when there is none.
func newestOf(applied map[int64]time.Time) int64 {
	var newest int64
	for v := range applied {
		newest = max(newest, v)
	}
	return newest
}

// appliedAt reads goose's version table, when there is one: the version of
// every applied migration and when it was applied. It only reads, so a
// status or a check never creates the table.
func appliedAt(ctx context.Context, db *gorm.DB) (map[int64]time.Time, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	return versionsIn(ctx, sqlDB, db.Dialector.Name())
}

// versionsIn is appliedAt on a connection pool of dialect.
func versionsIn(ctx context.Context, sqlDB *sql.DB, dialect string) (map[int64]time.Time, error) {
	exists := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'"
	if dialect == "postgres" {
		exists = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'goose_db_version'"
	}
	var n int
	if err := sqlDB.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return nil, err
	}
	applied := map[int64]time.Time{}
	if n == 0 {
		return applied, nil
	}
	rows, err := sqlDB.QueryContext(ctx, "SELECT version_id, tstamp FROM goose_db_version WHERE is_applied AND version_id > 0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v int64
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			return nil, err
		}
		applied[v] = at.UTC()
	}
	return applied, rows.Err()
}

// migrationName is a migration file's name without its number and suffix.
func migrationName(file string) string {
	_, name, _ := strings.Cut(strings.TrimSuffix(path.Base(file), ".sql"), "_")
	return name
}

// newProvider is goose's runner for the database's dialect, on its pool.
// It is never closed: that would close the pool, which the caller owns.
func newProvider(db *gorm.DB) (*goose.Provider, error) {
	var (
		dialect goose.Dialect
		dir     string
		opts    = []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	)
	switch name := db.Dialector.Name(); name {
	case "sqlite":
		dialect, dir = goose.DialectSQLite3, "migrations/sqlite"
	case "postgres":
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
		// Try for the lock every second, for up to five minutes.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		return nil, fmt.Errorf("unsupported database %q", name)
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, sqlDB, fsys, opts...)
}
