package cookies_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"crumb/cookies"
	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
)

// newDB opens a migrated SQLite file with the demo catalog, and the store
// of the carts kept in it.
func newDB(t testing.TB) (*gorm.DB, *models.Carts) {
	t.Helper()
	db := testkit.SQLite(t)
	catalog, err := models.NewCatalog(context.Background(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := database.Seed(context.Background(), catalog, "USD"); err != nil {
		t.Fatal(err)
	}
	return db, models.NewCarts(db, catalog)
}

func productIDs(t testing.TB, db *gorm.DB) []uint {
	t.Helper()
	var ids []uint
	if err := db.Model(&models.Product{}).Order("id").Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	if len(ids) < 36 {
		t.Fatalf("seeded %d products, want 36", len(ids))
	}
	return ids
}

func formatLines(lines []models.CartLine) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = fmt.Sprintf("%d:%d", l.ProductID, l.Quantity)
	}
	return strings.Join(parts, ",")
}

func parseLines(s string) []models.CartLine {
	var lines []models.CartLine
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		id, qty, _ := strings.Cut(part, ":")
		i, _ := strconv.Atoi(id)
		q, _ := strconv.Atoi(qty)
		lines = append(lines, models.CartLine{ProductID: uint(i), Quantity: q})
	}
	return lines
}

// cartApp serves a guest cart the way the storefront does:
// GET /cart answers "token-hex|lines", POST /cart?lines=id:qty,... replaces
// the lines, POST /cart/forget empties it, GET /cart/cookie tells what the
// cookie itself holds ("lines N", "token HEX" or "none").
func cartApp(t testing.TB, j *cookies.Jar, carts *cookies.GuestCarts) *fiber.App {
	app := newApp(t)
	app.Get("/cart", func(c *fiber.Ctx) error {
		lines, err := carts.Of(c).Lines(c.UserContext())
		if err != nil {
			return err
		}
		var token string // read without side effects: Lines has judged the cookie
		if plain, _, ok := j.Open(cookies.Cart, c.Cookies(j.CookieName(cookies.Cart))); ok {
			if g, err := cookies.DecodeCart(plain); err == nil {
				token = g.Token
			}
		}
		return c.SendString(hex.EncodeToString([]byte(token)) + "|" + formatLines(lines))
	})
	app.Post("/cart", func(c *fiber.Ctx) error {
		return carts.Of(c).Save(c.UserContext(), parseLines(c.Query("lines")))
	})
	app.Post("/cart/forget", func(c *fiber.Ctx) error { return carts.Forget(c) })
	app.Get("/cart/cookie", func(c *fiber.Ctx) error {
		plain, ok := j.Read(c, cookies.Cart)
		if !ok {
			return c.SendString("none")
		}
		g, err := cookies.DecodeCart(plain)
		if err != nil {
			return c.SendString("malformed")
		}
		if g.Token != "" {
			return c.SendString("token " + hex.EncodeToString([]byte(g.Token)))
		}
		return c.SendString("lines " + strconv.Itoa(len(g.Lines)))
	})
	return app
}

func someLines(ids []uint, n int) []models.CartLine {
	lines := make([]models.CartLine, n)
	for i := range lines {
		lines[i] = models.CartLine{ProductID: ids[i], Quantity: i%models.MaxLineQuantity + 1}
	}
	return lines
}

func loadCart(b *browser) (token string, lines string) {
	b.t.Helper()
	_, body := b.do(http.MethodGet, "/cart")
	token, lines, _ = strings.Cut(body, "|")
	return token, lines
}

