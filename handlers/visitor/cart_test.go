package visitor_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"crumb/cookies"
)

func loadCart(b *browser) (token string, lines string) {
	b.t.Helper()
	_, body := b.do(http.MethodGet, "/cart")
	token, lines, _ = strings.Cut(body, "|")
	return token, lines
}

func TestGuestCartInCookie(t *testing.T) {
	k := newKit(t)
	ids := k.productIDs()
	b := k.browser()

	if token, lines := loadCart(b); token != "" || lines != "" {
		t.Fatalf("a new browser has a cart: %q %q", token, lines)
	}
	b.mustNotTouch("crumb_cart")
	want := formatLines(someLines(ids, 36))
	b.do(http.MethodPost, "/cart?lines="+want)
	ck := b.set["crumb_cart"]
	if ck == nil {
		t.Fatal("saving set no cart cookie")
	}
	if ck.MaxAge != 30*24*60*60 {
		t.Errorf("cart cookie Max-Age = %d, want 30 days", ck.MaxAge)
	}
	if size := len(ck.Name) + len(ck.Value); size > cookies.Cart.Spec().Budget {
		t.Errorf("cart cookie is %d bytes, over its budget", size)
	}
	if token, lines := loadCart(b); token != "" || lines != want {
		t.Errorf("cart back from the cookie = %q (token %q), want %q", lines, token, want)
	}
	b.mustNotTouch("crumb_cart")
	if _, body := b.do(http.MethodGet, "/cart/cookie"); body != "lines 36" {
		t.Errorf("cookie holds %q, want the 36 lines themselves", body)
	}
	if n := k.count("SELECT count(*) FROM carts"); n != 0 {
		t.Errorf("%d carts in the database for a cart that fits its cookie", n)
	}

	k.clk.Advance(30*24*time.Hour - time.Second)
	if _, lines := loadCart(b); lines != want {
		t.Errorf("a second before 30 days the cart is %q", lines)
	}
	k.clk.Advance(time.Second)
	if _, lines := loadCart(b); lines != "" {
		t.Errorf("after 30 days the cart is still %q", lines)
	}
	b.mustClear("crumb_cart")
}

func TestGuestCartMovesToDatabase(t *testing.T) {
	k := newKit(t, cartBudget(120))
	ids := k.productIDs()
	b := k.browser()

	small := formatLines(someLines(ids, 2))
	b.do(http.MethodPost, "/cart?lines="+small)
	if _, body := b.do(http.MethodGet, "/cart/cookie"); body != "lines 2" {
		t.Fatalf("a two-line cart: cookie holds %q, want the lines", body)
	}

	big := formatLines(someLines(ids, 36))
	b.do(http.MethodPost, "/cart?lines="+big)
	if ck := b.set["crumb_cart"]; ck == nil || len(ck.Name)+len(ck.Value) > 120 {
		t.Fatalf("cart cookie %v, want one within the budget of 120", ck)
	}
	_, held := b.do(http.MethodGet, "/cart/cookie")
	if !strings.HasPrefix(held, "token ") || len(held) != len("token ")+2*cookies.CartTokenLen {
		t.Fatalf("cookie of a big cart holds %q, want only a 16-byte token", held)
	}
	tokenHex := strings.TrimPrefix(held, "token ")
	if token, lines := loadCart(b); token != tokenHex || lines != big {
		t.Errorf("cart back = %q (token %q), want %q from the database", lines, token, big)
	}
	if n := k.count("SELECT count(*) FROM cart_items"); n != 36 {
		t.Errorf("%d cart items in the database, want 36", n)
	}
	raw, _ := hex.DecodeString(tokenHex)
	if n := k.count("SELECT count(*) FROM carts WHERE guest_key = '" + sha(raw) + "'"); n != 1 {
		t.Errorf("the database keeps the cart under something other than the SHA-256 of its id (%d rows)", n)
	}

	// Once in the database, it stays there even when it shrinks.
	b.do(http.MethodPost, "/cart?lines="+small)
	if _, body := b.do(http.MethodGet, "/cart/cookie"); body != held {
		t.Errorf("after shrinking, the cookie holds %q, want the same token %q", body, held)
	}
	if _, lines := loadCart(b); lines != small {
		t.Errorf("cart back = %q, want %q", lines, small)
	}
	if n := k.count("SELECT count(*) FROM cart_items"); n != 2 {
		t.Errorf("%d cart items in the database, want 2", n)
	}
	if n := k.count("SELECT count(*) FROM carts"); n != 1 {
		t.Errorf("%d carts in the database, want 1", n)
	}

	// Another browser's cart is its own.
	other := k.browser()
	other.do(http.MethodPost, "/cart?lines="+big)
	if _, lines := loadCart(b); lines != small {
		t.Errorf("another browser's save changed this cart to %q", lines)
	}

	// Forgetting the cart deletes the database copy and clears the cookie.
	b.do(http.MethodPost, "/cart/forget")
	b.mustClear("crumb_cart")
	if n := k.count("SELECT count(*) FROM carts"); n != 1 {
		t.Errorf("%d carts left after forgetting, want only the other browser's", n)
	}
	if n := k.count("SELECT count(*) FROM cart_items"); n != 36 {
		t.Errorf("%d cart items left after forgetting, want the other browser's 36", n)
	}
	if token, lines := loadCart(b); token != "" || lines != "" {
		t.Errorf("after forgetting the cart is %q (token %q)", lines, token)
	}
	if _, lines := loadCart(other); lines != big {
		t.Errorf("the other browser's cart is now %q", lines)
	}
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestGuestCartBadCookie(t *testing.T) {
	k := newKit(t)
	j := k.jar
	missingCart := string(make([]byte, cookies.CartTokenLen))
	expires := start.Add(time.Hour)
	tests := []struct {
		name, value string
		reason      string // logged; "" when the cookie is kept
	}{
		{"tampered", "AAAA" + j.Seal(cookies.Cart, cookies.EncodeCart(cookies.GuestCart{}), expires), "cannot be decrypted"},
		{"sealed junk", j.Seal(cookies.Cart, []byte("junk"), expires), "malformed cart cookie"},
		{"quantity out of range", j.Seal(cookies.Cart, []byte{1, 'L', 1, 5, 100}, expires), "malformed cart cookie"},
		{"too many lines", j.Seal(cookies.Cart, tooManyLines(), expires), "malformed cart cookie"},
		{"token of a swept cart", j.Seal(cookies.Cart, cookies.EncodeCart(cookies.GuestCart{Token: missingCart}), expires), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(k.logs.String())
			b := k.browser()
			b.cookies["crumb_cart"] = tt.value
			if _, lines := loadCart(b); lines != "" {
				t.Errorf("cart = %q, want empty", lines)
			}
			logged := k.logs.String()[before:]
			if tt.reason == "" {
				b.mustNotTouch("crumb_cart")
				if logged != "" {
					t.Errorf("logged %q", logged)
				}
				return
			}
			b.mustClear("crumb_cart")
			if !strings.Contains(logged, "level=WARN") || !strings.Contains(logged, "cookie=crumb_cart") || !strings.Contains(logged, tt.reason) {
				t.Errorf("not logged at WARN with the cookie and %q; log: %q", tt.reason, logged)
			}
		})
	}
}

