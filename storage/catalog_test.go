package storage_test

import (
	"context"
	"testing"

	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
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
