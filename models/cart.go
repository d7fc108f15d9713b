package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crumb/secret"
)

// Cart limits that apply to every cart, guest or signed in.
const (
	MaxLineQuantity = 99
	MaxCartLines    = 100
)

// CartLine is a product and how many of it: all a cart holds. Names,
// prices and stock are always looked up, never kept with the line.
type CartLine struct {
	ProductID uint
	Quantity  int
}

// CartStore keeps one cart's lines: in the database (see Carts), or in a
// browser's cookie (package cookies).
type CartStore interface {
	Lines(ctx context.Context) ([]CartLine, error)
	Save(ctx context.Context, lines []CartLine) error
}

// Cart is one visitor's cart wherever its lines are kept. Every rule about
// what a cart may hold is applied here, for the website and the app alike.
// A Cart lives for one request: it reads its lines once and keeps them.
type Cart struct {
	store   *kept
	catalog *Catalog
}

// kept is a CartStore's lines, read once and then kept with what is saved.
type kept struct {
	store  CartStore
	lines  []CartLine
	loaded bool
}

func (k *kept) Lines(ctx context.Context) ([]CartLine, error) {
	if !k.loaded {
		lines, err := k.store.Lines(ctx)
		if err != nil {
			return nil, err
		}
		k.lines, k.loaded = lines, true
	}
	return k.lines, nil
}

func (k *kept) Save(ctx context.Context, lines []CartLine) error {
	if err := k.store.Save(ctx, lines); err != nil {
		k.loaded = false
		return err
	}
	k.lines, k.loaded = lines, true
	return nil
}

// Lines are the cart's lines as saved.
func (c Cart) Lines(ctx context.Context) ([]CartLine, error) { return c.store.Lines(ctx) }

// Count is the number of items in the cart, for the header's badge.
func (c Cart) Count(ctx context.Context) (int, error) {
	lines, err := c.store.Lines(ctx)
	n := 0
	for _, l := range lines {
		n += l.Quantity
	}
	return n, err
}

// Add puts qty (1 to MaxLineQuantity) more of a product on sale in the
// cart, refusing more than is in stock or than one line may hold.
func (c Cart) Add(ctx context.Context, productID uint, qty int) error {
	if qty < 1 || qty > MaxLineQuantity {
		return Invalid("quantity", CodeQuantityInvalid, 1, MaxLineQuantity)
	}
	lines, err := c.store.Lines(ctx)
	if err != nil {
		return err
	}
	p, err := c.catalog.ForSale(ctx, productID)
	if err != nil {
		return err
	}
	have := 0
	if i := lineOf(lines, productID); i >= 0 {
		have = lines[i].Quantity
	}
	if lines, err = setLine(lines, p, have+qty); err != nil {
		return err
	}
	return c.store.Save(ctx, lines)
}

// Set makes the quantity of a product qty (0 to MaxLineQuantity); 0 removes
// the line, even of a product that is no longer sold.
func (c Cart) Set(ctx context.Context, productID uint, qty int) error {
	if qty < 0 || qty > MaxLineQuantity {
		return Invalid("quantity", CodeQuantityInvalid, 0, MaxLineQuantity)
	}
	lines, err := c.store.Lines(ctx)
	if err != nil {
		return err
	}
	if qty == 0 {
		if i := lineOf(lines, productID); i >= 0 {
			return c.store.Save(ctx, slices.Delete(slices.Clone(lines), i, i+1))
		}
		return nil
	}
	p, err := c.catalog.ForSale(ctx, productID)
	if err != nil {
		return err
	}
	if lines, err = setLine(lines, p, qty); err != nil {
		return err
	}
	return c.store.Save(ctx, lines)
}

// Merge adds lines from another cart (a guest's, at sign-in): quantities
// are summed and capped by the stock and the per-line maximum, products no
// longer sold are left out. It reports how many items were added.
func (c Cart) Merge(ctx context.Context, from []CartLine) (int, error) {
	if len(from) == 0 {
		return 0, nil
	}
	lines, err := c.store.Lines(ctx)
	if err != nil {
		return 0, err
	}
	lines = slices.Clone(lines)
	ids := make([]uint, len(from))
	for i, l := range from {
		ids[i] = l.ProductID
	}
	byID, err := c.catalog.products(Conn(ctx, c.catalog.db), ids)
	if err != nil {
		return 0, fmt.Errorf("merge cart: %w", err)
	}
	added := 0
	for _, g := range from {
		p, ok := byID[g.ProductID]
		if !ok || !p.Published {
			continue
		}
		i := lineOf(lines, g.ProductID)
		have := 0
		if i >= 0 {
			have = lines[i].Quantity
		}
		want := min(have+g.Quantity, p.Stock, MaxLineQuantity)
		switch {
		case want <= have:
		case i >= 0:
			added += want - have
			lines[i].Quantity = want
		case len(lines) < MaxCartLines:
			added += want
			lines = append(lines, CartLine{ProductID: g.ProductID, Quantity: want})
		}
	}
	if added == 0 {
		return 0, nil
	}
	return added, c.store.Save(ctx, lines)
}

