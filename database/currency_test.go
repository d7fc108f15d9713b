package database_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"

	"crumb/app"
	"crumb/config"
	"crumb/database"
	"crumb/internal/testkit"
)

// TestCheckCurrency: the first start records the shop's currency; the same
// one starts again, and another is refused, naming both.
func TestCheckCurrency(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		for range 2 {
			if err := database.CheckCurrency(ctx, db, "KRW"); err != nil {
				t.Fatalf("KRW on a shop created in KRW: %v", err)
			}
		}
		err := database.CheckCurrency(ctx, db, "USD")
		if err == nil || !strings.Contains(err.Error(), "SHOP_CURRENCY is USD") || !strings.Contains(err.Error(), "created with KRW") {
			t.Fatalf("USD on a shop created in KRW: %v", err)
		}
		if got := queryRows(t, db, "SELECT value FROM shop_settings WHERE name = 'currency'"); len(got) != 1 || got[0] != "KRW" {
			t.Errorf("the kept currency = %q, want KRW", got)
		}
	})
}

// TestStartingInAnotherCurrencyStops: a shop created in won does not start
// in dollars; its prices stay in won.
func TestStartingInAnotherCurrencyStops(t *testing.T) {
	dir := t.TempDir()
	start := func(currency string) error {
		cfg, err := config.Parse(func(k string) string {
			return map[string]string{"DATA_DIR": dir, "SHOP_CURRENCY": currency, "SEED_DEMO": "true"}[k]
		}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(context.Background(), cfg, app.Options{Log: slog.New(slog.DiscardHandler), Passwords: testkit.Passwords})
		if err == nil {
			_ = a.Close()
		}
		return err
	}
	if err := start("KRW"); err != nil {
		t.Fatalf("the first start, in KRW: %v", err)
	}
	err := start("USD")
	if err == nil {
		t.Fatal("a shop created in KRW started in USD")
	}
	if msg := err.Error(); !strings.Contains(msg, "USD") || !strings.Contains(msg, "KRW") || strings.Contains(msg, "\n") {
		t.Errorf("the error = %q, want one line naming USD and KRW", msg)
	}
	if err := start("KRW"); err != nil {
		t.Errorf("started again in KRW: %v", err)
	}
	db, err := database.Open("", filepath.Join(dir, "crumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(db)
	checkCatalog(t, db, "KRW")
}
