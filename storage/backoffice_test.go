package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/assets"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/public"
	"crumb/storage"
)

func TestParsePrice(t *testing.T) {
	for _, tt := range []struct {
		in, currency string
		want         int64
		ok           bool
	}{
		{"4.50", "USD", 450, true}, {"4.5", "USD", 450, true}, {"4", "USD", 400, true}, {" 1,234.05 ", "USD", 123405, true},
		{"0.01", "USD", 1, true}, {"100000.00", "USD", models.MaxPrice, true},
		{"4.505", "USD", 0, false}, {"-4", "USD", 0, false}, {"0", "USD", 0, false}, {"4.", "USD", 0, false}, {".5", "USD", 0, false},
		{"four", "USD", 0, false}, {"", "USD", 0, false}, {"1e3", "USD", 0, false}, {"100000.01", "USD", 0, false},
		{"99999999999999999999", "USD", 0, false},
		{"4500", "KRW", 4500, true}, {"4,500", "KRW", 4500, true}, {"4500.5", "KRW", 0, false},
	} {
		got, err := models.ParsePrice(tt.in, tt.currency)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParsePrice(%q, %s) = %d, %v", tt.in, tt.currency, got, err)
		}
		if tt.ok {
			if back, _ := models.ParsePrice(models.FormatPrice(got, tt.currency), tt.currency); back != got {
				t.Errorf("FormatPrice(%d) does not read back", got)
			}
		}
	}
}

func TestEditingProducts(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		cakes, _ := s.catalog.Category("cakes")
		change, errs := s.catalog.CheckProduct(models.ProductForm{Name: " Opera ", Slug: "opera", Price: "32.5", Stock: "6", CategoryID: cakes.ID, Published: true}, "USD")
		if len(errs) != 0 || change.PriceAmount != 3250 || change.Name != "Opera" {
			t.Fatalf("a good form: %+v %v", change, errs)
		}
		_, errs = s.catalog.CheckProduct(models.ProductForm{Name: "", Slug: "Bad Slug", Price: "x", Stock: "-1", CategoryID: 9999}, "USD")
		for _, field := range []string{"name", "slug", "price", "stock", "category"} {
			if _, ok := errs[field]; !ok {
				t.Errorf("a bad %s passed", field)
			}
		}
		change.Image = "uploads/" + fmt.Sprintf("%064x", 1) + ".png"
		p, err := s.catalog.Create(ctx, change, "USD")
		if err != nil {
			t.Fatal(err)
		}
		if shown, err := s.catalog.ProductBySlug("opera"); err != nil || shown.Stock != 6 {
			t.Errorf("the snapshot lacks the new product: %v", err)
		}
		if _, err := s.catalog.Create(ctx, change, "USD"); !errors.Is(err, models.ErrSlugTaken) {
			t.Errorf("a second product with the slug: %v", err)
		}
		// A checkout takes 2 while the form, which showed 6, is open.
		ok, err := takeStock(s, p.ID, 2)
		if err != nil || !ok {
			t.Fatal(err)
		}
		change.Stock = 10
		if _, _, err := s.catalog.Update(ctx, p.ID, change, 6); !errors.Is(err, models.ErrStockChanged) {
			t.Errorf("stock typed over a checkout: %v", err)
		}
		change.Stock, change.PriceAmount = 4, 3300 // the stock as shown now, a new price
		before, after, err := s.catalog.Update(ctx, p.ID, change, 4)
		if err != nil || before.PriceAmount != 3250 || after.PriceAmount != 3300 || after.Stock != 4 || after.Image != change.Image {
			t.Errorf("update = %+v -> %+v, %v", before, after, err)
		}
		change.Image = "" // keeps the current picture
		if _, after, _ := s.catalog.Update(ctx, p.ID, change, 4); after.Image == "" {
			t.Error("an update without a picture dropped it")
		}
		if b, a, err := s.catalog.AdjustStock(ctx, p.ID, 12); err != nil || b != 4 || a != 16 {
			t.Errorf("+12 = %d -> %d, %v", b, a, err)
		}
		if _, _, err := s.catalog.AdjustStock(ctx, p.ID, -17); !errors.Is(err, models.ErrStockChanged) {
			t.Errorf("-17 of 16: %v", err)
		}
		if _, _, err := s.catalog.AdjustStock(ctx, 999999, 1); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("no such product: %v", err)
		}
		change.Published = false
		if _, _, err := s.catalog.Update(ctx, p.ID, change, 16); err != nil {
			t.Fatal(err)
		}
		if _, err := s.catalog.ProductBySlug("opera"); !errors.Is(err, models.ErrNotFound) {
			t.Error("an unpublished product is still in the snapshot")
		}
		page, err := s.catalog.Products(ctx, models.AdminQuery{Q: "OPERA"})
		if err != nil || page.Total != 1 || page.Items[0].Published || page.Items[0].Category.Slug != "cakes" {
			t.Errorf("the back office's search = %+v, %v", page, err)
		}
		s.setStock(t, "baguette", 0)
		if sold, _ := s.catalog.Products(ctx, models.AdminQuery{SoldOut: true}); sold.Total != 1 || sold.Items[0].Slug != "baguette" {
			t.Errorf("sold out = %+v", sold.Items)
		}
		low, _ := s.catalog.LowStock(ctx, 5)
		if len(low) == 0 || low[0].Slug != "baguette" {
			t.Errorf("low stock = %v", low)
		}
	})
}

