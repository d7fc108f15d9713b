package soak_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"crumb/internal/shopper"
	"crumb/internal/testkit"
)

// TestCrashDuringCheckout kills the server with SIGKILL while shoppers
// are checking out, restarts it on the same data, and checks what
// survived: the database is intact, every order a shopper was told about
// is there, each product's stock is its starting stock minus what the
// stored orders hold, and a signed-in browser and a remembered device are
// still signed in. On SQLite and on Postgres.
func TestCrashDuringCheckout(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { crashDuringCheckout(t, newServer(t)) })
	t.Run("postgres", func(t *testing.T) {
		crashDuringCheckout(t, newServer(t, "DATABASE_URL="+testkit.PostgresURL(t)))
	})
}

func crashDuringCheckout(t *testing.T, srv *server) {
	db := srv.DB()
	if err := shopper.Restock(db, 100_000); err != nil {
		t.Fatal(err)
	}
	ledger, err := shopper.Snapshot(db)
	if err != nil {
		t.Fatal(err)
	}

	// A browser signed in for this browser session, and a device kept
	// signed in by a remember-me cookie, both from before the crash.
	client := shopper.Client(4)
	sessionOnly := shopper.New(srv.Base, client, nil)
	if err := sessionOnly.SignUp("Session Sam", "sam@soak.test", false); err != nil {
		t.Fatal(err)
	}
	remembered := shopper.New(srv.Base, client, nil)
	if err := remembered.SignUp("Remembered Rita", "rita@soak.test", true); err != nil {
		t.Fatal(err)
	}

	buyers, err := shopper.SignUpMany(srv.Base, 16, "crash", nil, srv.Mailbox(db))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan shopper.Bought)
	go func() { done <- shopper.Buy(ctx, buyers, ledger.Products()) }()
	// Checkouts under way; then no new ones start, and those in flight die
	// with the server.
	time.Sleep(max(duration(t, 0)/4, 2*time.Second))
	cancel()
	srv.kill()
	bought := <-done
	if len(bought.Errors) > 0 {
		t.Fatalf("checkouts failed before the crash: %v", errors.Join(bought.Errors...))
	}
	if len(bought.Orders) == 0 {
		t.Fatal("no order was placed before the crash")
	}

	if srv.DBURL == "" {
		var check string
		if err := db.Raw("PRAGMA integrity_check").Scan(&check).Error; err != nil || check != "ok" {
			t.Fatalf("PRAGMA integrity_check after the crash = %q, %v", check, err)
		}
	}
	var orphans int64
	if err := db.Raw(`SELECT (SELECT COUNT(*) FROM order_lines WHERE order_id NOT IN (SELECT id FROM orders)) +
		(SELECT COUNT(*) FROM orders WHERE id NOT IN (SELECT order_id FROM order_lines))`).Scan(&orphans).Error; err != nil || orphans != 0 {
		t.Errorf("%d order lines without an order or orders without lines after the crash (%v)", orphans, err)
	}

	srv.start()
	placed, err := ledger.Check(db, bought.Orders)
	if err != nil {
		t.Error(err)
	}
	t.Logf("%d orders acknowledged before SIGKILL, %d in the database after restart", len(bought.Orders), placed)

	if ok, err := sessionOnly.SignedInAs("Session Sam"); err != nil || !ok {
		t.Errorf("the signed-in browser is signed out after the restart (%v)", err)
	}
	remembered.CloseBrowser()
	if ok, err := remembered.SignedInAs("Remembered Rita"); err != nil || !ok {
		t.Errorf("the remembered device is not signed back in after the restart (%v)", err)
	}
	if err := buyers[0].AddToCart(ledger.Products()[0], 1); err != nil {
		t.Fatal(err)
	}
	if _, err := buyers[0].Checkout(); err != nil {
		t.Errorf("checkout after the restart: %v", err)
	}
	if errs := srv.ServerErrors(); errs != "" {
		t.Errorf("the server logged errors after the restart:\n%s", errs)
	}
}
