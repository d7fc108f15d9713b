package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/models"
)

var shipTo = models.Shipping{Name: "S", Phone: "5550100", Address1: "1 St", PostalCode: "10001", Country: "US"}

// TestNoOverselling fires 50 concurrent checkouts at the last 7 units of
// a product: exactly 7 succeed, the rest are told it is out of stock,
// stock ends at 0, and no one sees a database error.
func TestNoOverselling(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		const shoppers, stock = 50, 7
		cake := s.setStock(t, "carrot-cake", stock)
		users := make([]models.User, shoppers)
		for i := range users {
			users[i] = s.user(t, fmt.Sprintf("s%d@example.com", i))
			if err := s.carts.User(users[i].ID).Add(ctx, cake.ID, 1); err != nil {
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
				_, _, err := s.orders.Place(ctx, models.PlaceOrderInput{UserID: u.ID, Key: "k-" + u.Email, Payment: models.PayOnDelivery, Shipping: shipTo})
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
		cake = s.product(t, "carrot-cake")
		var orders int64
		db.Model(&models.Order{}).Count(&orders)
		if placed != stock || soldOut != shoppers-stock || cake.Stock != 0 || orders != stock {
			t.Errorf("placed %d, sold out %d, stock left %d, orders %d; want %d, %d, 0, %d", placed, soldOut, cake.Stock, orders, stock, shoppers-stock, stock)
		}
		if shown, _ := s.catalog.ProductBySlug("carrot-cake"); shown.Stock != 0 {
			t.Errorf("the catalog snapshot shows %d left after selling out", shown.Stock)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "kai@example.com")
		_ = s.carts.User(u.ID).Add(ctx, s.product(t, "baguette").ID, 2)
		in := models.PlaceOrderInput{UserID: u.ID, Key: "api:abc", RequestHash: "h1", Payment: models.PayOnDelivery, Shipping: shipTo}
		first, created, err := s.orders.Place(ctx, in)
		if err != nil || !created {
			t.Fatalf("first = %v, %v", created, err)
		}
		again, created, err := s.orders.Place(ctx, in)
		if err != nil || created || again.Number != first.Number {
			t.Errorf("retry = %s created %v err %v, want %s", again.Number, created, err, first.Number)
		}
		in.RequestHash = "h2"
		if _, _, err := s.orders.Place(ctx, in); !errors.Is(err, models.ErrIdempotencyConflict) {
			t.Errorf("same key, other request: %v", err)
		}
		in.Key = "api:other"
		if _, _, err := s.orders.Place(ctx, in); !errors.Is(err, models.ErrEmptyCart) {
			t.Errorf("new key with the cart already ordered: %v", err)
		}
	})
}

func TestPlaceReadsPricesAndStockAgain(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "lee@example.com")
		baguette, tart := s.product(t, "baguette"), s.product(t, "lemon-tart")
		cart := s.carts.User(u.ID)
		_ = cart.Add(ctx, baguette.ID, 2)
		_ = cart.Add(ctx, tart.ID, 3)
		s.setStock(t, "lemon-tart", 1)
		s.db.Model(&models.Product{}).Where("id = ?", baguette.ID).Update("price_amount", baguette.PriceAmount+50)
		in := models.PlaceOrderInput{UserID: u.ID, Key: "web:1", Payment: models.PayOnDelivery, Shipping: shipTo,
			Quote: map[uint]int64{baguette.ID: baguette.PriceAmount, tart.ID: tart.PriceAmount}}
		_, _, err := s.orders.Place(ctx, in)
		var conflict *models.CheckoutConflict
		if !errors.As(err, &conflict) || len(conflict.Lines) != 2 {
			t.Fatalf("Place = %v, want a conflict naming both lines", err)
		}
		if conflict.Lines[0].NewPrice.Amount != baguette.PriceAmount+50 || conflict.Lines[1].Available != 1 {
			t.Errorf("conflict = %+v", conflict.Lines)
		}
		if n, _ := cart.Count(ctx); n != 5 {
			t.Error("a refused checkout changed the cart")
		}
		if p := s.product(t, "lemon-tart"); p.Stock != 1 {
			t.Error("a refused checkout took stock")
		}
	})
}