// takeStock sells qty of a product the way a checkout does.
func takeStock(s shop, id uint, qty int) (bool, error) {
	res := s.db.Model(&models.Product{}).Where("id = ? AND stock >= ?", id, qty).Update("stock", gorm.Expr("stock - ?", qty))
	return res.RowsAffected == 1, res.Error
}

// TestStockAdjustmentsRaceCheckouts: adjustments after bakes and
// checkouts at the same moment: nothing is lost or sold twice.
func TestStockAdjustmentsRaceCheckouts(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		const start, shoppers, bakes = 10, 30, 10
		cake := s.setStock(t, "carrot-cake", start)
		users := make([]models.User, shoppers)
		for i := range users {
			users[i] = s.user(t, fmt.Sprintf("r%d@example.com", i))
			if err := s.carts.User(users[i].ID).Add(ctx, cake.ID, 1); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		var sold atomic.Int64
		errs := make(chan error, shoppers+bakes)
		begin := make(chan struct{})
		for _, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-begin
				_, _, err := s.orders.Place(ctx, models.PlaceOrderInput{UserID: u.ID, Key: "k", Payment: models.PayOnDelivery, Shipping: shipTo})
				var conflict *models.CheckoutConflict
				switch {
				case err == nil:
					sold.Add(1)
				case !errors.As(err, &conflict):
					errs <- err
				}
			}()
		}
		for range bakes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-begin
				if _, _, err := s.catalog.AdjustStock(ctx, cake.ID, 2); err != nil {
					errs <- err
				}
			}()
		}
		close(begin)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("unexpected: %v", err)
		}
		left := s.product(t, "carrot-cake").Stock
		if left < 0 || int64(left) != start+2*bakes-sold.Load() {
			t.Errorf("stock %d after selling %d and baking %d, want %d", left, sold.Load(), 2*bakes, start+2*bakes-sold.Load())
		}
		var orders int64
		db.Model(&models.Order{}).Count(&orders)
		if orders != sold.Load() {
			t.Errorf("%d orders for %d sold", orders, sold.Load())
		}
	})
}

