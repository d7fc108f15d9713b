package app_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"crumb/config"
	"crumb/database"
	"crumb/internal/apptest"
	"crumb/internal/shopper"
	"crumb/models"
)

var shipTo = models.Shipping{Name: "S", Phone: "5550100", Address1: "1 St", PostalCode: "10001", Country: "US"}

// placed is an order number and when its shopper was told it was placed.
type placed struct {
	number string
	at     time.Time
}

// TestBackupDrill is the restore drill: a backup taken while shoppers
// check out, restored into a shop of its own, holds every order
// acknowledged before the backup began, and its stock is the starting
// stock less every order it holds.
func TestBackupDrill(t *testing.T) {
	ctx := context.Background()
	live := apptest.New(t)
	if err := shopper.Restock(live.DB, 100000); err != nil {
		t.Fatal(err)
	}
	if err := live.Catalog.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	ledger, err := shopper.Snapshot(live.DB)
	if err != nil {
		t.Fatal(err)
	}
	products := ledger.Products()

	const shoppers = 4
	stop := make(chan struct{})
	var mu sync.Mutex
	var orders []placed
	var failures []error
	var wg sync.WaitGroup
	for i := range shoppers {
		u, err := live.Users.Create(ctx, "Shopper", fmt.Sprintf("s%d@example.com", i), apptest.Password)
		if err == nil {
			err = live.Users.MarkEmailVerified(ctx, u.ID, live.Clock.Now())
		}
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				err := live.Carts.User(u.ID).Add(ctx, products[rand.IntN(len(products))], 1+rand.IntN(3))
				var order models.Order
				if err == nil {
					order, _, err = live.Orders.Place(ctx, models.PlaceOrderInput{UserID: u.ID, Key: fmt.Sprintf("%d-%d", u.ID, n), Payment: models.PayOnDelivery, Shipping: shipTo})
				}
				mu.Lock()
				if err != nil {
					failures = append(failures, err)
				} else {
					orders = append(orders, placed{order.Number, time.Now()})
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}

	time.Sleep(300 * time.Millisecond)
	backup := filepath.Join(t.TempDir(), "drill.db")
	began := time.Now()
	if err := database.Backup(ctx, live.DB, backup); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if err := errors.Join(failures...); err != nil {
		t.Fatalf("checkouts failed: %v", err)
	}

	var before []string
	for _, o := range orders {
		if o.at.Before(began) {
			before = append(before, o.number)
		}
	}
	if len(before) == 0 || len(before) == len(orders) {
		t.Fatalf("%d of %d orders were placed before the backup began: the backup did not run during checkouts", len(before), len(orders))
	}

	data := t.TempDir()
	if _, err := database.Restore(ctx, filepath.Join(data, "crumb.db"), backup, time.Now()); err != nil {
		t.Fatal(err)
	}
	restored := apptest.New(t, apptest.WithConfig(func(cfg *config.Config) { cfg.DataDir = data }))
	inBackup, err := ledger.Check(restored.DB, before)
	if err != nil {
		t.Fatalf("the restored shop: %v", err)
	}
	t.Logf("%d orders acknowledged, %d before the backup began, %d in it", len(orders), len(before), inBackup)
	if inBackup < len(before) || inBackup > len(orders) {
		t.Errorf("the backup holds %d orders, want from %d to %d", inBackup, len(before), len(orders))
	}
}
