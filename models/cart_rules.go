package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// PricedLine is a cart line with the product as the database has it now.
type PricedLine struct {
	Product  Product
	Quantity int
	Total    Money
}

// PricedCart is a cart priced from the database. Notices tell the shopper
// what changed since the lines were saved (removed or reduced lines).
type PricedCart struct {
	Lines    []PricedLine
	Subtotal Money
	Count    int
	Notices  []string
}

// ParseQuantity reads a quantity typed by a shopper: a whole number from
// min to MaxLineQuantity.
func ParseQuantity(s string, min int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, Invalid("quantity", "Quantity must be a whole number from %d to %d.", min, MaxLineQuantity)
	}
	if n < min || n > MaxLineQuantity {
		return 0, Invalid("quantity", "Quantity must be from %d to %d.", min, MaxLineQuantity)
	}
	return n, nil
}

// ProductForCart reads a published product from the database (not the
// snapshot) so that stock checks see the truth.
func ProductForCart(ctx context.Context, db *gorm.DB, id uint) (Product, error) {
	var p Product
	err := db.WithContext(ctx).Where("id = ? AND published = ?", id, true).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Product{}, Invalid("product_id", "That product is no longer available.")
	}
	if err != nil {
		return Product{}, fmt.Errorf("product for cart: %w", err)
	}
	return p, nil
}

// AddToLines adds qty of p to the lines, refusing more than is in stock or
// than the per-line maximum.
func AddToLines(lines []CartLine, p Product, qty int) ([]CartLine, error) {
	i := slices.IndexFunc(lines, func(l CartLine) bool { return l.ProductID == p.ID })
	have := 0
	if i >= 0 {
		have = lines[i].Quantity
	}
	return SetInLines(lines, p, have+qty)
}

// SetInLines sets the quantity of p in the lines; 0 removes it.
func SetInLines(lines []CartLine, p Product, qty int) ([]CartLine, error) {
	out := slices.Clone(lines)
	i := slices.IndexFunc(out, func(l CartLine) bool { return l.ProductID == p.ID })
	switch {
	case qty == 0:
		if i >= 0 {
			out = slices.Delete(out, i, i+1)
		}
		return out, nil
	case qty > MaxLineQuantity:
		return nil, Invalid("quantity", "You can have at most %d of %s in one order.", MaxLineQuantity, p.Name)
	case p.Stock == 0:
		return nil, Invalid("quantity", "%s is sold out.", p.Name)
	case qty > p.Stock:
		return nil, Invalid("quantity", "Only %d of %s left in stock; you can have at most %d.", p.Stock, p.Name, p.Stock)
	case i >= 0:
		out[i].Quantity = qty
	case len(out) >= MaxCartLines:
		return nil, Invalid("product_id", "Your cart is full (%d different products). Remove something first.", MaxCartLines)
	default:
		out = append(out, CartLine{ProductID: p.ID, Quantity: qty})
	}
	return out, nil
}

// PriceCart prices lines from the database. Products that are gone or
// unpublished are left out, and quantities above the stock are reduced, each
// with a notice; the lines themselves are not changed.
func PriceCart(ctx context.Context, db *gorm.DB, lines []CartLine) (PricedCart, error) {
	var cart PricedCart
	if len(lines) == 0 {
		return cart, nil
	}
	ids := make([]uint, len(lines))
	for i, l := range lines {
		ids[i] = l.ProductID
	}
	var products []Product
	if err := db.WithContext(ctx).Where("id IN ?", ids).Find(&products).Error; err != nil {
		return cart, fmt.Errorf("price cart: %w", err)
	}
	byID := make(map[uint]Product, len(products))
	for _, p := range products {
		byID[p.ID] = p
	}
	return priceLines(lines, byID), nil
}

// UserPricedCart loads and prices a signed-in shopper's cart in one query.
func UserPricedCart(ctx context.Context, db *gorm.DB, userID uint) (PricedCart, error) {
	var rows []struct {
		Product  `gorm:"embedded"`
		Quantity int
	}
	err := db.WithContext(ctx).Table("cart_items").
		Select("products.*, cart_items.quantity").
		Joins("JOIN carts ON carts.id = cart_items.cart_id").
		Joins("JOIN products ON products.id = cart_items.product_id").
		Where("carts.user_id = ?", userID).
		Order("cart_items.product_id").
		Scan(&rows).Error
	if err != nil {
		return PricedCart{}, fmt.Errorf("load cart: %w", err)
	}
	lines := make([]CartLine, len(rows))
	byID := make(map[uint]Product, len(rows))
	for i, r := range rows {
		lines[i] = CartLine{ProductID: r.ID, Quantity: r.Quantity}
		byID[r.ID] = r.Product
	}
	return priceLines(lines, byID), nil
}

// priceLines prices lines with the products as the database has them.
// Products that are gone or unpublished are left out, and quantities above
// the stock are reduced, each with a notice.
func priceLines(lines []CartLine, byID map[uint]Product) PricedCart {
	var cart PricedCart
	for _, l := range lines {
		p, ok := byID[l.ProductID]
		switch {
		case !ok || !p.Published:
			cart.Notices = append(cart.Notices, "An item in your cart is no longer sold and was left out.")
			continue
		case p.Stock == 0:
			cart.Notices = append(cart.Notices, p.Name+" is sold out and was left out.")
			continue
		}
		qty := l.Quantity
		if qty > p.Stock {
			qty = p.Stock
			cart.Notices = append(cart.Notices, fmt.Sprintf("Only %d of %s left, so your cart has %d.", p.Stock, p.Name, p.Stock))
		}
		total := p.Price().Times(qty)
		cart.Lines = append(cart.Lines, PricedLine{Product: p, Quantity: qty, Total: total})
		cart.Subtotal.Amount += total.Amount
		cart.Subtotal.Currency = p.Currency
		cart.Count += qty
	}
	return cart
}

// LineCount is the number of items in lines, for the header's cart badge.
func LineCount(lines []CartLine) int {
	n := 0
	for _, l := range lines {
		n += l.Quantity
	}
	return n
}
