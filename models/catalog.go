package models

import (
	"time"
)

// Category groups products on the shelves. Name and Description are in
// English, and stand in for a language the category has no text in;
// NameKo and DescriptionKo are the Korean (empty: none yet).
type Category struct {
	ID            uint   `gorm:"primaryKey"`
	Slug          string `gorm:"size:64;not null;uniqueIndex"`
	Name          string `gorm:"size:100;not null"`
	NameKo        string `gorm:"size:100;not null;default:''"`
	Description   string `gorm:"size:500;not null"`
	DescriptionKo string `gorm:"size:500;not null;default:''"`
	Position      int    `gorm:"not null;default:0"`
}

// In is the category with its Name and Description in lang.
func (c Category) In(lang Language) Category {
	if lang == Korean {
		c.Name, c.Description = or(c.NameKo, c.Name), or(c.DescriptionKo, c.Description)
	}
	return c
}

// Product is one thing the bakery sells. Price is in minor units of
// Currency; Stock is changed only by conditional updates. Name and
// Description are in English, and stand in for a language the product
// has no text in; NameKo and DescriptionKo are the Korean (empty: none
// yet).
type Product struct {
	ID            uint   `gorm:"primaryKey"`
	Slug          string `gorm:"size:100;not null;uniqueIndex"`
	Name          string `gorm:"size:200;not null"`
	NameKo        string `gorm:"size:200;not null;default:''"`
	Description   string `gorm:"size:2000;not null"`
	DescriptionKo string `gorm:"size:2000;not null;default:''"`
	PriceAmount   int64  `gorm:"not null"`
	Currency      string `gorm:"size:3;not null"`
	Stock         int    `gorm:"not null;check:stock >= 0"`
	CategoryID    uint   `gorm:"not null;index"`
	Category      Category
	Image         string `gorm:"size:200;not null"`
	Featured      bool   `gorm:"not null;default:false"`
	Published     bool   `gorm:"not null;default:true"`
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// In is the product, and its category, with Name and Description in lang.
func (p Product) In(lang Language) Product {
	if lang == Korean {
		p.Name, p.Description = or(p.NameKo, p.Name), or(p.DescriptionKo, p.Description)
	}
	p.Category = p.Category.In(lang)
	return p
}

// InAll is every item of list in lang, in a new slice.
func InAll[T interface{ In(Language) T }](list []T, lang Language) []T {
	out := make([]T, len(list))
	for i, item := range list {
		out[i] = item.In(lang)
	}
	return out
}

// Names is what a product is called in each language, for a message that
// names it: i18n.Say writes the name of the reader's language.
type Names struct{ English, Korean string }

// Names is the product's name in each language.
func (p Product) Names() Names { return Names{p.Name, p.NameKo} }

// In is the name in lang; the English stands in where there is no Korean.
func (n Names) In(lang Language) string {
	if lang == Korean {
		return or(n.Korean, n.English)
	}
	return n.English
}

// String is the English name, as logs and errors write it.
func (n Names) String() string { return n.English }

// or is text, or fallback when there is none.
func or(text, fallback string) string {
	if text == "" {
		return fallback
	}
	return text
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