func count(t testing.TB, db *gorm.DB, query string) int64 {
	t.Helper()
	var n int64
	if err := db.Raw(query).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGuestCartInCookie(t *testing.T) {
	db, stored := newDB(t)
	ids := productIDs(t, db)
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk, nil)
	b := newBrowser(t, cartApp(t, j, cookies.NewGuestCarts(j, stored, 0)), clk)

	if token, lines := loadCart(b); token != "" || lines != "" {
		t.Fatalf("a new browser has a cart: %q %q", token, lines)
	}
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
	if _, body := b.do(http.MethodGet, "/cart/cookie"); body != "lines 36" {
		t.Errorf("cookie holds %q, want the 36 lines themselves", body)
	}
	if n := count(t, db, "SELECT count(*) FROM carts"); n != 0 {
		t.Errorf("%d carts in the database for a cart that fits its cookie", n)
	}

	clk.Advance(30 * 24 * time.Hour)
	if _, lines := loadCart(b); lines != "" {
		t.Errorf("after 30 days the cart is still %q", lines)
	}
}

func TestGuestCartMovesToDatabase(t *testing.T) {
	db, stored := newDB(t)
	ids := productIDs(t, db)
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk, nil)
	b := newBrowser(t, cartApp(t, j, cookies.NewGuestCarts(j, stored, 120)), clk)

	small := formatLines(someLines(ids, 2))
	b.do(http.MethodPost, "/cart?lines="+small)
	if _, body := b.do(http.MethodGet, "/cart/cookie"); body != "lines 2" {
		t.Fatalf("a two-line cart: cookie holds %q, want the lines", body)
	}

	big := formatLines(someLines(ids, 36))
	resp, _ := b.do(http.MethodPost, "/cart?lines="+big)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("saving a big cart: status %d", resp.StatusCode)
	}
	if size := len(b.set["crumb_cart"].Name) + len(b.set["crumb_cart"].Value); size > 120 {
		t.Errorf("cart cookie is %d bytes, over the budget of 120", size)
	}
	_, held := b.do(http.MethodGet, "/cart/cookie")
	if !strings.HasPrefix(held, "token ") || len(held) != len("token ")+32 {
		t.Fatalf("cookie of a big cart holds %q, want only a 16-byte token", held)
	}
	tokenHex := strings.TrimPrefix(held, "token ")
	if token, lines := loadCart(b); token != tokenHex || lines != big {
		t.Errorf("cart back = %q (token %q), want %q from the database", lines, token, big)
	}
	if n := count(t, db, "SELECT count(*) FROM cart_items"); n != 36 {
		t.Errorf("%d cart items in the database, want 36", n)
	}

	// Once in the database, it stays there even when it shrinks.
	b.do(http.MethodPost, "/cart?lines="+small)
	if _, body := b.do(http.MethodGet, "/cart/cookie"); body != held {
		t.Errorf("after shrinking, the cookie holds %q, want the same token %q", body, held)
	}
	if _, lines := loadCart(b); lines != small {
		t.Errorf("cart back = %q, want %q", lines, small)
	}
	if n := count(t, db, "SELECT count(*) FROM cart_items"); n != 2 {
		t.Errorf("%d cart items in the database, want 2", n)
	}
	if n := count(t, db, "SELECT count(*) FROM carts"); n != 1 {
		t.Errorf("%d carts in the database, want 1", n)
	}

	// Another browser's cart is its own.
	other := newBrowser(t, b.app, clk)
	other.do(http.MethodPost, "/cart?lines="+big)
	if _, lines := loadCart(b); lines != small {
		t.Errorf("another browser's save changed this cart to %q", lines)
	}

	// Forget deletes the database copy and clears the cookie.
	b.do(http.MethodPost, "/cart/forget")
	b.mustClear("crumb_cart")
	if n := count(t, db, "SELECT count(*) FROM carts"); n != 1 {
		t.Errorf("%d carts left after Forget, want only the other browser's", n)
	}
	if n := count(t, db, "SELECT count(*) FROM cart_items"); n != 36 {
		t.Errorf("%d cart items left after Forget, want the other browser's 36", n)
	}
	if token, lines := loadCart(b); token != "" || lines != "" {
		t.Errorf("after Forget the cart is %q (token %q)", lines, token)
	}
}

