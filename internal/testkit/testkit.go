// Package testkit holds what Crumb's tests share: a clock they move by
// hand, a log buffer they can read while goroutines write, and databases
// to test on (a SQLite file, or Postgres at TEST_DATABASE_URL in a schema
// of its own), migrated as production migrates them.
package testkit

import (
	"bytes"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/models"
	"crumb/secret"
)

// Start is the moment a Clock starts at unless told otherwise: a whole
// second, so cookie Max-Age arithmetic is exact.
var Start = time.Date(2026, 3, 7, 15, 0, 0, 0, time.UTC)

// Passwords make hashing cheap in tests. Stored hashes carry their own
// costs, so checking works exactly as in production.
var Passwords = models.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// Clock is a clock that tests move by hand; goroutines may read it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// LogBuffer collects log lines; safe for concurrent writers.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything logged so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Logger logs everything, debug included, into a new buffer.
func Logger() (*slog.Logger, *LogBuffer) {
	buf := &LogBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// SQLite opens a migrated database in a new SQLite file, closed when the
// test ends.
func SQLite(t testing.TB) *gorm.DB {
	t.Helper()
	db, err := database.Open("", filepath.Join(t.TempDir(), "crumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	if err := database.Migrate(db); err != nil {
		t.Fatal(err)
	}
	return db
}

// PostgresURL creates a schema of its own in the Postgres at
// TEST_DATABASE_URL, dropped when the test ends, and returns a URL that
// uses it. make test and CI always set TEST_DATABASE_URL (to the local
// Postgres by default); a bare go test without it skips the Postgres
// tests, saying how to run them, so the rest can run without Postgres.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("TEST_DATABASE_URL not set: set it to a postgres:// URL (such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable), as make test does, to run this on Postgres")
	}
	admin, err := database.Open(base, "")
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	schema := "crumb_test_" + secret.Hex(6)
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		_ = database.Close(admin)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error; err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		_ = database.Close(admin)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres opens a migrated database in a schema of its own (see
// PostgresURL), closed when the test ends.
func Postgres(t testing.TB) *gorm.DB {
	t.Helper()
	db, err := database.Open(PostgresURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	if err := database.Migrate(db); err != nil {
		t.Fatal(err)
	}
	return db
}

// EachDatabase runs test on SQLite and on Postgres (skipped, saying why,
// without TEST_DATABASE_URL).
func EachDatabase(t *testing.T, test func(t *testing.T, db *gorm.DB)) {
	t.Run("sqlite", func(t *testing.T) { test(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, Postgres(t)) })
}
