package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Category groups products on the shelves.
type Category struct {
	ID          uint   `gorm:"primaryKey"`
	Slug        string `gorm:"size:64;not null;uniqueIndex"`
	Name        string `gorm:"size:100;not null"`
	Description string `gorm:"size:500;not null"`
	Position    int    `gorm:"not null;default:0"`
}

// Product is one thing the bakery sells. Price is in minor units of
// Currency; Stock is changed only by conditional updates.
type Product struct {
	ID          uint   `gorm:"primaryKey"`
	Slug        string `gorm:"size:100;not null;uniqueIndex"`
	Name        string `gorm:"size:200;not null"`
	Description string `gorm:"size:2000;not null"`
	PriceAmount int64  `gorm:"not null"`
	Currency    string `gorm:"size:3;not null"`
	Stock       int    `gorm:"not null;check:stock >= 0"`
	CategoryID  uint   `gorm:"not null;index"`
	Category    Category
	Image       string `gorm:"size:200;not null"`
	Featured    bool   `gorm:"not null;default:false"`
	Published   bool   `gorm:"not null;default:true"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Price is the product's current price.
func (p Product) Price() Money { return Money{Amount: p.PriceAmount, Currency: p.Currency} }

// InStock reports whether at least one unit can be sold.
func (p Product) InStock() bool { return p.Stock > 0 }

// Shelf is a category with its products, as the demo catalog is seeded.
type Shelf struct {
	Category Category
	Products []Product
}

// AddMissing adds the shelves' categories and products whose slugs do not
// exist yet, in one transaction, so running it again changes nothing; then
// the snapshot is reloaded.
func (c *Catalog) AddMissing(ctx context.Context, shelves []Shelf) error {
	err := Conn(ctx, c.db).Transaction(func(tx *gorm.DB) error {
		for _, shelf := range shelves {
			cat := shelf.Category
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&cat).Error; err != nil {
				return fmt.Errorf("category %s: %w", cat.Slug, err)
			}
			if err := tx.Where("slug = ?", cat.Slug).Take(&cat).Error; err != nil {
				return fmt.Errorf("category %s: %w", cat.Slug, err)
			}
			for _, p := range shelf.Products {
				p.CategoryID = cat.ID
				if err := tx.Omit("Category").Clauses(clause.OnConflict{DoNothing: true}).Create(&p).Error; err != nil {
					return fmt.Errorf("product %s: %w", p.Slug, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add to catalog: %w", err)
	}
	return c.Reload(ctx)
}

// ForSale reads a published product from the database (not the snapshot),
// so that a stock check sees the truth.
func (c *Catalog) ForSale(ctx context.Context, id uint) (Product, error) {
	var p Product
	err := Conn(ctx, c.db).Where("id = ? AND published = ?", id, true).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Product{}, Invalid("product_id", CodeProductGone)
	}
	if err != nil {
		return Product{}, fmt.Errorf("product for sale: %w", err)
	}
	return p, nil
}

// The methods below work inside a transaction of another store's (tx):
// checkout and cancellation change stock, which only the catalog writes.

// products reads the products with ids as the database has them now,
// published or not.
func (c *Catalog) products(tx *gorm.DB, ids []uint) (map[uint]Product, error) {
	var list []Product
	if err := tx.Where("id IN ?", ids).Find(&list).Error; err != nil {
		return nil, err
	}
	byID := make(map[uint]Product, len(list))
	for _, p := range list {
		byID[p.ID] = p
	}
	return byID, nil
}

// takeStock takes qty of product id off the shelf if that many are left
// (a conditional update: concurrent checkouts never oversell).
func (c *Catalog) takeStock(tx *gorm.DB, id uint, qty int) (bool, error) {
	res := tx.Model(&Product{}).Where("id = ? AND stock >= ?", id, qty).Update("stock", gorm.Expr("stock - ?", qty))
	return res.RowsAffected == 1, res.Error
}

// returnStock puts qty of product id back on the shelf.
func (c *Catalog) returnStock(tx *gorm.DB, id uint, qty int) error {
	return tx.Model(&Product{}).Where("id = ?", id).Update("stock", gorm.Expr("stock + ?", qty)).Error
}