func TestGuestCartBadCookie(t *testing.T) {
	_, stored := newDB(t)
	clk := newClock(start)
	var logs logBuffer
	j := newJar(t, key('a'), false, clk, slogTo(&logs))
	app := cartApp(t, j, cookies.NewGuestCarts(j, stored, 0))

	missingCart := string(make([]byte, 16))
	tests := []struct {
		name, value string
		cleared     bool
	}{
		{"tampered", "AAAA" + j.Seal(cookies.Cart, cookies.EncodeCart(cookies.GuestCart{}), start.Add(time.Hour)), true},
		{"sealed junk", j.Seal(cookies.Cart, []byte("junk"), start.Add(time.Hour)), true},
		{"quantity out of range", j.Seal(cookies.Cart, []byte{1, 'L', 1, 5, 100}, start.Add(time.Hour)), true},
		{"token of a swept cart", j.Seal(cookies.Cart, cookies.EncodeCart(cookies.GuestCart{Token: missingCart}), start.Add(time.Hour)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, app, clk)
			b.cookies["crumb_cart"] = tt.value
			resp, body := b.do(http.MethodGet, "/cart")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if _, lines, _ := strings.Cut(body, "|"); lines != "" {
				t.Errorf("cart = %q, want empty", lines)
			}
			if tt.cleared {
				b.mustClear("crumb_cart")
			}
		})
	}
	if !strings.Contains(logs.String(), "malformed cart cookie") {
		t.Errorf("a sealed but malformed cart was not logged with its reason; log: %q", logs.String())
	}
}

func TestGuestCartSweep(t *testing.T) {
	db, stored := newDB(t)
	ids := productIDs(t, db)
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk, nil)
	carts := cookies.NewGuestCarts(j, stored, 120)
	app := cartApp(t, j, carts)
	big := formatLines(someLines(ids, 36))

	age := func(b *browser, idle time.Duration) {
		t.Helper()
		tokenHex, _ := loadCart(b)
		token, err := hex.DecodeString(tokenHex)
		if err != nil || len(token) == 0 {
			t.Fatalf("cart not in the database (token %q)", tokenHex)
		}
		sum := sha256.Sum256(token)
		res := db.Exec("UPDATE carts SET updated_at = ? WHERE guest_key = ?", clk.Now().Add(-idle).UTC(), hex.EncodeToString(sum[:]))
		if res.Error != nil || res.RowsAffected != 1 {
			t.Fatalf("ageing the cart: %v, %d rows", res.Error, res.RowsAffected)
		}
	}
	stale, fresh, recent := newBrowser(t, app, clk), newBrowser(t, app, clk), newBrowser(t, app, clk)
	for _, b := range []*browser{stale, fresh, recent} {
		b.do(http.MethodPost, "/cart?lines="+big)
	}
	age(stale, 31*24*time.Hour)
	age(fresh, 29*24*time.Hour)
	age(recent, time.Minute)

	n, err := carts.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("Sweep removed %d carts, want 1", n)
	}
	if _, lines := loadCart(stale); lines != "" {
		t.Errorf("a cart idle for 31 days survived the sweep: %q", lines)
	}
	for _, b := range []*browser{fresh, recent} {
		if _, lines := loadCart(b); lines != big {
			t.Errorf("a cart idle for under 30 days was swept: %q", lines)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM cart_items"); n != 72 {
		t.Errorf("%d cart items left, want the two kept carts' 72", n)
	}

	// Two days on, the 29-day-old cart is past the limit too.
	clk.Advance(2 * 24 * time.Hour)
	if n, err := carts.Sweep(context.Background()); err != nil || n != 1 {
		t.Errorf("second sweep removed %d carts (%v), want 1", n, err)
	}
	if _, lines := loadCart(recent); lines != big {
		t.Errorf("the recent cart was swept: %q", lines)
	}
}