func TestOrdersOfOneAccount(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		mia, noa := s.user(t, "mia@example.com"), s.user(t, "noa@example.com")
		baguette := s.product(t, "baguette")
		var numbers []string
		for i := range 12 {
			_ = s.carts.User(mia.ID).Add(ctx, baguette.ID, 1)
			o, _, err := s.orders.Place(ctx, models.PlaceOrderInput{UserID: mia.ID, Key: fmt.Sprint("k", i), Payment: models.PayByTransfer, Shipping: shipTo})
			if err != nil {
				t.Fatal(err)
			}
			numbers = append(numbers, o.Number)
		}
		page, err := s.orders.ListForUser(ctx, mia.ID, 2, 5)
		if err != nil || page.Total != 12 || page.Pages != 3 || len(page.Items) != 5 || page.Items[0].Number != numbers[6] {
			t.Errorf("page 2 of 5 = %+v, %v; want orders 7 to 3 (newest first)", page, err)
		}
		if clamped, _ := s.orders.ListForUser(ctx, mia.ID, 99, 5); clamped.Page != 3 || len(clamped.Items) != 2 {
			t.Errorf("page 99 = page %d with %d orders, want the last page", clamped.Page, len(clamped.Items))
		}
		if _, err := s.orders.ForUser(ctx, noa.ID, numbers[0]); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another account's order: %v, want ErrNotFound", err)
		}
		o, err := s.orders.ForUser(ctx, mia.ID, numbers[0])
		if err != nil || len(o.Lines) != 1 || o.TotalMoney().Amount != baguette.PriceAmount || o.Status != models.StatusPlaced {
			t.Errorf("order = %+v, %v", o, err)
		}
		// A number no order can have is not found, without a query that
		// Postgres would refuse (a NUL, bytes that are not UTF-8).
		for _, bad := range []string{numbers[0][:12] + "\x00", numbers[0][:12] + "\xff", "CR-" + numbers[0], strings.ToLower(numbers[0]), "' OR 1=1 --"} {
			_, err1 := s.orders.ForUser(ctx, mia.ID, bad)
			_, err2 := s.orders.ByNumber(ctx, bad)
			_, err3 := s.orders.Cancel(ctx, mia.ID, bad, s.clock.Now())
			_, _, err4 := s.orders.SetStatus(ctx, bad, models.StatusPaid, s.clock.Now())
			for _, err := range []error{err1, err2, err3, err4} {
				if !errors.Is(err, models.ErrNotFound) {
					t.Errorf("order %q: %v, want ErrNotFound", bad, err)
				}
			}
		}
	})
}

func TestCancelReturnsStock(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "ola@example.com")
		tart := s.setStock(t, "lemon-tart", 5)
		_ = s.carts.User(u.ID).Add(ctx, tart.ID, 3)
		o, _, err := s.orders.Place(ctx, models.PlaceOrderInput{UserID: u.ID, Key: "k", Payment: models.PayOnDelivery, Shipping: shipTo})
		if err != nil {
			t.Fatal(err)
		}
		if shown, _ := s.catalog.ProductBySlug("lemon-tart"); shown.Stock != 2 {
			t.Errorf("the snapshot shows %d after the order, want 2", shown.Stock)
		}
		at := testkit.Start.Add(time.Hour)
		cancelled, err := s.orders.Cancel(ctx, u.ID, o.Number, at)
		if err != nil || cancelled.Status != models.StatusCancelled || !cancelled.CancelledAt.Equal(at) {
			t.Fatalf("Cancel = %+v, %v", cancelled, err)
		}
		if p := s.product(t, "lemon-tart"); p.Stock != 5 {
			t.Errorf("stock after cancelling = %d, want 5", p.Stock)
		}
		if shown, _ := s.catalog.ProductBySlug("lemon-tart"); shown.Stock != 5 {
			t.Errorf("the snapshot shows %d after cancelling, want 5", shown.Stock)
		}
		if _, err := s.orders.Cancel(ctx, u.ID, o.Number, at); !errors.Is(err, models.ErrNotCancellable) {
			t.Errorf("cancelling twice: %v", err)
		}
		other := s.user(t, "pia@example.com")
		if _, err := s.orders.Cancel(ctx, other.ID, o.Number, at); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("cancelling another account's order: %v", err)
		}
	})
}

func TestSameKeyAtOnce(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "ida@example.com")
		_ = s.carts.User(u.ID).Add(ctx, s.product(t, "baguette").ID, 2)
		in := models.PlaceOrderInput{UserID: u.ID, Key: "api:double-tap", RequestHash: "h1", Payment: models.PayOnDelivery, Shipping: shipTo}
		const tries = 6
		numbers := make([]string, tries)
		errs := make([]error, tries)
		var created atomic.Int32
		var wg sync.WaitGroup
		for i := range tries {
			wg.Go(func() {
				o, made, err := s.orders.Place(ctx, in)
				numbers[i], errs[i] = o.Number, err
				if made {
					created.Add(1)
				}
			})
		}
		wg.Wait()
		var stored []string
		s.db.Model(&models.Order{}).Where("user_id = ?", u.ID).Pluck("number", &stored)
		if len(stored) != 1 {
			t.Fatalf("orders stored for one key: %v", stored)
		}
		for i := range tries {
			if errs[i] != nil || numbers[i] != stored[0] {
				t.Errorf("try %d: order %q, %v; want order %q", i, numbers[i], errs[i], stored[0])
			}
		}
		if created.Load() != 1 {
			t.Errorf("%d tries told they created the order", created.Load())
		}
	})
}
