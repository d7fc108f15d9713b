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

// UserCartLines loads the lines of a signed-in shopper's cart, the same
// cart the web and the app show.
func UserCartLines(ctx context.Context, db *gorm.DB, userID uint) ([]CartLine, error) {
	var lines []CartLine
	err := db.WithContext(ctx).Model(&CartItem{}).
		Select("cart_items.product_id, cart_items.quantity").
		Joins("JOIN carts ON carts.id = cart_items.cart_id").
		Where("carts.user_id = ?", userID).
		Order("cart_items.product_id").
		Scan(&lines).Error
	if err != nil {
		return nil, fmt.Errorf("load cart: %w", err)
	}
	return lines, nil
}

// SaveUserCart replaces the lines of a signed-in shopper's cart.
func SaveUserCart(ctx context.Context, db *gorm.DB, userID uint, lines []CartLine) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		id, err := userCartID(tx, userID)
		if err != nil {
			return err
		}
		return replaceItems(tx, id, lines)
	})
}

// MergeIntoUserCart adds a guest's lines to the shopper's cart at sign-in:
// quantities are summed and capped by the stock and the per-line maximum;
// products no longer sold are left out. It reports how many items were added.
func MergeIntoUserCart(ctx context.Context, db *gorm.DB, userID uint, guest []CartLine) (int, error) {
	if len(guest) == 0 {
		return 0, nil
	}
	added := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		id, err := userCartID(tx, userID)
		if err != nil {
			return err
		}
		var lines []CartLine
		if err := tx.Model(&CartItem{}).Select("product_id, quantity").Where("cart_id = ?", id).Scan(&lines).Error; err != nil {
			return fmt.Errorf("merge cart: %w", err)
		}
		ids := make([]uint, len(guest))
		for i, l := range guest {
			ids[i] = l.ProductID
		}
		var products []Product
		if err := tx.Where("id IN ? AND published = ?", ids, true).Find(&products).Error; err != nil {
			return fmt.Errorf("merge cart: %w", err)
		}
		stock := make(map[uint]int, len(products))
		for _, p := range products {
			stock[p.ID] = p.Stock
		}
		for _, g := range guest {
			s, ok := stock[g.ProductID]
			if !ok {
				continue
			}
			i := slicesIndex(lines, g.ProductID)
			have := 0
			if i >= 0 {
				have = lines[i].Quantity
			}
			want := min(have+g.Quantity, s, MaxLineQuantity)
			if want <= have {
				continue
			}
			added += want - have
			if i >= 0 {
				lines[i].Quantity = want
			} else if len(lines) < MaxCartLines {
				lines = append(lines, CartLine{ProductID: g.ProductID, Quantity: want})
			} else {
				added -= want
			}
		}
		return replaceItems(tx, id, lines)
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// userCartID returns the id of the user's cart, creating it if needed.
func userCartID(tx *gorm.DB, userID uint) (uint, error) {
	cart := Cart{UserID: &userID}
	if err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"updated_at"}),
	}).Create(&cart).Error; err != nil {
		return 0, fmt.Errorf("cart: %w", err)
	}
	if cart.ID == 0 {
		if err := tx.Where("user_id = ?", userID).Select("id").Take(&cart).Error; err != nil {
			return 0, fmt.Errorf("cart: %w", err)
		}
	}
	return cart.ID, nil
}

func slicesIndex(lines []CartLine, productID uint) int {
	for i, l := range lines {
		if l.ProductID == productID {
			return i
		}
	}
	return -1
}
