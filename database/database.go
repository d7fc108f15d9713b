// Package database opens Crumb's database (an embedded SQLite file by
// default, Postgres when scaled out), migrates it and seeds the demo catalog.
package database

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Open connects to Postgres when databaseURL is set, and otherwise to the
// SQLite file at sqlitePath (created with its folder if needed) in WAL mode,
// with a busy timeout, foreign keys on and transactions that take the write
// lock when they begin, so a read-then-write never fails with "locked".
func Open(databaseURL, sqlitePath string) (*gorm.DB, error) {
	gcfg := &gorm.Config{
		Logger:         logger.Discard,
		TranslateError: true,
		// Statements are prepared once per connection and reused: most of a
		// small query's cost is parsing and planning it. On Postgres pgx's
		// own statement cache does that, because GORM's prepares a
		// transaction's statements again in every transaction (and drops
		// them at its end), so checkout's were parsed and planned anew each
		// order. On SQLite GORM's is kept: go-sqlite3 has no cache, and
		// preparing there costs microseconds, not a round trip.
		PrepareStmt: databaseURL == "",
		NowFunc:     func() time.Time { return time.Now().UTC() },
	}
	var dialector gorm.Dialector
	if databaseURL != "" {
		dialector = postgres.Open(databaseURL)
	} else {
		if err := os.MkdirAll(filepath.Dir(sqlitePath), 0o700); err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		q := url.Values{}
		q.Set("_journal_mode", "WAL")
		q.Set("_busy_timeout", "10000")
		q.Set("_foreign_keys", "on")
		q.Set("_txlock", "immediate")
		q.Set("_synchronous", "NORMAL")
		dialector = sqlite.Open(sqliteDSN(sqlitePath, q))
	}
	db, err := gorm.Open(dialector, gcfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB.SetMaxOpenConns(16)
	sqlDB.SetMaxIdleConns(16)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// OpenHeld is Open for the shop and its commands: on SQLite it first takes
// the data folder's shared lock (see lock.go), so that no restore replaces
// the file while they use it. release closes the pool and lets go of the
// folder.
func OpenHeld(databaseURL, sqlitePath string) (db *gorm.DB, release func() error, err error) {
	if databaseURL != "" {
		if db, err = Open(databaseURL, ""); err != nil {
			return nil, nil, err
		}
		return db, func() error { return Close(db) }, nil
	}
	lock, err := holdData(filepath.Dir(sqlitePath))
	if err != nil {
		return nil, nil, err
	}
	if db, err = Open("", sqlitePath); err != nil {
		_ = lock.Close()
		return nil, nil, err
	}
	return db, func() error { return errors.Join(Close(db), lock.Close()) }, nil
}

// sqliteDSN is the SQLite URI of the file at path with the options q. The
// path is escaped: a "?" or "#" in it would otherwise end it.
func sqliteDSN(path string, q url.Values) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) + "?" + q.Encode()
}

// Close closes the connection pool.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
