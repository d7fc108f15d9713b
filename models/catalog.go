package models

import (
	"time"
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

// The methods below work inside a transaction of another store's (tx):
// checkout and cancellation change stock, which only the catalog writes.
