package cookies_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"crumb/cookies"
)

// limits are the shop's: models.MaxCartLines and models.MaxLineQuantity.
var limits = cookies.CartLimits{Lines: 100, Quantity: 99}

func lines(n int) []cookies.CartLine {
	out := make([]cookies.CartLine, n)
	for i := range out {
		out[i] = cookies.CartLine{ProductID: uint(i*37 + 1), Quantity: i%limits.Quantity + 1}
	}
	return out
}

// token is a database cart id as the cookie holds it: 16 raw bytes.
var token = "\x00\xffcrumb-cart-\x80\x01\n"

func TestCartTokenLen(t *testing.T) {
	if len(token) != cookies.CartTokenLen {
		t.Fatalf("test token of %d bytes, the cookie holds %d", len(token), cookies.CartTokenLen)
	}
}

func TestCartRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		cart cookies.GuestCart
	}{
		{"empty", cookies.GuestCart{}},
		{"one line", cookies.GuestCart{Lines: []cookies.CartLine{{ProductID: 7, Quantity: 2}}}},
		{"quantity 1", cookies.GuestCart{Lines: []cookies.CartLine{{ProductID: 3, Quantity: 1}}}},
		{"quantity 99", cookies.GuestCart{Lines: []cookies.CartLine{{ProductID: 3, Quantity: limits.Quantity}}}},
		{"large ids", cookies.GuestCart{Lines: []cookies.CartLine{
			{ProductID: 1 << 31, Quantity: 5}, {ProductID: 1<<31 - 1, Quantity: 6}, {ProductID: 300, Quantity: 7}, {ProductID: 1 << 20, Quantity: 8},
		}}},
		{"100 lines", cookies.GuestCart{Lines: lines(limits.Lines)}},
		{"token", cookies.GuestCart{Token: token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := cookies.EncodeCart(tt.cart)
			got, err := cookies.DecodeCart(enc, limits)
			if err != nil {
				t.Fatalf("DecodeCart(EncodeCart(%v)): %v", tt.cart, err)
			}
			if got.Token != tt.cart.Token {
				t.Errorf("token = %q, want %q", got.Token, tt.cart.Token)
			}
			if len(got.Lines) != len(tt.cart.Lines) {
				t.Fatalf("%d lines back, want %d", len(got.Lines), len(tt.cart.Lines))
			}
			for i := range got.Lines {
				if got.Lines[i] != tt.cart.Lines[i] {
					t.Errorf("line %d = %+v, want %+v", i, got.Lines[i], tt.cart.Lines[i])
				}
			}
		})
	}
}

func TestCartEncodingIsCompact(t *testing.T) {
	// A full cart of the demo catalog's small ids must fit the cookie's
	// budget with room for sealing (about 4/3 + 50 bytes).
	enc := cookies.EncodeCart(cookies.GuestCart{Lines: lines(36)})
	if max := (cookies.Cart.Spec().Budget - 60) * 3 / 4; len(enc) > max {
		t.Errorf("36 lines encode to %d bytes, more than the %d a cookie can carry", len(enc), max)
	}
}

// build assembles a cart cookie payload: version, kind, then uvarints.
func build(version, kind byte, nums ...uint64) []byte {
	b := []byte{version, kind}
	for _, n := range nums {
		b = binary.AppendUvarint(b, n)
	}
	return b
}

func TestDecodeCartRejectsCorruption(t *testing.T) {
	tooMany := []uint64{uint64(limits.Lines) + 1}
	for i := range limits.Lines + 1 {
		tooMany = append(tooMany, uint64(i+1), 1)
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"version only", []byte{1}},
		{"version 0", build(0, 'L', 0)},
		{"version 2", build(2, 'L', 1, 5, 1)},
		{"unknown kind", build(1, 'X', 0)},
		{"lowercase kind", build(1, 'l', 0)},
		{"no count", []byte{1, 'L'}},
		{"truncated count varint", []byte{1, 'L', 0x80}},
		{"truncated id varint", []byte{1, 'L', 1, 0x85}},
		{"truncated quantity varint", []byte{1, 'L', 1, 5, 0x81}},
		{"overflowing varint", append([]byte{1, 'L'}, bytes.Repeat([]byte{0xff}, 11)...)},
		{"count larger than lines", build(1, 'L', 2, 5, 1)},
		{"count without lines", build(1, 'L', 1)},
		{"count over the line limit", build(1, 'L', tooMany...)},
		{"huge count", build(1, 'L', 1<<40)},
		{"quantity 0", build(1, 'L', 1, 5, 0)},
		{"quantity 100", build(1, 'L', 1, 5, 100)},
		{"huge quantity", build(1, 'L', 1, 5, 1<<33+1)},
		{"product id 0", build(1, 'L', 1, 0, 1)},
		{"product id beyond 2^31", build(1, 'L', 1, 1<<31+1, 1)},
		{"duplicated product", build(1, 'L', 2, 5, 1, 5, 2)},
		{"duplicated product apart", build(1, 'L', 3, 5, 1, 6, 1, 5, 1)},
		{"trailing byte", append(build(1, 'L', 1, 5, 1), 0)},
		{"trailing line", build(1, 'L', 1, 5, 1, 6, 1)},
		{"padded id varint", []byte{1, 'L', 1, 0x85, 0x00, 1}},
		{"padded count varint", []byte{1, 'L', 0x81, 0x80, 0x00, 5, 1}},
		{"empty token", []byte{1, 'T'}},
		{"short token", append([]byte{1, 'T'}, token[:15]...)},
		{"long token", append([]byte{1, 'T'}, token+"0"...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := cookies.DecodeCart(tt.b, limits); err == nil {
				t.Errorf("DecodeCart(%x) accepted %+v", tt.b, got)
			}
		})
	}
}