func TestOrderStatuses(t *testing.T) {
	for from, tos := range map[string][]string{
		models.StatusPlaced: {models.StatusPaid, models.StatusCancelled}, models.StatusPaid: {models.StatusShipped, models.StatusCancelled},
		models.StatusShipped: {models.StatusDelivered}, models.StatusDelivered: nil, models.StatusCancelled: nil,
	} {
		if got := models.Moves(from); fmt.Sprint(got) != fmt.Sprint(tos) {
			t.Errorf("Moves(%s) = %v, want %v", from, got, tos)
		}
	}
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "st@example.com")
		tart := s.setStock(t, "lemon-tart", 5)
		_ = s.carts.User(u.ID).Add(ctx, tart.ID, 2)
		o, _, err := s.orders.Place(ctx, models.PlaceOrderInput{UserID: u.ID, Key: "k", Payment: models.PayOnDelivery, Shipping: shipTo})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.orders.SetStatus(ctx, o.Number, models.StatusShipped, testkit.Start); !errors.Is(err, models.ErrIllegalMove) {
			t.Errorf("placed -> shipped: %v", err)
		}
		if _, _, err := s.orders.SetStatus(ctx, "CR-NOSUCHONE", models.StatusPaid, testkit.Start); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("no such order: %v", err)
		}
		// Two admins mark it paid at once: one wins, the other is told.
		var wg sync.WaitGroup
		var won, refused atomic.Int32
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := s.orders.SetStatus(ctx, o.Number, models.StatusPaid, testkit.Start)
				switch {
				case err == nil:
					won.Add(1)
				case errors.Is(err, models.ErrIllegalMove):
					refused.Add(1)
				default:
					t.Errorf("unexpected: %v", err)
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 || refused.Load() != 1 {
			t.Errorf("won %d, refused %d", won.Load(), refused.Load())
		}
		at := testkit.Start.Add(time.Hour)
		before, after, err := s.orders.SetStatus(ctx, o.Number, models.StatusCancelled, at)
		if err != nil || before.Status != models.StatusPaid || after.Status != models.StatusCancelled || !after.CancelledAt.Equal(at) {
			t.Fatalf("paid -> cancelled = %s -> %s, %v", before.Status, after.Status, err)
		}
		if s.product(t, "lemon-tart").Stock != 5 {
			t.Error("cancelling did not return the stock")
		}
		page, _ := s.orders.List(ctx, models.StatusCancelled, 1)
		if page.Total != 1 || page.Items[0].Number != o.Number {
			t.Errorf("cancelled orders = %+v", page.Items)
		}
		if all, _ := s.orders.List(ctx, "", 1); all.Total != 1 {
			t.Errorf("all orders = %d", all.Total)
		}
	})
}

func TestDaySummary(t *testing.T) {
	s := newShop(t, testkit.SQLite(t))
	ctx := context.Background()
	clock, orders := s.clock, s.orders
	place := func(email string, qty int) models.Order {
		u := s.user(t, email)
		_ = s.carts.User(u.ID).Add(ctx, s.product(t, "baguette").ID, qty)
		o, _, err := orders.Place(ctx, models.PlaceOrderInput{UserID: u.ID, Key: "k", Payment: models.PayOnDelivery, Shipping: shipTo})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	place("yesterday@example.com", 1)
	clock.Advance(24 * time.Hour)
	place("a@example.com", 2)
	gone := place("b@example.com", 3)
	if _, _, err := orders.SetStatus(ctx, gone.Number, models.StatusCancelled, clock.Now()); err != nil {
		t.Fatal(err)
	}
	paid := place("c@example.com", 1)
	_, _, _ = orders.SetStatus(ctx, paid.Number, models.StatusPaid, clock.Now())
	day := clock.Now().Truncate(24 * time.Hour)
	sum, err := orders.Summary(ctx, day, day.Add(24*time.Hour))
	if err != nil || sum.Placed != 3 || sum.Total != 3*350 || sum.Waiting[models.StatusPlaced] != 2 || sum.Waiting[models.StatusPaid] != 1 {
		t.Errorf("summary = %+v, %v; want 3 placed today worth $10.50 (the cancelled one left out), 2 placed and 1 paid waiting", sum, err)
	}
}

func TestImages(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		images := storage.NewImages(db)
		ctx := context.Background()
		var buf bytes.Buffer
		_ = png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 2, 2)))
		name, err := images.Put(ctx, buf.Bytes())
		if err != nil || len(name) != len("uploads/")+64+len(".png") {
			t.Fatalf("Put = %q, %v", name, err)
		}
		if again, _ := images.Put(ctx, buf.Bytes()); again != name {
			t.Error("the same picture got another name")
		}
		img, err := images.Get(ctx, name)
		if err != nil || !bytes.Equal(img.Data, buf.Bytes()) || img.ContentType != "image/png" {
			t.Errorf("Get = %v", err)
		}
		for _, bad := range []string{name[:len(name)-4] + ".svg", "uploads/x.png", "img/logo.svg", name + "x"} {
			if _, err := images.Get(ctx, bad); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("Get(%q): %v", bad, err)
			}
		}
		for what, data := range map[string][]byte{
			"text": []byte("hello"), "html": []byte("<html><body>hi</body></html>"), "svg inside html": []byte("<html><svg></svg></html>"),
			"too big": make([]byte, models.MaxImageBytes+1),
		} {
			if _, err := images.Put(ctx, data); code(err) != models.CodeImageType && code(err) != models.CodeImageSize {
				t.Errorf("%s: %v", what, err)
			}
		}
		if models.ImageType([]byte(`<?xml version="1.0"?><!-- a logo --><svg xmlns="http://www.w3.org/2000/svg"/>`)) != "image/svg+xml" {
			t.Error("an SVG with a prolog and a comment is not an SVG")
		}
		// A product form may name the picture just kept, or one the shop
		// ships for its products; nothing else.
		static, err := assets.New(public.FS)
		if err != nil {
			t.Fatal(err)
		}
		for _, ok := range []string{name, models.ShippedPictures + "baguette.svg"} {
			if err := images.CheckPicture(ctx, ok, static); err != nil {
				t.Errorf("CheckPicture(%q): %v", ok, err)
			}
		}
		for _, bad := range []string{name[:len(name)-4] + ".svg", models.ImagePrefix + strings.Repeat("0", 64) + ".png", strings.ToUpper(name), name + "\x00", "uploads/../../account/security",
			"uploads/" + strings.Repeat("a", 300), "img/logo.svg", "img/products/../logo.svg", "img/products/none.svg", "/" + models.ShippedPictures + "baguette.svg", "\xff"} {
			if err := images.CheckPicture(ctx, bad, static); code(err) != models.CodeImageUnknown {
				t.Errorf("CheckPicture(%q): %v", bad, err)
			}
		}
	})
}

