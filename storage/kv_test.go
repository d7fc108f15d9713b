package storage_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/database"
	"crumb/internal/testkit"
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
