package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
)

// BenchmarkReadFloor is what one statement costs on SQLite through
// database/sql, from nothing to what a signed-in page reads: a statement
// that touches no table, the session's row alone, and the session with
// its devices-page row, its account's cart and the cart's two lines
// (GetWithCart, what every signed-in page runs). Each load checks what it
// read before it is timed. The first two are the floor under any design
// that reads the database on every signed-in request.
func BenchmarkReadFloor(b *testing.B) {
	db := testkit.SQLite(b)
	s := newShop(b, db)
	ctx := context.Background()
	u := s.user(b, "floor@example.com")
	cart := s.carts.User(u.ID)
	for _, slug := range []string{"sourdough-loaf", "baguette"} {
		if err := cart.Add(ctx, s.product(b, slug).ID, 1); err != nil {
			b.Fatal(err)
		}
	}
	kv := storage.NewKV(db, time.Now)
	key := strings.Repeat("5e", 32)
	if err := kv.Set(key, make([]byte, 180), time.Hour); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	err := storage.NewWebSessions(db).Create(ctx, models.WebSession{KeyHash: key, UserID: u.ID, DeviceLabel: "bench", IP: "127.0.0.1",
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		b.Fatal(err)
	}
	one, err := sqlDB.Prepare("SELECT 1")
	if err != nil {
		b.Fatal(err)
	}
	row, err := sqlDB.Prepare("SELECT value FROM storage_entries WHERE storage_key = ?")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("no table", func(b *testing.B) {
		for b.Loop() {
			var n int
			if err := one.QueryRow().Scan(&n); err != nil || n != 1 {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("the session row", func(b *testing.B) {
		for b.Loop() {
			var value []byte
			if err := row.QueryRow(key).Scan(&value); err != nil || len(value) != 180 {
				b.Fatal(len(value), err)
			}
		}
	})
	b.Run("the session with its cart lines", func(b *testing.B) {
		for b.Loop() {
			value, id, lines, err := kv.GetWithCart(ctx, key)
			if err != nil || len(value) != 180 || id != u.ID || len(lines) != 2 {
				b.Fatal(len(value), id, lines, err)
			}
		}
	})
}