func TestAuditLog(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		audit := storage.NewAudit(db)
		ctx := context.Background()
		for i := range 60 {
			by := models.Actor{ID: 1, Email: "owner@crumb.test", IP: "192.0.2.1", At: testkit.Start.Add(time.Duration(i) * time.Minute)}
			e := models.AuditEntry{Action: "product.stock", SubjectType: "product", SubjectID: fmt.Sprint(i % 2), Before: fmt.Sprint(i), After: fmt.Sprint(i + 1)}
			if err := audit.Do(ctx, by, func(context.Context) (models.AuditEntry, error) { return e, nil }); err != nil {
				t.Fatal(err)
			}
		}
		page, err := audit.List(ctx, "", "", 1)
		if err != nil || page.Total != 60 || len(page.Items) != 50 || page.Items[0].Before != "59" || page.Pages != 2 {
			t.Errorf("page 1 = %d of %d, first %q, %v", len(page.Items), page.Total, page.Items[0].Before, err)
		}
		one, _ := audit.List(ctx, "product", "1", 1)
		if one.Total != 30 {
			t.Errorf("one record's entries = %d, want 30", one.Total)
		}
	})
}

func TestAccountsInTheBackOffice(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		users := storage.NewUsers(db, testkit.Passwords)
		u, _ := users.Create(ctx, "Yan", "yan@example.com", "rye-and-butter-42")
		if _, err := users.SetRole(ctx, "nobody@example.com", models.RoleAdmin); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("granting no one: %v", err)
		}
		if got, err := users.SetRole(ctx, "yan@example.com", models.RoleAdmin); err != nil || !got.IsAdmin() {
			t.Errorf("grant = %+v, %v", got, err)
		}
		now := testkit.Start
		if changed, _ := users.SetDisabled(ctx, u.ID, &now); !changed {
			t.Error("disable changed nothing")
		}
		if changed, _ := users.SetDisabled(ctx, u.ID, &now); changed {
			t.Error("disabling twice changed something")
		}
		got, _ := users.ByID(ctx, u.ID)
		if !got.Disabled() || got.IsAdmin() {
			t.Errorf("a disabled admin: disabled %v, admin %v", got.Disabled(), got.IsAdmin())
		}
		if _, err := users.Authenticate(ctx, "yan@example.com", "rye-and-butter-42"); !errors.Is(err, models.ErrDisabled) {
			t.Errorf("signing in disabled: %v", err)
		}
		if _, err := users.Authenticate(ctx, "yan@example.com", "wrong-password-1"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a wrong password for a disabled account: %v", err)
		}
		_, _ = users.SetDisabled(ctx, u.ID, nil)
		if _, err := users.Authenticate(ctx, "yan@example.com", "rye-and-butter-42"); err != nil {
			t.Errorf("after enabling: %v", err)
		}
		if err := users.SignOutApps(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := users.ByID(ctx, u.ID); got.TokenEpoch != u.TokenEpoch+1 {
			t.Errorf("token epoch %d, want %d", got.TokenEpoch, u.TokenEpoch+1)
		}
	})
}
