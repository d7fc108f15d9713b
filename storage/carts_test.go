package storage_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
)

// memCart keeps lines in memory: a cart kept anywhere but the database.
type memCart struct{ lines []models.CartLine }

func (m *memCart) Lines(context.Context) ([]models.CartLine, error) { return m.lines, nil }
func (m *memCart) Save(_ context.Context, lines []models.CartLine) error {
	m.lines = lines
	return nil
}

func TestCartRules(t *testing.T) {
	s := newShop(t, testkit.SQLite(t))
	ctx := context.Background()
	baguette := s.product(t, "baguette")
	cake := s.setStock(t, "carrot-cake", 3)
	gone := s.product(t, "rye-bread")
	s.db.Model(&models.Product{}).Where("id = ?", gone.ID).Update("published", false)

	store := &memCart{}
	cart := s.carts.Of(store)
	if err := cart.Add(ctx, baguette.ID, 2); err != nil {
		t.Fatal(err)
	}
	if err := cart.Add(ctx, baguette.ID, 3); err != nil {
		t.Fatal(err)
	}
	if n, _ := cart.Count(ctx); n != 5 {
		t.Errorf("count = %d, want 5 (adding sums)", n)
	}
	tests := []struct {
		name string
		do   func() error
		code models.Code
	}{
		{"more than in stock", func() error { return cart.Add(ctx, cake.ID, 4) }, models.CodeStockShort},
		{"more than a line holds", func() error { return cart.Add(ctx, baguette.ID, 95) }, models.CodeLineTooMany},
		{"a quantity of 0", func() error { return cart.Add(ctx, baguette.ID, 0) }, models.CodeQuantityInvalid},
		{"a quantity over 99", func() error { return cart.Set(ctx, baguette.ID, 100) }, models.CodeQuantityInvalid},
		{"a product no longer sold", func() error { return cart.Add(ctx, gone.ID, 1) }, models.CodeProductGone},
		{"a product that never was", func() error { return cart.Set(ctx, 999999, 1) }, models.CodeProductGone},
	}
	for _, tt := range tests {
		before := append([]models.CartLine(nil), store.lines...)
		if err := tt.do(); code(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
		if len(store.lines) != len(before) || store.lines[0] != before[0] {
			t.Errorf("%s changed the cart", tt.name)
		}
	}
	if err := cart.Set(ctx, cake.ID, 3); err != nil {
		t.Fatal(err)
	}
	s.setStock(t, "carrot-cake", 0)
	if err := cart.Set(ctx, cake.ID, 1); code(err) != models.CodeSoldOut {
		t.Errorf("setting a sold-out product: %v", err)
	}
	// A line of a product no longer sold can still be removed (in a later
	// request: a Cart keeps the lines it read).
	store.lines = append(store.lines, models.CartLine{ProductID: gone.ID, Quantity: 1})
	if err := s.carts.Of(store).Set(ctx, gone.ID, 0); err != nil {
		t.Errorf("removing a product no longer sold: %v", err)
	}
	if len(store.lines) != 2 {
		t.Errorf("lines = %v", store.lines)
	}
}

func TestCartIsFull(t *testing.T) {
	s := newShop(t, testkit.SQLite(t))
	ctx := context.Background()
	var ids []uint
	s.db.Model(&models.Product{}).Order("id").Pluck("id", &ids)
	store := &memCart{}
	for i := range models.MaxCartLines {
		store.lines = append(store.lines, models.CartLine{ProductID: uint(100000 + i), Quantity: 1})
	}
	if err := s.carts.Of(store).Add(ctx, ids[0], 1); code(err) != models.CodeCartFull {
		t.Errorf("a new line in a full cart: %v", err)
	}
}

func TestPricedFromTheSnapshot(t *testing.T) {
	s := newShop(t, testkit.SQLite(t))
	ctx := context.Background()
	baguette, croissant := s.product(t, "baguette"), s.product(t, "butter-croissant")
	tart := s.setStock(t, "lemon-tart", 2)
	cake := s.setStock(t, "carrot-cake", 0)
	store := &memCart{lines: []models.CartLine{
		{ProductID: baguette.ID, Quantity: 2}, {ProductID: croissant.ID, Quantity: 1},
		{ProductID: tart.ID, Quantity: 5}, {ProductID: cake.ID, Quantity: 1}, {ProductID: 999999, Quantity: 1},
	}}
	priced, err := s.carts.Of(store).Priced(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := baguette.PriceAmount*2 + croissant.PriceAmount + tart.PriceAmount*2
	if len(priced.Lines) != 3 || priced.Count != 5 || priced.Subtotal.Amount != want || priced.Subtotal.Currency != "USD" {
		t.Errorf("priced = %d lines, %d items, %v; want 3, 5, %d", len(priced.Lines), priced.Count, priced.Subtotal, want)
	}
	var codes []models.Code
	for _, n := range priced.Notices {
		codes = append(codes, n.Code)
	}
	if len(codes) != 3 || codes[0] != models.CodeNoticeReduced || codes[1] != models.CodeNoticeSoldOut || codes[2] != models.CodeNoticeGone {
		t.Errorf("notices = %v", codes)
	}
	if len(store.lines) != 5 {
		t.Error("pricing changed the saved lines")
	}
}

func TestMerge(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "merge@example.com")
		baguette, tart := s.product(t, "baguette"), s.setStock(t, "lemon-tart", 4)
		gone := s.product(t, "rye-bread")
		s.db.Model(&models.Product{}).Where("id = ?", gone.ID).Update("published", false)
		cart := s.carts.User(u.ID)
		if err := cart.Add(ctx, tart.ID, 3); err != nil {
			t.Fatal(err)
		}
		added, err := cart.Merge(ctx, []models.CartLine{
			{ProductID: tart.ID, Quantity: 3}, {ProductID: baguette.ID, Quantity: 2}, {ProductID: gone.ID, Quantity: 1},
		})
		if err != nil || added != 3 {
			t.Fatalf("merge = %d, %v; want 3 (1 tart up to the stock of 4, 2 baguettes, nothing no longer sold)", added, err)
		}
		lines, _ := s.carts.User(u.ID).Lines(ctx) // as stored
		if len(lines) != 2 || lines[0].ProductID != baguette.ID || lines[0].Quantity != 2 || lines[1].Quantity != 4 {
			t.Errorf("lines after merge = %v", lines)
		}
		if added, _ := cart.Merge(ctx, nil); added != 0 {
			t.Error("merging nothing added something")
		}
	})
}

