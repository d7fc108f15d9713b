package models_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/models"
)

// checkoutDB opens a migrated, seeded database: a SQLite file, or the
// Postgres at TEST_DATABASE_URL in a schema of its own.
func checkoutDB(t *testing.T, kind string) *gorm.DB {
	t.Helper()
	var db *gorm.DB
	var err error
	switch kind {
	case "sqlite":
		db, err = database.Open("", filepath.Join(t.TempDir(), "crumb.db"))
	case "postgres":
		url := os.Getenv("TEST_DATABASE_URL")
		if url == "" {
			t.Skip("TEST_DATABASE_URL not set: skipping the Postgres checkout test")
		}
		schema := fmt.Sprintf("checkout_%d", os.Getpid())
		admin, aerr := database.Open(url, "")
		if aerr != nil {
			t.Fatal(aerr)
		}
		admin.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE")
		if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			admin.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE")
			_ = database.Close(admin)
		})
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		db, err = database.Open(url+sep+"search_path="+schema, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	if err := database.Migrate(db); err != nil {
		t.Fatal(err)
	}
	if err := database.Seed(context.Background(), db, "USD"); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestNoOverselling fires 50 concurrent checkouts at the last 7 units of
// a product: exactly 7 succeed, the rest are told it is out of stock,
// stock ends at 0, and no one sees a database error.
func TestNoOverselling(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			db := checkoutDB(t, kind)
			ctx := context.Background()
			const shoppers, stock = 50, 7
			var cake models.Product
			db.Where("slug = ?", "carrot-cake").Take(&cake)
			db.Model(&cake).Update("stock", stock)
			users := make([]models.User, shoppers)
			for i := range users {
				u, err := models.CreateUser(ctx, db, "Shopper", fmt.Sprintf("s%d@example.com", i), "rye-and-butter-42", models.PasswordParams{Memory: 64, Time: 1, Threads: 1})
				if err != nil {
					t.Fatal(err)
				}
				users[i] = u
				if err := models.SaveUserCart(ctx, db, u.ID, []models.CartLine{{ProductID: cake.ID, Quantity: 1}}); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var placed, soldOut int
			var unexpected []error
			start := make(chan struct{})
			for _, u := range users {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, _, err := models.PlaceOrder(ctx, db, models.PlaceOrderInput{
						UserID: u.ID, Key: "k-" + u.Email, Payment: models.PayOnDelivery,
						Shipping: models.Shipping{Name: "S", Phone: "5550100", Address1: "1 St", PostalCode: "10001", Country: "US"},
					})
					var conflict *models.CheckoutConflict
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						placed++
					case errors.As(err, &conflict):
						soldOut++
					default:
						unexpected = append(unexpected, err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if len(unexpected) > 0 {
				t.Fatalf("%d checkouts failed unexpectedly, first: %v", len(unexpected), unexpected[0])
			}
			db.Take(&cake, cake.ID)
			var orders int64
			db.Model(&models.Order{}).Count(&orders)
			if placed != stock || soldOut != shoppers-stock || cake.Stock != 0 || orders != stock {
				t.Errorf("placed %d, sold out %d, stock left %d, orders %d; want %d, %d, 0, %d", placed, soldOut, cake.Stock, orders, stock, shoppers-stock, stock)
			}
		})
	}
}

func TestIdempotencyKey(t *testing.T) {
	db := checkoutDB(t, "sqlite")
	ctx := context.Background()
	u, _ := models.CreateUser(ctx, db, "Kai", "kai@example.com", "rye-and-butter-42", models.PasswordParams{Memory: 64, Time: 1, Threads: 1})
	var p models.Product
	db.Where("slug = ?", "baguette").Take(&p)
	_ = models.SaveUserCart(ctx, db, u.ID, []models.CartLine{{ProductID: p.ID, Quantity: 2}})
	in := models.PlaceOrderInput{
		UserID: u.ID, Key: "api:abc", RequestHash: "h1", Payment: models.PayOnDelivery,
		Shipping: models.Shipping{Name: "K", Phone: "5550100", Address1: "1 St", PostalCode: "1", Country: "US"},
	}
	first, created, err := models.PlaceOrder(ctx, db, in)
	if err != nil || !created {
		t.Fatalf("first = %v, %v", created, err)
	}
	again, created, err := models.PlaceOrder(ctx, db, in)
	if err != nil || created || again.Number != first.Number {
		t.Errorf("retry = %s created %v err %v, want %s", again.Number, created, err, first.Number)
	}
	in.RequestHash = "h2"
	if _, _, err := models.PlaceOrder(ctx, db, in); !errors.Is(err, models.ErrIdempotencyConflict) {
		t.Errorf("same key, other request: %v", err)
	}
	in.Key = "api:other"
	if _, _, err := models.PlaceOrder(ctx, db, in); !errors.Is(err, models.ErrEmptyCart) {
		t.Errorf("new key with the cart already ordered: %v", err)
	}
}
