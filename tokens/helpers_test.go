package tokens_test

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/models"
)

// clock is a settable clock that goroutines may read.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// migrateTokens creates the tables the refresh tokens need. (Done here
// until database.Migrate lists the refresh models.)
func migrateTokens(t *testing.T, db *gorm.DB) {
	t.Helper()
	if err := db.AutoMigrate(&models.User{}, &models.RefreshFamily{}, &models.RefreshToken{}); err != nil {
		t.Fatal(err)
	}
}

// newSQLite opens a migrated SQLite database in a temporary folder.
func newSQLite(t *testing.T) *gorm.DB {
	t.Helper()
	db, err := database.Open("", filepath.Join(t.TempDir(), "crumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	migrateTokens(t, db)
	return db
}

// newPostgres opens a migrated Postgres database in a schema of its own,
// dropped when the test ends. It skips the test without TEST_DATABASE_URL.
func newPostgres(t *testing.T) *gorm.DB {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("TEST_DATABASE_URL not set: set it to a postgres:// URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run this against Postgres")
	}
	admin, err := database.Open(base, "")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "crumb_tokens_test_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		_ = database.Close(admin)
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := database.Open(u.String(), "")
	t.Cleanup(func() {
		if db != nil {
			_ = database.Close(db)
		}
		if err := admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error; err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		_ = database.Close(admin)
	})
	if err != nil {
		t.Fatal(err)
	}
	migrateTokens(t, db)
	return db
}

// onEachDatabase runs test on SQLite and, when TEST_DATABASE_URL is set,
// on Postgres.
func onEachDatabase(t *testing.T, test func(t *testing.T, db *gorm.DB)) {
	t.Run("sqlite", func(t *testing.T) { test(t, newSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, newPostgres(t)) })
}

// newUser creates an account to hang tokens on.
func newUser(t *testing.T, db *gorm.DB, email string) uint {
	t.Helper()
	u := models.User{Name: "Test Baker", Email: email, PasswordHash: "not-a-hash"}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	return u.ID
}