// TestDecodeCartHonoursItsLimits: the limits are the caller's, not fixed
// in the codec.
func TestDecodeCartHonoursItsLimits(t *testing.T) {
	small := cookies.CartLimits{Lines: 3, Quantity: 5}
	tests := []struct {
		name   string
		b      []byte
		limits cookies.CartLimits
		ok     bool
	}{
		{"three lines of three", build(1, 'L', 3, 1, 5, 2, 5, 3, 5), small, true},
		{"four lines of three", build(1, 'L', 4, 1, 1, 2, 1, 3, 1, 4, 1), small, false},
		{"quantity at the limit", build(1, 'L', 1, 7, 5), small, true},
		{"quantity over the limit", build(1, 'L', 1, 7, 6), small, false},
		{"the shop's limits take it", build(1, 'L', 1, 7, 6), limits, true},
		{"empty cart with no room", build(1, 'L', 0), cookies.CartLimits{}, true},
		{"a line with no room", build(1, 'L', 1, 7, 1), cookies.CartLimits{}, false},
		{"a token needs no room", append([]byte{1, 'T'}, token...), cookies.CartLimits{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := cookies.DecodeCart(tt.b, tt.limits)
			if (err == nil) != tt.ok {
				t.Fatalf("DecodeCart(%x, %+v) = %+v, %v; want accepted %v", tt.b, tt.limits, g, err, tt.ok)
			}
			if err == nil && !bytes.Equal(cookies.EncodeCart(g), tt.b) {
				t.Errorf("%+v encodes to %x, not %x", g, cookies.EncodeCart(g), tt.b)
			}
		})
	}
}

func FuzzDecodeCart(f *testing.F) {
	for _, g := range []cookies.GuestCart{
		{},
		{Lines: []cookies.CartLine{{ProductID: 1, Quantity: 1}}},
		{Lines: []cookies.CartLine{{ProductID: 1 << 31, Quantity: 99}, {ProductID: 200, Quantity: 3}}},
		{Lines: lines(12)},
		{Lines: lines(limits.Lines)},
		{Token: token},
	} {
		f.Add(cookies.EncodeCart(g))
	}
	for _, junk := range [][]byte{
		nil, {1}, {1, 'L'}, {1, 'T'}, {1, 'L', 0x80, 0x80}, {1, 'L', 1, 0x85, 0x00, 1},
		[]byte("garbage"), bytes.Repeat([]byte{0xff}, 40), build(1, 'L', 2, 5, 1, 5, 1),
	} {
		f.Add(junk)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := cookies.DecodeCart(b, limits)
		if err != nil {
			return
		}
		if again := cookies.EncodeCart(g); !bytes.Equal(again, b) {
			t.Fatalf("DecodeCart accepted %x as %+v, which encodes to %x", b, g, again)
		}
		if g.Token != "" {
			if len(g.Token) != len(token) || len(g.Lines) != 0 {
				t.Fatalf("accepted token %q with %d lines", g.Token, len(g.Lines))
			}
			return
		}
		if len(g.Lines) > limits.Lines {
			t.Fatalf("accepted %d lines", len(g.Lines))
		}
		seen := map[uint]bool{}
		for _, l := range g.Lines {
			if l.ProductID == 0 || seen[l.ProductID] || l.Quantity < 1 || l.Quantity > limits.Quantity {
				t.Fatalf("accepted bad line %+v in %+v", l, g.Lines)
			}
			seen[l.ProductID] = true
		}
	})
}
