package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crumb/models"
	"crumb/secret"
)

// StoredCart is a cart kept in the database: a signed-in shopper's
// (UserID), or a guest's that outgrew its cookie (GuestKey, the SHA-256 of
// the random id the cookie holds).
type StoredCart struct {
	ID        uint    `gorm:"primaryKey"`
	UserID    *uint   `gorm:"uniqueIndex"`
	GuestKey  *string `gorm:"size:64;uniqueIndex"`
	CreatedAt time.Time
	UpdatedAt time.Time `gorm:"index"`
}

// TableName is the table of stored carts.
func (StoredCart) TableName() string { return "carts" }

// CartItem is one line of a stored cart.
type CartItem struct {
	CartID    uint `gorm:"primaryKey"`
	ProductID uint `gorm:"primaryKey"`
	Quantity  int  `gorm:"not null"`
}

// Carts owns the carts kept in the database (carts, cart_items).
type Carts struct {
	db      *gorm.DB
	catalog *Catalog
}

// NewCarts builds the cart store; carts are priced from catalog.
func NewCarts(db *gorm.DB, catalog *Catalog) *Carts { return &Carts{db: db, catalog: catalog} }

// User is the signed-in shopper's cart, the same on the web and in the app.
func (s *Carts) User(userID uint) models.Cart { return s.Of(s.userCart(userID)) }

// UserRead is the signed-in shopper's cart, its lines already read in
// this request (with the session, or with the app token's account): they
// are not read again unless a save fails.
func (s *Carts) UserRead(userID uint, lines []models.CartLine) models.Cart {
	return s.Of(&readAhead{storedCart: s.userCart(userID), lines: lines})
}

// readAhead is a stored cart whose lines were read with something else.
type readAhead struct {
	storedCart
	lines []models.CartLine
	used  bool
}

func (r *readAhead) Lines(ctx context.Context) ([]models.CartLine, error) {
	if r.used {
		return r.storedCart.Lines(ctx)
	}
	r.used = true
	return r.lines, nil
}

func (s *Carts) userCart(userID uint) storedCart {
	return storedCart{db: s.db, column: "user_id", key: userID}
}

// Of is the cart whose lines store keeps (a guest's cookie).
func (s *Carts) Of(store models.CartStore) models.Cart {
	return models.NewCart(store, s.catalog)
}

// Guest keeps the lines of the guest cart named by token (the random id
// in its cookie) in the database.
func (s *Carts) Guest(token string) models.CartStore {
	return storedCart{db: s.db, column: "guest_key", key: secret.Hash(token)}
}

// DeleteGuest removes the guest cart named by token, if there is one.
func (s *Carts) DeleteGuest(ctx context.Context, token string) error {
	return Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		cart := tx.Model(&StoredCart{}).Select("id").Where("guest_key = ?", secret.Hash(token))
		if err := tx.Where("cart_id IN (?)", cart).Delete(&CartItem{}).Error; err != nil {
			return fmt.Errorf("delete guest cart: %w", err)
		}
		if err := tx.Where("guest_key = ?", secret.Hash(token)).Delete(&StoredCart{}).Error; err != nil {
			return fmt.Errorf("delete guest cart: %w", err)
		}
		return nil
	})
}

// SweepGuests deletes guest carts untouched since cutoff and reports how
// many went. Safe to run on every instance at once.
func (s *Carts) SweepGuests(ctx context.Context, cutoff time.Time) (int64, error) {
	var swept int64
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		stale := tx.Model(&StoredCart{}).Select("id").Where("guest_key IS NOT NULL AND updated_at < ?", cutoff)
		if err := tx.Where("cart_id IN (?)", stale).Delete(&CartItem{}).Error; err != nil {
			return err
		}
		res := tx.Where("guest_key IS NOT NULL AND updated_at < ?", cutoff).Delete(&StoredCart{})
		swept = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("sweep guest carts: %w", err)
	}
	return swept, nil
}

// storedCart is the CartStore of one cart in the database, named by
// column = key (user_id, or guest_key).
type storedCart struct {
	db     *gorm.DB
	column string
	key    any
}

// in is the same cart in the transaction tx.
func (s storedCart) in(tx *gorm.DB) storedCart {
	return storedCart{db: tx, column: s.column, key: s.key}
}