// tooManyLines is a cart of one line more than a cart may hold.
func tooManyLines() []byte {
	lines := make([]cookies.CartLine, 101)
	for i := range lines {
		lines[i] = cookies.CartLine{ProductID: uint(i + 1), Quantity: 1}
	}
	return cookies.EncodeCart(cookies.GuestCart{Lines: lines})
}

// TestGuestCartSweep: carts kept in the database for browsers gone longer
// than the cookie lives are deleted, as the app sweeps them.
func TestGuestCartSweep(t *testing.T) {
	k := newKit(t, cartBudget(120))
	ids := k.productIDs()
	big := formatLines(someLines(ids, 36))
	// What app.sweepGuestCarts runs every hour.
	sweep := func() (int64, error) {
		return k.carts.SweepGuests(context.Background(), k.clk.Now().Add(-cookies.Cart.Spec().MaxAge))
	}

	age := func(b *browser, idle time.Duration) {
		t.Helper()
		tokenHex, _ := loadCart(b)
		token, err := hex.DecodeString(tokenHex)
		if err != nil || len(token) == 0 {
			t.Fatalf("cart not in the database (token %q)", tokenHex)
		}
		res := k.db.Exec("UPDATE carts SET updated_at = ? WHERE guest_key = ?", k.clk.Now().Add(-idle).UTC(), sha(token))
		if res.Error != nil || res.RowsAffected != 1 {
			t.Fatalf("ageing the cart: %v, %d rows", res.Error, res.RowsAffected)
		}
	}
	stale, fresh, recent := k.browser(), k.browser(), k.browser()
	for _, b := range []*browser{stale, fresh, recent} {
		b.do(http.MethodPost, "/cart?lines="+big)
	}
	age(stale, 31*24*time.Hour)
	age(fresh, 29*24*time.Hour)
	age(recent, time.Minute)

	n, err := sweep()
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("the sweep removed %d carts, want 1", n)
	}
	if _, lines := loadCart(stale); lines != "" {
		t.Errorf("a cart idle for 31 days survived the sweep: %q", lines)
	}
	for _, b := range []*browser{fresh, recent} {
		if _, lines := loadCart(b); lines != big {
			t.Errorf("a cart idle for under 30 days was swept: %q", lines)
		}
	}
	if n := k.count("SELECT count(*) FROM cart_items"); n != 72 {
		t.Errorf("%d cart items left, want the two kept carts' 72", n)
	}

	// Two days on, the 29-day-old cart is past the limit too.
	k.clk.Advance(2 * 24 * time.Hour)
	if n, err := sweep(); err != nil || n != 1 {
		t.Errorf("second sweep removed %d carts (%v), want 1", n, err)
	}
	if _, lines := loadCart(recent); lines != big {
		t.Errorf("the recent cart was swept: %q", lines)
	}

	// The browser whose cart was swept can fill it again.
	stale.do(http.MethodPost, "/cart?lines="+big)
	if _, lines := loadCart(stale); lines != big {
		t.Errorf("after the sweep the browser's new cart is %q", lines)
	}
}
