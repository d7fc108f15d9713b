package database_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/secret"
	"crumb/storage"
)

// openPostgres opens and migrates the database at url, closed when the
// test ends.
func openPostgres(t *testing.T, url string) *gorm.DB {
	t.Helper()
	db, err := database.Open(url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	if err := database.Migrate(db); err != nil {
		t.Fatal(err)
	}
	return db
}

// withParam is raw with one more query parameter.
func withParam(t *testing.T, raw, key, value string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestCatalogChangesReachOtherInstances: a change one instance makes to
// the catalog reaches another instance's snapshot at once, through
// Postgres; a shop in another schema of the same database is not heard,
// nor an instance's own change (it has its snapshot already); and the
// listener comes back by itself after losing its connection.
func TestCatalogChangesReachOtherInstances(t *testing.T) {
	ctx := context.Background()
	shared := testkit.PostgresURL(t)
	dbA, dbB := openPostgres(t, shared), openPostgres(t, shared)
	log, logs := testkit.Logger()
	a, err := storage.NewCatalog(ctx, dbA, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := database.Seed(ctx, a, "USD"); err != nil {
		t.Fatal(err)
	}
	b, err := storage.NewCatalog(ctx, dbB, log)
	if err != nil {
		t.Fatal(err)
	}

	listenCtx, stop := context.WithCancel(ctx)
	name := "crumb-listen-test-" + secret.Hex(4)
	heard := make(chan struct{}, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		database.Listen(listenCtx, withParam(t, shared, "application_name", name), storage.CatalogChannel, b.Sender(), log, func(ctx context.Context) {
			if err := b.Reload(ctx); err != nil && ctx.Err() == nil {
				t.Errorf("reload: %v", err)
			}
			heard <- struct{}{}
		})
	}()
	t.Cleanup(func() { stop(); <-done })
	waitHeard := func(why string) {
		t.Helper()
		select {
		case <-heard:
		case <-time.After(5 * time.Second):
			t.Fatalf("nothing heard %s\n%s", why, logs.String())
		}
	}
	waitHeard("when the listener connected")

	setStock := func(db *gorm.DB, c *storage.Catalog, stock int) {
		t.Helper()
		if err := db.Model(&models.Product{}).Where("slug = ?", "baguette").Update("stock", stock).Error; err != nil {
			t.Fatal(err)
		}
		c.Changed(ctx)
	}
	stockIn := func(c *storage.Catalog) int {
		p, err := c.ProductBySlug("baguette")
		if err != nil {
			t.Fatal(err)
		}
		return p.Stock
	}
	// sees waits up to two seconds for b's snapshot to show stock.
	sees := func(stock int) bool {
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if stockIn(b) == stock {
				return true
			}
		}
		return false
	}

	start := time.Now()
	setStock(dbA, a, 3)
	if !sees(3) {
		t.Fatalf("the other instance still shows %d baguettes", stockIn(b))
	}
	t.Logf("heard in %v", time.Since(start))

	// Another shop in another schema of the same database.
	other := testkit.PostgresURL(t)
	dbC := openPostgres(t, other)
	c, err := storage.NewCatalog(ctx, dbC, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := database.Seed(ctx, c, "USD"); err != nil {
		t.Fatal(err)
	}
	for len(heard) > 0 {
		<-heard
	}
	setStock(dbC, c, 7)
	select {
	case <-heard:
		t.Error("a change in another schema reloaded this shop's snapshot")
	case <-time.After(500 * time.Millisecond):
	}

	// b's own change: b has reloaded already, and does not again.
	setStock(dbB, b, 9)
	select {
	case <-heard:
		t.Error("an instance's own change reloaded its snapshot a second time")
	case <-time.After(500 * time.Millisecond):
	}
	if stockIn(b) != 9 {
		t.Errorf("after its own change, the instance shows %d baguettes", stockIn(b))
	}

	// The listener's connection is cut: it reconnects, catches up, and
	// hears the next change.
	var cut int
	if err := dbA.Raw("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?", name).Scan(&cut).Error; err != nil || cut != 1 {
		t.Fatalf("terminated %d listening connections: %v", cut, err)
	}
	waitHeard("after reconnecting")
	if !strings.Contains(logs.String(), "reconnecting") {
		t.Errorf("the lost connection was not logged:\n%s", logs.String())
	}
	setStock(dbA, a, 5)
	if !sees(5) {
		t.Fatalf("after reconnecting, the other instance still shows %d baguettes", stockIn(b))
	}

	// An order placed on A, and its cancellation, are announced by their
	// own transactions.
	users := storage.NewUsers(dbA, testkit.Passwords)
	shopper, err := users.Create(ctx, "Ola", "ola@example.com", "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if err := dbA.Model(&models.User{}).Where("id = ?", shopper.ID).Update("email_verified_at", time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	carts := storage.NewCarts(dbA, a)
	orders := storage.NewOrders(dbA, a, carts, users, storage.NewOutbox(dbA, time.Now), time.Now)
	baguette, err := a.ProductBySlug("baguette")
	if err != nil {
		t.Fatal(err)
	}
	if err := carts.User(shopper.ID).Add(ctx, baguette.ID, 2); err != nil {
		t.Fatal(err)
	}
	order, created, err := orders.Place(ctx, models.PlaceOrderInput{UserID: shopper.ID, Key: "web:listen", Payment: models.PayOnDelivery,
		Shipping: models.Shipping{Name: "Ola", Phone: "5550100", Address1: "1 St", PostalCode: "10001", Country: "US"}})
	if err != nil || !created {
		t.Fatalf("place = %v, %v", created, err)
	}
	if !sees(3) {
		t.Fatalf("after an order of 2 on A, the other instance shows %d baguettes, want 3", stockIn(b))
	}
	if _, err := orders.Cancel(ctx, shopper.ID, order.Number, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !sees(5) {
		t.Fatalf("after the order was cancelled on A, the other instance shows %d baguettes, want 5", stockIn(b))
	}
}
