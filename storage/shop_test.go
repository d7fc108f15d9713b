package storage_test

import (
	"context"
	"log/slog"
	"testing"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
)

// shop is every store of package storage on one database with the demo
// catalog.
type shop struct {
	db      *gorm.DB
	clock   *testkit.Clock
	catalog *storage.Catalog
	users   *storage.Users
	carts   *storage.Carts
	orders  *storage.Orders
	outbox  *storage.Outbox
	resets  *storage.PasswordResets
	verify  *storage.EmailVerifications
}

func newShop(t testing.TB, db *gorm.DB) shop {
	t.Helper()
	catalog, err := storage.NewCatalog(context.Background(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := database.Seed(context.Background(), catalog, "USD"); err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock(testkit.Start)
	users := storage.NewUsers(db, testkit.Passwords)
	carts := storage.NewCarts(db, catalog)
	outbox := storage.NewOutbox(db, clock.Now)
	return shop{db: db, clock: clock, catalog: catalog, users: users, carts: carts,
		orders: storage.NewOrders(db, catalog, carts, users, outbox, clock.Now), outbox: outbox,
		resets: storage.NewPasswordResets(db, users, outbox, clock.Now),
		verify: storage.NewEmailVerifications(db, users, outbox, clock.Now)}
}

// product is the seeded product with slug, as the database has it now.
func (s shop) product(t testing.TB, slug string) models.Product {
	t.Helper()
	var p models.Product
	if err := s.db.Where("slug = ?", slug).Take(&p).Error; err != nil {
		t.Fatalf("product %s: %v", slug, err)
	}
	return p
}

// setStock changes a product's stock behind the stores' backs, as another
// instance would, and reloads this one's snapshot.
func (s shop) setStock(t testing.TB, slug string, stock int) models.Product {
	t.Helper()
	if err := s.db.Model(&models.Product{}).Where("slug = ?", slug).Update("stock", stock).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.catalog.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s.product(t, slug)
}

// user is a new account whose email is verified: it may order.
func (s shop) user(t testing.TB, email string) models.User {
	t.Helper()
	u, err := s.users.Create(context.Background(), "Shopper", email, "rye-and-butter-42")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.users.MarkEmailVerified(context.Background(), u.ID, s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	u, err = s.users.ByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// code is the code of an InputError, or "".
func code(err error) models.Code {
	if ie, ok := err.(*models.InputError); ok {
		return ie.Code
	}
	return ""
}
