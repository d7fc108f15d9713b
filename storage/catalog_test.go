package storage_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
)

func TestCatalogAddMissingAndForSale(t *testing.T) {
	s := newShop(t, testkit.SQLite(t))
	ctx := context.Background()
	if err := database.Seed(ctx, s.catalog, "USD"); err != nil { // a second time
		t.Fatal(err)
	}
	var n int64
	s.db.Model(&models.Product{}).Count(&n)
	if n != 36 || len(s.catalog.Categories()) != 6 {
		t.Errorf("after seeding twice: %d products, %d categories; want 36 and 6", n, len(s.catalog.Categories()))
	}
	version := s.catalog.Version()
	err := s.catalog.AddMissing(ctx, []models.Shelf{{
		Category: models.Category{Slug: "seasonal", Name: "Seasonal", Description: "For now."},
		Products: []models.Product{{Slug: "stollen", Name: "Stollen", Description: "Fruit loaf.", PriceAmount: 1500, Currency: "USD", Stock: 4, Image: "img/products/brioche.svg", Published: true}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	stollen, err := s.catalog.ProductBySlug("stollen")
	if err != nil || s.catalog.Version() == version {
		t.Fatalf("the snapshot did not reload: %v", err)
	}
	if got, err := s.catalog.ForSale(ctx, stollen.ID); err != nil || got.Stock != 4 {
		t.Errorf("ForSale = %+v, %v", got, err)
	}
	s.db.Model(&models.Product{}).Where("id = ?", stollen.ID).Update("published", false)
	if _, err := s.catalog.ForSale(ctx, stollen.ID); code(err) != models.CodeProductGone {
		t.Errorf("an unpublished product for sale: %v", err)
	}
	if _, err := s.catalog.ForSale(ctx, 999999); code(err) != models.CodeProductGone {
		t.Errorf("no such product for sale: %v", err)
	}
}

// TestSearchInKoreanAndEnglish: a search looks in the names and
// descriptions in both languages: the croissants are found by their
// Korean names and by their English ones, every word must be there, and a
// product's Korean is found as soon as it is saved.
func TestSearchInKoreanAndEnglish(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		slugs := func(q string) []string {
			var out []string
			for _, p := range s.catalog.Search(models.ProductQuery{Q: q, PerPage: 50}).Items {
				out = append(out, p.Slug)
			}
			slices.Sort(out)
			return out
		}
		croissants := []string{"almond-croissant", "butter-croissant", "pain-au-chocolat"} // its Korean and English say croissant dough
		if got := slugs("크루아상"); !slices.Equal(got, croissants) {
			t.Errorf("크루아상 finds %q, want %q", got, croissants)
		}
		if got := slugs("Croissant"); !slices.Equal(got, croissants) {
			t.Errorf("Croissant finds %q, want %q", got, croissants)
		}
		if got := slugs("버터 크루아상"); !slices.Equal(got, []string{"butter-croissant"}) {
			t.Errorf("every word of 버터 크루아상 finds %q", got)
		}
		if got := slugs("크루아상 baguette"); len(got) != 0 {
			t.Errorf("크루아상 baguette finds %q: no product has both", got)
		}

		ctx := context.Background()
		bread, err := s.catalog.Category("bread")
		if err != nil {
			t.Fatal(err)
		}
		stollen, err := s.catalog.Create(ctx, models.ProductChange{Name: "Stollen", Slug: "stollen", Description: "Fruit loaf with marzipan.",
			CategoryID: bread.ID, PriceAmount: 1500, Stock: 3, Published: true, Image: "img/products/brioche.svg"}, "USD")
		if err != nil {
			t.Fatal(err)
		}
		if got := slugs("슈톨렌"); len(got) != 0 {
			t.Errorf("슈톨렌 finds %q before the stollen has Korean", got)
		}
		// Once it has Korean, it is found by that too.
		change := models.ProductChange{Name: "Stollen", NameKo: "슈톨렌", Slug: "stollen", Description: "Fruit loaf with marzipan.",
			DescriptionKo: "마지팬을 넣은 과일 빵이에요.", CategoryID: bread.ID, PriceAmount: 1500, Stock: 3, Published: true}
		_, after, err := s.catalog.Update(ctx, stollen.ID, change, 3)
		if err != nil {
			t.Fatal(err)
		}
		if after.NameKo != "슈톨렌" || after.DescriptionKo != "마지팬을 넣은 과일 빵이에요." {
			t.Errorf("saved in Korean as %q, %q", after.NameKo, after.DescriptionKo)
		}
		for _, q := range []string{"슈톨렌", "마지팬", "marzipan"} {
			if got := slugs(q); !slices.Equal(got, []string{"stollen"}) {
				t.Errorf("%s finds %q", q, got)
			}
		}
		if p, err := s.catalog.ProductBySlug("stollen"); err != nil || p.In(models.Korean).Name != "슈톨렌" || p.In(models.English).Name != "Stollen" {
			t.Errorf("the snapshot's stollen = %+v, %v", p, err)
		}
		// The back office finds it by either name.
		for _, q := range []string{"슈톨렌", "stollen"} {
			page, err := s.catalog.Products(ctx, models.AdminQuery{Q: q})
			if err != nil || page.Total != 1 || page.Items[0].Slug != "stollen" {
				t.Errorf("the back office's search for %q = %+v, %v", q, page, err)
			}
		}
	})
}

// TestSeedInKoreanAndWon: every demo product and category has Korean, and
// a shop in won is priced as a Korean bakery prices (whole won, 2,500 to
// 45,000).
func TestSeedInKoreanAndWon(t *testing.T) {
	db := testkit.SQLite(t)
	catalog, err := storage.NewCatalog(context.Background(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := database.Seed(context.Background(), catalog, "KRW"); err != nil {
		t.Fatal(err)
	}
	var products []models.Product
	db.Find(&products)
	if len(products) != 36 {
		t.Fatalf("%d products", len(products))
	}
	for _, p := range products {
		if p.NameKo == "" || p.DescriptionKo == "" || p.Currency != "KRW" || p.PriceAmount%100 != 0 || p.PriceAmount < 2500 || p.PriceAmount > 45000 {
			t.Errorf("%s: %q, %q, %d %s", p.Slug, p.NameKo, p.DescriptionKo, p.PriceAmount, p.Currency)
		}
	}
	for _, c := range catalog.Categories() {
		if c.NameKo == "" || c.DescriptionKo == "" {
			t.Errorf("category %s has no Korean: %q, %q", c.Slug, c.NameKo, c.DescriptionKo)
		}
	}
	if b, _ := catalog.ProductBySlug("baguette"); b.Price().In(models.Korean) != "3,500원" || b.In(models.Korean).Name != "바게트" {
		t.Errorf("the baguette: %s, %s", b.In(models.Korean).Name, b.Price().In(models.Korean))
	}
}
