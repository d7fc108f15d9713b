package database

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// CheckCurrency holds the shop to the currency its database was created
// with, since every price and order in it is in that currency: the first
// start records currency (a database migrated with products already
// records theirs), and a start with another one is refused, naming both.
func CheckCurrency(ctx context.Context, db *gorm.DB, currency string) error {
	db = db.WithContext(ctx)
	err := db.Exec("INSERT INTO shop_settings (name, value) VALUES ('currency', ?) ON CONFLICT (name) DO NOTHING", currency).Error
	if err != nil {
		return fmt.Errorf("shop currency: %w", err)
	}
	var kept string
	if err := db.Raw("SELECT value FROM shop_settings WHERE name = 'currency'").Scan(&kept).Error; err != nil {
		return fmt.Errorf("shop currency: %w", err)
	}
	if kept != currency {
		return fmt.Errorf("shop currency: SHOP_CURRENCY is %s, but the shop's database was created with %s (start it with SHOP_CURRENCY=%s)", currency, kept, kept)
	}
	return nil
}