// PricedLine is a cart line with its product as the catalog has it now.
type PricedLine struct {
	Product  Product
	Quantity int
	Total    Money
}

// PricedCart is a cart priced from the catalog. Notices say what changed
// since the lines were saved (lines left out or reduced).
type PricedCart struct {
	Lines    []PricedLine
	Subtotal Money
	Count    int
	Notices  []Message
}

// Priced prices the cart with the catalog's snapshot of the published
// products: no query beyond reading the lines. Products no longer sold or
// sold out are left out and quantities above the stock are reduced, each
// with a notice; the saved lines are not changed. (Checkout reads prices
// and stock again in its transaction.)
func (c Cart) Priced(ctx context.Context) (PricedCart, error) {
	lines, err := c.store.Lines(ctx)
	if err != nil {
		return PricedCart{}, err
	}
	snap := c.catalog.snap.Load()
	var cart PricedCart
	for _, l := range lines {
		i, ok := snap.byID[l.ProductID]
		if !ok {
			cart.Notices = append(cart.Notices, Message{Code: CodeNoticeGone})
			continue
		}
		p := snap.products[i]
		if p.Stock == 0 {
			cart.Notices = append(cart.Notices, Message{Code: CodeNoticeSoldOut, Args: []any{p.Name}})
			continue
		}
		qty := l.Quantity
		if qty > p.Stock {
			qty = p.Stock
			cart.Notices = append(cart.Notices, Message{Code: CodeNoticeReduced, Args: []any{p.Stock, p.Name}})
		}
		total := p.Price().Times(qty)
		cart.Lines = append(cart.Lines, PricedLine{Product: p, Quantity: qty, Total: total})
		cart.Subtotal.Amount += total.Amount
		cart.Subtotal.Currency = p.Currency
		cart.Count += qty
	}
	return cart, nil
}

// ParseQuantity reads a quantity a shopper typed: a whole number from lo
// to MaxLineQuantity.
func ParseQuantity(s string, lo int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < lo || n > MaxLineQuantity {
		return 0, Invalid("quantity", CodeQuantityInvalid, lo, MaxLineQuantity)
	}
	return n, nil
}

// setLine sets the quantity of p in a copy of lines, refusing more than is
// in stock, than one line may hold, or a new line in a full cart.
func setLine(lines []CartLine, p Product, qty int) ([]CartLine, error) {
	out := slices.Clone(lines)
	i := lineOf(out, p.ID)
	switch {
	case qty > MaxLineQuantity:
		return nil, Invalid("quantity", CodeLineTooMany, MaxLineQuantity, p.Name)
	case p.Stock == 0:
		return nil, Invalid("quantity", CodeSoldOut, p.Name)
	case qty > p.Stock:
		return nil, Invalid("quantity", CodeStockShort, p.Stock, p.Name)
	case i >= 0:
		out[i].Quantity = qty
	case len(out) >= MaxCartLines:
		return nil, Invalid("product_id", CodeCartFull, MaxCartLines)
	default:
		out = append(out, CartLine{ProductID: p.ID, Quantity: qty})
	}
	return out, nil
}

func lineOf(lines []CartLine, productID uint) int {
	return slices.IndexFunc(lines, func(l CartLine) bool { return l.ProductID == productID })
}

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
func (s *Carts) User(userID uint) Cart { return s.Of(s.userCart(userID)) }

func (s *Carts) userCart(userID uint) storedCart {
	return storedCart{db: s.db, column: "user_id", key: userID}
}

// Of is the cart whose lines store keeps (a guest's cookie).
func (s *Carts) Of(store CartStore) Cart { return Cart{store: &kept{store: store}, catalog: s.catalog} }

// Guest keeps the lines of the guest cart named by token (the random id
// in its cookie) in the database.
func (s *Carts) Guest(token string) CartStore {
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
func (s storedCart) Lines(ctx context.Context) ([]CartLine, error) {
	rows, err := Conn(ctx, s.db).Raw("SELECT cart_items.product_id, cart_items.quantity FROM cart_items"+
		" JOIN carts ON carts.id = cart_items.cart_id WHERE carts."+s.column+" = ? ORDER BY cart_items.product_id", s.key).Rows()
	if err != nil {
		return nil, fmt.Errorf("cart lines: %w", err)
	}
	defer rows.Close()
	var lines []CartLine
	for rows.Next() {
		var l CartLine
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

// Save replaces the cart's lines, creating the cart if needed.
func (s storedCart) Save(ctx context.Context, lines []CartLine) error {
	return Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		id, err := s.in(tx).id()
		if err != nil {
			return err
		}
		return replaceItems(tx, id, lines)
	})
}

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
	if err := tx.Create(&items).Error; err != nil {
		return fmt.Errorf("replace cart items: %w", err)
	}
	return nil
}