// Lines reads the cart's lines in product order; a cart never saved is empty.
// (Every cart view reads them: the rows are scanned directly.)
func (s storedCart) Lines(ctx context.Context) ([]models.CartLine, error) {
	rows, err := Conn(ctx, s.db).Raw("SELECT cart_items.product_id, cart_items.quantity FROM cart_items"+
		" JOIN carts ON carts.id = cart_items.cart_id WHERE carts."+s.column+" = ? ORDER BY cart_items.product_id", s.key).Rows()
	if err != nil {
		return nil, fmt.Errorf("cart lines: %w", err)
	}
	defer rows.Close()
	var lines []models.CartLine
	for rows.Next() {
		var l models.CartLine
		if err := rows.Scan(&l.ProductID, &l.Quantity); err != nil {
			return nil, fmt.Errorf("cart lines: %w", err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cart lines: %w", err)
	}
	return lines, nil
}

// Save replaces the cart's lines, creating the cart if needed: on
// Postgres in one statement (one round trip instead of five), on SQLite
// in a transaction.
func (s storedCart) Save(ctx context.Context, lines []models.CartLine) error {
	db := Conn(ctx, s.db)
	if db.Dialector.Name() == "postgres" {
		return s.saveInOne(db, lines)
	}
	return db.Transaction(func(tx *gorm.DB) error {
		id, err := s.in(tx).id()
		if err != nil {
			return err
		}
		return replaceItems(tx, id, lines)
	})
}

// saveInOne is Save on Postgres: the cart is created or touched, the
// lines no longer in it deleted and the others written, all in one
// statement. (Its parts see the rows as the statement began: two saves of
// one cart at the same moment leave the lines of both, where two
// transactions would leave the later one's.)
func (s storedCart) saveInOne(db *gorm.DB, lines []models.CartLine) error {
	products, quantities := make([]string, len(lines)), make([]string, len(lines))
	for i, l := range lines {
		products[i], quantities[i] = strconv.FormatUint(uint64(l.ProductID), 10), strconv.Itoa(l.Quantity)
	}
	now := db.NowFunc()
	err := db.Exec("WITH c AS (INSERT INTO carts ("+s.column+", created_at, updated_at) VALUES (?, ?, ?)"+
		" ON CONFLICT ("+s.column+") DO UPDATE SET updated_at = excluded.updated_at RETURNING id),"+
		" gone AS (DELETE FROM cart_items WHERE cart_id = (SELECT id FROM c) AND product_id <> ALL (CAST(? AS bigint[])))"+
		" INSERT INTO cart_items (cart_id, product_id, quantity)"+
		" SELECT c.id, l.product_id, l.quantity FROM c, unnest(CAST(? AS bigint[]), CAST(? AS bigint[])) AS l(product_id, quantity)"+
		" ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = excluded.quantity",
		s.key, now, now, pgArray(products), pgArray(products), pgArray(quantities)).Error
	if err != nil {
		return fmt.Errorf("save cart: %w", err)
	}
	return nil
}

// pgArray is numbers as a Postgres array literal, such as {1,2,3}.
func pgArray(numbers []string) string { return "{" + strings.Join(numbers, ",") + "}" }

// empty removes every line (after checkout).
func (s storedCart) empty() error {
	cart := s.db.Model(&StoredCart{}).Select("id").Where(s.column+" = ?", s.key)
	if err := s.db.Where("cart_id IN (?)", cart).Delete(&CartItem{}).Error; err != nil {
		return fmt.Errorf("empty cart: %w", err)
	}
	return nil
}

// id returns the cart's id, creating the cart if needed.
func (s storedCart) id() (uint, error) {
	cart := StoredCart{}
	switch k := s.key.(type) {
	case uint:
		cart.UserID = &k
	case string:
		cart.GuestKey = &k
	}
	err := s.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: s.column}},
		DoUpdates: clause.AssignmentColumns([]string{"updated_at"}),
	}).Create(&cart).Error
	if err != nil {
		return 0, fmt.Errorf("cart: %w", err)
	}
	if cart.ID == 0 { // some drivers return no id for an upsert that updated
		if err := s.db.Where(s.column+" = ?", s.key).Select("id").Take(&cart).Error; err != nil {
			return 0, fmt.Errorf("cart: %w", err)
		}
	}
	return cart.ID, nil
}

func replaceItems(tx *gorm.DB, cartID uint, lines []models.CartLine) error {
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
	if err := tx.Create(&items).Error; err != nil {
		return fmt.Errorf("replace cart items: %w", err)
	}
	return nil
}
