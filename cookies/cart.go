package cookies

import (
	"encoding/binary"
	"errors"
)

// GuestCart is what the crumb_cart cookie holds: either the lines
// themselves, or, for a cart too big for the cookie, the opaque id of the
// cart kept in the database.
type GuestCart struct {
	Lines []CartLine
	Token string // set when the cart lives in the database
}

// CartLine is a product id and a quantity, as the cookie holds them.
type CartLine struct {
	ProductID uint
	Quantity  int
}

// CartLimits are what a cart may hold; a cookie holding more is not one
// Crumb wrote.
type CartLimits struct{ Lines, Quantity int }

// CartTokenLen is the size of the random id of a cart kept in the database.
const CartTokenLen = 16

// Cart cookie format, before sealing:
//
//	version(1) kind(1) payload
//	kind 'L': uvarint(count), then count × (uvarint(product id), uvarint(quantity))
//	kind 'T': 16 random bytes naming the cart in the database
const (
	cartVersion = 1
	kindLines   = 'L'
	kindToken   = 'T'
)

var errBadCart = errors.New("malformed cart cookie")

// EncodeCart serialises a guest cart compactly.
func EncodeCart(g GuestCart) []byte {
	if g.Token != "" {
		return append([]byte{cartVersion, kindToken}, g.Token...)
	}
	b := make([]byte, 0, 3+len(g.Lines)*4)
	b = append(b, cartVersion, kindLines)
	b = binary.AppendUvarint(b, uint64(len(g.Lines)))
	for _, l := range g.Lines {
		b = binary.AppendUvarint(b, uint64(l.ProductID))
		b = binary.AppendUvarint(b, uint64(l.Quantity))
	}
	return b
}

// DecodeCart parses what EncodeCart wrote, rejecting anything else: an
// unknown version, an unknown kind, quantities outside 1..limits.Quantity,
// a zero or repeated product, more than limits.Lines lines, or trailing
// bytes.
func DecodeCart(b []byte, limits CartLimits) (GuestCart, error) {
	if len(b) < 2 || b[0] != cartVersion {
		return GuestCart{}, errBadCart
	}
	switch b[1] {
	case kindToken:
		if len(b) != 2+CartTokenLen {
			return GuestCart{}, errBadCart
		}
		return GuestCart{Token: string(b[2:])}, nil
	case kindLines:
	default:
		return GuestCart{}, errBadCart
	}
	rest := b[2:]
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(rest)
		// A zero last byte pads a varint with empty groups: EncodeCart
		// never writes one, so the bytes are not a cart it made.
		if n <= 0 || (n > 1 && rest[n-1] == 0) {
			return 0, false
		}
		rest = rest[n:]
		return v, true
	}
	count, ok := next()
	if !ok || count > uint64(limits.Lines) {
		return GuestCart{}, errBadCart
	}
	lines := make([]CartLine, 0, count)
	seen := make(map[uint64]bool, count)
	for range count {
		id, ok1 := next()
		qty, ok2 := next()
		if !ok1 || !ok2 || id == 0 || id > 1<<31 || seen[id] || qty < 1 || qty > uint64(limits.Quantity) {
			return GuestCart{}, errBadCart
		}
		seen[id] = true
		lines = append(lines, CartLine{ProductID: uint(id), Quantity: int(qty)})
	}
	if len(rest) != 0 {
		return GuestCart{}, errBadCart
	}
	return GuestCart{Lines: lines}, nil
}
