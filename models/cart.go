package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Cart limits that apply to every cart, guest or signed in.
const (
	MaxLineQuantity = 99
	MaxCartLines    = 100
)

// CartLine is a product and how many of it; the only thing a cart cookie
// may hold. Prices, names and stock always come from the database.
type CartLine struct {
	ProductID uint
	Quantity  int
}

// Cart is a cart kept in the database: a signed-in shopper's (UserID) or a
// guest's whose cart outgrew its cookie (GuestKey, the SHA-256 of the
// opaque id the cookie holds).
type Cart struct {
	ID        uint    `gorm:"primaryKey"`
	UserID    *uint   `gorm:"uniqueIndex"`
	GuestKey  *string `gorm:"size:64;uniqueIndex"`
	Items     []CartItem
	CreatedAt time.Time
	UpdatedAt time.Time `gorm:"index"`
}

// CartItem is one line of a database cart.
type CartItem struct {
	CartID    uint    `gorm:"primaryKey"`
	ProductID uint    `gorm:"primaryKey"`
	Product   Product `gorm:"constraint:OnDelete:CASCADE"`
	Quantity  int     `gorm:"not null"`
}

func guestKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// GuestCartLines loads the lines of the guest cart stored under token. A
// cart that does not exist (never saved, or swept) is empty.
func GuestCartLines(ctx context.Context, db *gorm.DB, token string) ([]CartLine, error) {
	var lines []CartLine
	err := db.WithContext(ctx).Model(&CartItem{}).
		Select("cart_items.product_id, cart_items.quantity").
		Joins("JOIN carts ON carts.id = cart_items.cart_id").
		Where("carts.guest_key = ?", guestKey(token)).
		Order("cart_items.product_id").
		Scan(&lines).Error
	if err != nil {
		return nil, fmt.Errorf("load guest cart: %w", err)
	}
	return lines, nil
}

// SaveGuestCart replaces the lines of the guest cart stored under token,
// creating it if needed.
func SaveGuestCart(ctx context.Context, db *gorm.DB, token string, lines []CartLine) error {
	key := guestKey(token)
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cart := Cart{GuestKey: &key}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "guest_key"}},
			DoUpdates: clause.AssignmentColumns([]string{"updated_at"}),
		}).Create(&cart).Error; err != nil {
			return fmt.Errorf("save guest cart: %w", err)
		}
		if cart.ID == 0 { // some drivers return no id for an upsert that updated
			if err := tx.Where("guest_key = ?", key).Select("id").Take(&cart).Error; err != nil {
				return fmt.Errorf("save guest cart: %w", err)
			}
		}
		return replaceItems(tx, cart.ID, lines)
	})
}

// DeleteGuestCart removes the guest cart stored under token, if any.
func DeleteGuestCart(ctx context.Context, db *gorm.DB, token string) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cart Cart
		err := tx.Where("guest_key = ?", guestKey(token)).Select("id").Take(&cart).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("delete guest cart: %w", err)
		}
		return deleteCart(tx, cart.ID)
	})
}

// SweepGuestCarts deletes guest carts untouched since before cutoff and
// reports how many went. Safe to run on every instance at once.
func SweepGuestCarts(ctx context.Context, db *gorm.DB, cutoff time.Time) (int64, error) {
	var swept int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		stale := tx.Model(&Cart{}).Select("id").Where("guest_key IS NOT NULL AND updated_at < ?", cutoff)
		if err := tx.Where("cart_id IN (?)", stale).Delete(&CartItem{}).Error; err != nil {
			return err
		}
		res := tx.Where("guest_key IS NOT NULL AND updated_at < ?", cutoff).Delete(&Cart{})
		swept = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("sweep guest carts: %w", err)
	}
	return swept, nil
}

func replaceItems(tx *gorm.DB, cartID uint, lines []CartLine) error {
	if err := tx.Where("cart_id = ?", cartID).Delete(&CartItem{}).Error; err != nil {
		return fmt.Errorf("replace cart items: %w", err)
	}
	if len(lines) == 0 {
		return nil
	}
	items := make([]CartItem, len(lines))
	for i, l := range lines {
		items[i] = CartItem{CartID: cartID, ProductID: l.ProductID, Quantity: l.Quantity}
	}
	if err := tx.Omit("Product").Create(&items).Error; err != nil {
		return fmt.Errorf("replace cart items: %w", err)
	}
	return nil
}

func deleteCart(tx *gorm.DB, cartID uint) error {
	if err := tx.Where("cart_id = ?", cartID).Delete(&CartItem{}).Error; err != nil {
		return fmt.Errorf("delete cart: %w", err)
	}
	if err := tx.Delete(&Cart{}, cartID).Error; err != nil {
		return fmt.Errorf("delete cart: %w", err)
	}
	return nil
}
