package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// CartStore keeps one cart's lines: in the database (storage.Carts), or in a
// browser's cookie (handlers/visitor, in the format of package cookies).
type CartStore interface {
	Lines(ctx context.Context) ([]CartLine, error)
	Save(ctx context.Context, lines []CartLine) error
}

// Cart is one visitor's cart wherever its lines are kept. Every rule about
// what a cart may hold is applied here, for the website and the app alike.
// A Cart lives for one request: it reads its lines once and keeps them.
type Cart struct {
	store   *kept
	catalog Stockroom
}

// Stockroom is what a cart asks of the catalog (storage.Catalog answers):
// the published product from the snapshot, and products with their stock
// as the database has them now.
type Stockroom interface {
	ProductByID(id uint) (Product, error)
	ForSale(ctx context.Context, id uint) (Product, error)
	ByIDs(ctx context.Context, ids []uint) (map[uint]Product, error)
}

// NewCart is the cart whose lines store keeps, priced from catalog.
func NewCart(store CartStore, catalog Stockroom) Cart {
	return Cart{store: &kept{store: store}, catalog: catalog}
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
	byID, err := c.catalog.ByIDs(ctx, ids)
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

// In is the cart with its lines' products in lang (see Product.In).
func (c PricedCart) In(lang Language) PricedCart {
	lines := make([]PricedLine, len(c.Lines))
	for i, l := range c.Lines {
		l.Product = l.Product.In(lang)
		lines[i] = l
	}
	c.Lines = lines
	return c
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
	cart := PricedCart{Lines: make([]PricedLine, 0, len(lines))}
	for _, l := range lines {
		p, err := c.catalog.ProductByID(l.ProductID)
		if err != nil {
			cart.Notices = append(cart.Notices, Message{Code: CodeNoticeGone})
			continue
		}
		if p.Stock == 0 {
			cart.Notices = append(cart.Notices, Message{Code: CodeNoticeSoldOut, Args: []any{p.Names()}})
			continue
		}
		qty := l.Quantity
		if qty > p.Stock {
			qty = p.Stock
			cart.Notices = append(cart.Notices, Message{Code: CodeNoticeReduced, Args: []any{p.Stock, p.Names()}})
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
		return nil, Invalid("quantity", CodeLineTooMany, MaxLineQuantity, p.Names())
	case p.Stock == 0:
		return nil, Invalid("quantity", CodeSoldOut, p.Names())
	case qty > p.Stock:
		return nil, Invalid("quantity", CodeStockShort, p.Stock, p.Names())
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
