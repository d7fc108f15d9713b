package soak_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crumb/internal/shopper"
)

// TestBackupDrill is the drill an operator runs, against the real binary:
// `crumb backup` while shoppers check out, `crumb restore` into a fresh
// data folder, and a shop started on it. Every order the shop had stored
// when the backup began is in the restored shop, its stock agrees with
// its orders, and it takes orders. The load lasts SOAK_DURATION in make
// soak, seconds in make test.
func TestBackupDrill(t *testing.T) {
	srv := newServer(t)
	db := srv.DB()
	if err := shopper.Restock(db, 100_000); err != nil {
		t.Fatal(err)
	}
	ledger, err := shopper.Snapshot(db)
	if err != nil {
		t.Fatal(err)
	}
	buyers, err := shopper.SignUpMany(srv.Base, 8, "drill", nil, srv.Mailbox(db))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan shopper.Bought)
	go func() { done <- shopper.Buy(ctx, buyers, ledger.Products()) }()
	load := max(duration(t, 0)/2, 1500*time.Millisecond)
	time.Sleep(load)

	// What the shop has stored when the backup begins: at least every
	// order acknowledged by then.
	var stored []string
	if err := db.Raw("SELECT number FROM orders WHERE id > ?", ledger.LastOrder).Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "crumb-drill.db")
	if out, err := crumb(srv, "backup", backup); err != nil {
		t.Fatalf("crumb backup during checkouts: %v\n%s", err, out)
	}
	time.Sleep(load / 2)
	cancel()
	bought := <-done
	if len(bought.Errors) > 0 {
		t.Fatalf("checkouts failed: %v", errors.Join(bought.Errors...))
	}
	if len(stored) == 0 || len(stored) >= len(bought.Orders) {
		t.Fatalf("%d orders stored when the backup began, %d acknowledged in all: the backup did not run during checkouts", len(stored), len(bought.Orders))
	}
	srv.kill()

	fresh := &server{t: t, bin: srv.bin, dir: t.TempDir(), Base: srv.Base}
	fresh.env = append(append([]string{}, srv.env...), "DATA_DIR="+filepath.Join(fresh.dir, "data"))
	if out, err := crumb(fresh, "restore", backup); err != nil {
		t.Fatalf("crumb restore into a fresh data folder: %v\n%s", err, out)
	}
	fresh.start()
	t.Cleanup(fresh.kill)
	placed, err := ledger.Check(fresh.DB(), stored)
	if err != nil {
		t.Errorf("the restored shop: %v", err)
	}
	t.Logf("%d orders acknowledged, %d stored when the backup began, %d in the restored shop", len(bought.Orders), len(stored), placed)
	if err := buyers[0].AddToCart(ledger.Products()[0], 1); err != nil {
		t.Fatal(err)
	}
	if _, err := buyers[0].Checkout(); err != nil {
		t.Errorf("checkout on the restored shop: %v", err)
	}
	if errs := fresh.ServerErrors(); errs != "" {
		t.Errorf("the restored shop logged errors:\n%s", errs)
	}
}

// crumb runs one of the binary's commands with the server's settings.
func crumb(s *server, args ...string) (string, error) {
	cmd := exec.Command(s.bin, args...)
	cmd.Dir, cmd.Env = s.dir, s.env
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