func TestStoredCarts(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		ann, bob := s.user(t, "ann@example.com"), s.user(t, "bob@example.com")
		p := s.product(t, "baguette")
		if err := s.carts.User(ann.ID).Add(ctx, p.ID, 2); err != nil {
			t.Fatal(err)
		}
		guest := s.carts.Guest("0123456789abcdef")
		if err := guest.Save(ctx, []models.CartLine{{ProductID: p.ID, Quantity: 7}}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.carts.User(bob.ID).Count(ctx); n != 0 {
			t.Errorf("bob's cart has %d items of ann's", n)
		}
		if n, _ := s.carts.User(ann.ID).Count(ctx); n != 2 {
			t.Errorf("ann's cart has %d items", n)
		}
		if lines, _ := guest.Lines(ctx); len(lines) != 1 || lines[0].Quantity != 7 {
			t.Errorf("guest lines = %v", lines)
		}
		var keys []string
		s.db.Model(&storage.StoredCart{}).Where("guest_key IS NOT NULL").Pluck("guest_key", &keys)
		if len(keys) != 1 || keys[0] == "0123456789abcdef" || len(keys[0]) != 64 {
			t.Errorf("the guest cart's id is stored as %v, want only its hash", keys)
		}
		if err := s.carts.DeleteGuest(ctx, "0123456789abcdef"); err != nil {
			t.Fatal(err)
		}
		if lines, _ := guest.Lines(ctx); len(lines) != 0 {
			t.Errorf("deleted guest cart has %v", lines)
		}
		if err := s.carts.Guest("fedcba9876543210").Save(ctx, []models.CartLine{{ProductID: p.ID, Quantity: 1}}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.carts.SweepGuests(ctx, testkit.Start.AddDate(10, 0, 0)); err != nil || n != 1 {
			t.Errorf("sweep = %d, %v; want the one guest cart", n, err)
		}
		if n, _ := s.carts.User(ann.ID).Count(ctx); n != 2 {
			t.Error("the sweep took a signed-in shopper's cart")
		}
	})
}

func TestSaveReplacesTheLines(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		ann := s.user(t, "ann@example.com")
		loaf, baguette, croissant := s.product(t, "sourdough-loaf"), s.product(t, "baguette"), s.product(t, "butter-croissant")
		for _, store := range []struct {
			name  string
			store models.CartStore
		}{{"signed in", s.carts.UserStore(ann.ID)}, {"guest", s.carts.Guest("0123456789abcdef")}} {
			for _, step := range []struct {
				name  string
				lines []models.CartLine
			}{
				{"two lines", []models.CartLine{{ProductID: loaf.ID, Quantity: 1}, {ProductID: baguette.ID, Quantity: 2}}},
				{"one changed, one gone, one new", []models.CartLine{{ProductID: baguette.ID, Quantity: 5}, {ProductID: croissant.ID, Quantity: 3}}},
				{"emptied", []models.CartLine{}},
				{"filled again", []models.CartLine{{ProductID: loaf.ID, Quantity: 4}}},
			} {
				if err := store.store.Save(ctx, step.lines); err != nil {
					t.Fatalf("%s, %s: %v", store.name, step.name, err)
				}
				got, err := store.store.Lines(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(step.lines) {
					t.Fatalf("%s, %s: the cart holds %v, want %v", store.name, step.name, got, step.lines)
				}
				for i := range got {
					if got[i] != step.lines[i] {
						t.Errorf("%s, %s: the cart holds %v, want %v", store.name, step.name, got, step.lines)
					}
				}
			}
		}
	})
}
