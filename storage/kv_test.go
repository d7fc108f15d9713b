package storage_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/secret"
	"crumb/storage"
)

// exerciseStorage checks the fiber.Storage contract sessions and rate
// limits rely on. advance moves the storage's clock (or waits for Redis).
func exerciseStorage(t *testing.T, s fiber.Storage, prefix string, advance func(time.Duration)) {
	t.Helper()
	key := func(k string) string { return prefix + k }
	if v, err := s.Get(key("missing")); err != nil || v != nil {
		t.Fatalf("missing key = %q, %v", v, err)
	}
	if err := s.Set(key("a"), []byte("one"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(key("a"), []byte("two"), 2*time.Second); err != nil { // overwrite
		t.Fatal(err)
	}
	if err := s.Set(key("forever"), []byte("kept"), 0); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get(key("a")); !bytes.Equal(v, []byte("two")) {
		t.Errorf("after overwrite: %q", v)
	}
	advance(3 * time.Second)
	if v, _ := s.Get(key("a")); v != nil {
		t.Errorf("expired key still reads %q", v)
	}
	if v, _ := s.Get(key("forever")); !bytes.Equal(v, []byte("kept")) {
		t.Errorf("key without expiry: %q", v)
	}
	if err := s.Delete(key("forever")); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get(key("forever")); v != nil {
		t.Errorf("deleted key reads %q", v)
	}
}

func TestDatabaseStorage(t *testing.T) {
	db := testkit.SQLite(t)
	clock := testkit.NewClock(testkit.Start)
	store := storage.NewKV(db, clock.Now)
	exerciseStorage(t, store, "", clock.Advance)

	_ = store.Set("stale", []byte("x"), time.Minute)
	_ = store.Set("fresh", []byte("y"), time.Hour)
	clock.Advance(2 * time.Minute)
	n, err := store.Sweep(context.Background())
	if err != nil || n != 2 { // "stale", and "a" from the contract checks
		t.Fatalf("sweep removed %d, %v; want the 2 expired entries", n, err)
	}
	var left int64
	db.Model(&storage.KVEntry{}).Count(&left)
	if left != 1 {
		t.Errorf("%d entries left, want 1", left)
	}
}

func TestRedisStorage(t *testing.T) {
	store, err := database.OpenRedis(testkit.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	exerciseStorage(t, store, "crumb-test:"+time.Now().Format("150405.000000")+":", time.Sleep)
	if _, err := database.OpenRedis("redis://127.0.0.1:1/0"); err == nil {
		t.Error("an unreachable Redis did not fail to open")
	}
}

// TestOneStatementReadsSeeTheCartAsItIs: the session and the app token's
// account are each read with the account's cart lines in one statement,
// on both databases: lines in product order, an empty cart as no lines,
// a change seen at the next read, an expired session and a missing
// account as nothing, and a session without its devices-page row as no
// one's cart.
func TestOneStatementReadsSeeTheCartAsItIs(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		kv := storage.NewKV(db, s.clock.Now)
		u := s.user(t, "one-statement-"+secret.Hex(4)+"@example.com")
		key := secret.Hash(secret.Hex(16))
		if err := kv.Set(key, []byte(`{"u":1}`), time.Hour); err != nil {
			t.Fatal(err)
		}
		if v, who, lines, err := kv.GetWithCart(ctx, key); err != nil || string(v) != `{"u":1}` || who != 0 || len(lines) != 0 {
			t.Errorf("a session without its devices-page row = %q, %d, %v, %v", v, who, lines, err)
		}
		if err := storage.NewWebSessions(db).Create(ctx, models.WebSession{KeyHash: key, UserID: u.ID, CreatedAt: s.clock.Now(), LastSeenAt: s.clock.Now(), ExpiresAt: s.clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		check := func(want []models.CartLine) {
			t.Helper()
			_, who, lines, err := kv.GetWithCart(ctx, key)
			if err != nil || who != u.ID || !slices.Equal(lines, want) {
				t.Errorf("session read = account %d, lines %v, %v; want %d, %v", who, lines, err, u.ID, want)
			}
			epoch, ok, lines, err := s.users.AppAccess(ctx, u.ID)
			if err != nil || !ok || epoch != u.TokenEpoch || !slices.Equal(lines, want) {
				t.Errorf("app access = %d, %v, lines %v, %v; want %d, true, %v", epoch, ok, lines, err, u.TokenEpoch, want)
			}
		}
		check([]models.CartLine{})
		croissant, baguette := s.product(t, "butter-croissant"), s.product(t, "baguette")
		cart := s.carts.User(u.ID)
		if err := cart.Add(ctx, croissant.ID, 2); err != nil {
			t.Fatal(err)
		}
		if err := cart.Add(ctx, baguette.ID, 1); err != nil {
			t.Fatal(err)
		}
		want := []models.CartLine{{ProductID: croissant.ID, Quantity: 2}, {ProductID: baguette.ID, Quantity: 1}}
		slices.SortFunc(want, func(a, b models.CartLine) int { return int(a.ProductID) - int(b.ProductID) })
		check(want)
		if err := s.carts.User(u.ID).Set(ctx, croissant.ID, 0); err != nil {
			t.Fatal(err)
		}
		check([]models.CartLine{{ProductID: baguette.ID, Quantity: 1}})

		if _, ok, lines, err := s.users.AppAccess(ctx, 987654); err != nil || ok || lines != nil {
			t.Errorf("a missing account = %v, %v, %v", ok, lines, err)
		}
		s.clock.Advance(2 * time.Hour)
		if v, _, lines, err := kv.GetWithCart(ctx, key); err != nil || v != nil || lines != nil {
			t.Errorf("an expired session = %q, %v, %v", v, lines, err)
		}
	})
}
