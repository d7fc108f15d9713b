package models

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors of editing the catalog.
var (
	// ErrSlugTaken: another product has the slug.
	ErrSlugTaken = errors.New("models: slug taken")
	// ErrStockChanged: the stock moved (a checkout) since the form showed it.
	ErrStockChanged = errors.New("models: stock changed meanwhile")
)

// MaxPrice is the highest price, in minor units, a product may have.
const MaxPrice = 100_000_00

// ProductForm is a product as the back office edits it: the text typed,
// before it is checked. Name and Description are the English, NameKo and
// DescriptionKo the Korean (see Product).
type ProductForm struct {
	Name, NameKo, Slug, Description, DescriptionKo, Price, Stock string
	CategoryID                                                   uint
	Published                                                    bool
}

// ProductChange is a checked ProductForm, ready to save.
type ProductChange struct {
	Name, NameKo, Slug, Description, DescriptionKo string
	CategoryID                                     uint
	PriceAmount                                    int64
	Stock                                          int
	Published                                      bool
	Image                                          string // the image's asset name; "" keeps the current one
}

// ParsePrice reads a price typed in the currency's units ("4.50", "4.5",
// "4", "4,500" for KRW) into minor units; at most MaxPrice.
func ParsePrice(s, currency string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	whole, frac, hasFrac := strings.Cut(s, ".")
	decimals := 2
	if zeroDecimal[currency] {
		decimals = 0
	}
	bad := errors.New("models: not a price")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || len(whole) > 9 ||
		(hasFrac && (decimals == 0 || frac == "" || len(frac) > decimals || strings.Trim(frac, "0123456789") != "")) {
		return 0, bad
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	for range decimals {
		n *= 10
	}
	if hasFrac {
		f, _ := strconv.ParseInt(frac+strings.Repeat("0", decimals-len(frac)), 10, 64)
		n += f
	}
	if n <= 0 || n > MaxPrice {
		return 0, bad
	}
	return n, nil
}

// PriceExample is a price as the product form takes it in currency,
// "4.50", or "4500" in a currency without minor units.
func PriceExample(currency string) string {
	if zeroDecimal[currency] {
		return FormatPrice(4500, currency)
	}
	return FormatPrice(450, currency)
}

// FormatPrice writes minor units as ParsePrice reads them.
func FormatPrice(amount int64, currency string) string {
	if zeroDecimal[currency] {
		return strconv.FormatInt(amount, 10)
	}
	return fmt.Sprintf("%d.%02d", amount/100, amount%100)
}

// ValidSlug reports whether s can name a product in a URL: lower-case
// letters, digits and hyphens, with no hyphen at either end.
func ValidSlug(s string) bool {
	if s == "" || len(s) > MaxSlugLength || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

// AdminQuery selects products for the back office.
type AdminQuery struct {
	Q          string
	CategoryID uint
	SoldOut    bool // only products with no stock
	Page       int
}
