package database

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrNotSQLite is a backup or restore asked of Postgres, which pg_dump and
// pg_restore do.
var ErrNotSQLite = errors.New("only a SQLite database is backed up and restored by crumb")

// crumbTables are tables every Crumb database has, from its first migration.
var crumbTables = []string{"goose_db_version", "categories", "products", "users", "carts", "cart_items", "orders", "order_lines"}

// Backup writes a consistent copy of the SQLite database db to path while
// the shop goes on serving: VACUUM INTO copies one read transaction's
// snapshot, which in WAL mode holds up no checkout. The copy is written
// under a temporary name beside path, checked (see Inspect) and synced,
// and only then renamed to path: a backup cut short never has its name.
func Backup(ctx context.Context, db *gorm.DB, path string) error {
	if db.Dialector.Name() != "sqlite" {
		return ErrNotSQLite
	}
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	var seq int
	var name, file string
	if err := sqlDB.QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if sameFile(path, file) {
		return fmt.Errorf("backup: %s is the database itself; back it up to another file", path)
	}
	return backup(ctx, path, func(tmp string) error {
		_, err := sqlDB.ExecContext(ctx, "VACUUM INTO ?", tmp)
		return err
	})
}

// backup has write fill a new, empty file beside path, and puts it at path
// once it is checked.
func backup(ctx context.Context, path string, write func(tmp string) error) error {
	tmp, err := writeChecked(ctx, path, write)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := publish(tmp, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Inspect checks that the SQLite file at path is a sound Crumb database
// this binary can run: PRAGMA integrity_check finds nothing wrong, it has
// Crumb's tables, and its migration version is one the binary has. It
// returns that version, and opens the file read-only.
func Inspect(ctx context.Context, path string) (int64, error) {
	version, err := inspect(ctx, path)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return version, nil
}

func inspect(ctx context.Context, path string) (int64, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	db, err := gorm.Open(sqlite.Open(sqliteDSN(path, url.Values{"mode": {"ro"}})), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return 0, err
	}
	defer Close(db)
	var problems []string
	if err := db.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&problems).Error; err != nil {
		return 0, fmt.Errorf("not a sound SQLite database: %w", err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return 0, fmt.Errorf("damaged: integrity check: %s", strings.Join(problems, "; "))
	}
	var tables []string
	if err := db.WithContext(ctx).Raw("SELECT name FROM sqlite_master WHERE type = 'table'").Scan(&tables).Error; err != nil {
		return 0, err
	}
	for _, want := range crumbTables {
		if !slices.Contains(tables, want) {
			return 0, fmt.Errorf("not a Crumb database: it has no %s table", want)
		}
	}
	sqlDB, err := db.DB()
	if err != nil {
		return 0, err
	}
	applied, err := versionsIn(ctx, sqlDB, "sqlite")
	if err != nil {
		return 0, err
	}
	binary, err := LatestVersion("sqlite")
	if err != nil {
		return 0, err
	}
	version := newestOf(applied)
	if version == 0 {
		return 0, errors.New("not a Crumb database: it has had no migration")
	}
	if version > binary {
		return 0, &NewerError{Database: version, Binary: binary}
	}
	return version, nil
}

// Restore puts the backup at src in place of the SQLite database at
// dbPath, once Inspect passes it. It refuses while any Crumb (the shop, or
// a command) uses the data folder (see OpenHeld). The database it replaces
// is kept beside it, named after the moment (with its WAL file, which may
// hold its last transactions); Restore returns that name, or "" when there
// was none.
func Restore(ctx context.Context, dbPath, src string, now time.Time) (kept string, err error) {
	dir := filepath.Dir(dbPath)
	lock, err := lockData(dir, syscall.LOCK_EX)
	if errors.Is(err, errLocked) {
		return "", fmt.Errorf("restore: a Crumb is running on %s (the shop, or a command): stop it first", dir)
	}
	if err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	defer lock.Close()
	if _, err := Inspect(ctx, src); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	tmp, err := writeChecked(ctx, dbPath, func(tmp string) error { return copyFile(src, tmp) })
	if err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	if _, err := os.Stat(dbPath); err == nil {
		kept = filepath.Join(dir, "crumb-replaced-"+now.UTC().Format("20060102T150405Z")+".db")
		if _, err := os.Stat(kept); err == nil {
			_ = os.Remove(tmp)
			return "", fmt.Errorf("restore: %s exists already; try again in a second", kept)
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dbPath+suffix, kept+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				_ = os.Remove(tmp)
				return "", fmt.Errorf("restore: keep the replaced database: %w", err)
			}
		}
	}
	if err := publish(tmp, dbPath); err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	return kept, nil
}

// writeChecked creates an empty file with a temporary name beside path,
// has write fill it, checks it with Inspect and syncs it to disk. It
// returns the file's name, or removes it and returns why not.
func writeChecked(ctx context.Context, path string, write func(tmp string) error) (_ string, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := write(tmp); err != nil {
		return "", err
	}
	if _, err := Inspect(ctx, tmp); err != nil {
		return "", err
	}
	return tmp, syncPath(tmp)
}

// publish renames the checked file tmp to path and syncs the folder, so
// the new name survives a power cut.
func publish(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncPath(filepath.Dir(path))
}

// sameFile reports whether the paths a and b name one existing file.
func sameFile(a, b string) bool {
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(ia, ib)
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
