package web_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/internal/apptest"
	"crumb/models"
	"crumb/storage"
)

func TestGuestCart(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	baguette, cake := ta.ProductID("baguette"), ta.ProductID("carrot-cake")

	res := b.Post("/cart/items", url.Values{"product_id": {baguette}, "quantity": {"2"}})
	if res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Location") != "/cart" {
		t.Fatalf("add = %d to %q, want 303 to /cart", res.StatusCode, res.Header.Get("Location"))
	}
	b.Post("/cart/items", url.Values{"product_id": {baguette}, "quantity": {"1"}})
	b.Post("/cart/items", url.Values{"product_id": {cake}, "quantity": {"1"}})

	page := b.Get("/cart")
	for _, want := range []string{"Baguette", "Carrot Cake", `value="3"`, "$10.50", "$32.00", "$42.50", "Subtotal (4 items)", `id="cart-count" class="badge">4<`, "Continue shopping"} {
		if !strings.Contains(page.Text, want) {
			t.Errorf("cart page lacks %q", want)
		}
	}
	if got := page.Header.Get("Cache-Control"); got != "private, no-store" {
		t.Errorf("cart Cache-Control = %q", got)
	}

	b.Post("/cart/items/"+baguette, url.Values{"quantity": {"5"}})
	if page := b.Get("/cart"); !strings.Contains(page.Text, "$17.50") {
		t.Error("setting the quantity to 5 did not show 5 × $3.50")
	}
	b.Post("/cart/items/"+baguette, url.Values{"quantity": {"0"}})
	page = b.Get("/cart")
	if strings.Contains(page.Text, "Baguette") || !strings.Contains(page.Text, "Carrot Cake") {
		t.Error("quantity 0 did not remove only that line")
	}
}

func TestCartCookieHoldsOnlyIDsAndQuantities(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("macarons")}, "quantity": {"3"}})
	ck := b.Cookies["crumb_cart"]
	if ck == nil {
		t.Fatal("no crumb_cart cookie")
	}
	if strings.Contains(ck.Value, "1400") || strings.Contains(strings.ToLower(ck.Value), "macaron") {
		t.Error("cart cookie is readable")
	}
	if ck.MaxAge != 30*24*3600 || !ck.HttpOnly || ck.SameSite != 2 /* Lax */ || ck.Path != "/" {
		t.Errorf("cart cookie flags: max-age %d httponly %v samesite %v path %q", ck.MaxAge, ck.HttpOnly, ck.SameSite, ck.Path)
	}
	plain, _, ok := ta.Jar.Open(cookies.Cart, ck.Value)
	if !ok {
		t.Fatal("cart cookie does not open with the store's key")
	}
	cart, err := cookies.DecodeCart(plain, cookies.CartLimits{Lines: models.MaxCartLines, Quantity: models.MaxLineQuantity})
	if err != nil || len(cart.Lines) != 1 || cart.Lines[0].Quantity != 3 {
		t.Fatalf("cookie holds %+v, %v", cart, err)
	}

	// A price change in the database shows at once: the cookie has no price.
	ta.SetProduct("macarons", "price_amount", 1500)
	if page := b.Get("/cart"); !strings.Contains(page.Text, "$45.00") {
		t.Error("cart did not use the database price")
	}
}

func TestCartRejectsBadInput(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	baguette := ta.ProductID("baguette")
	b.Post("/cart/items", url.Values{"product_id": {baguette}, "quantity": {"2"}})
	ta.SetProduct("red-velvet-cake", "stock", 4)
	tests := []struct {
		name, path string
		form       url.Values
		message    string
	}{
		{"quantity not a number", "/cart/items", url.Values{"product_id": {baguette}, "quantity": {"two"}}, "whole number"},
		{"quantity zero", "/cart/items", url.Values{"product_id": {baguette}, "quantity": {"0"}}, "from 1 to 99"},
		{"quantity too big", "/cart/items", url.Values{"product_id": {baguette}, "quantity": {"100"}}, "from 1 to 99"},
		{"quantity negative", "/cart/items", url.Values{"product_id": {baguette}, "quantity": {"-3"}}, "from 1 to 99"},
		{"quantity huge", "/cart/items", url.Values{"product_id": {baguette}, "quantity": {"99999999999999999999"}}, "whole number"},
		{"line would pass 99", "/cart/items", url.Values{"product_id": {baguette}, "quantity": {"98"}}, "at most 99"},
		{"more than the stock", "/cart/items", url.Values{"product_id": {ta.ProductID("red-velvet-cake")}, "quantity": {"5"}}, "Only 4 of Red Velvet Cake left"},
		{"unknown product", "/cart/items", url.Values{"product_id": {"987654"}, "quantity": {"1"}}, "no longer available"},
		{"product id not a number", "/cart/items", url.Values{"product_id": {"bread"}, "quantity": {"1"}}, "Pick one from the shop"},
		{"set quantity too big", "/cart/items/" + baguette, url.Values{"quantity": {"120"}}, "from 0 to 99"},
		{"set quantity of unknown product", "/cart/items/987654", url.Values{"quantity": {"2"}}, "no longer available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.Post(tt.path, tt.form)
			if res.StatusCode != fiber.StatusUnprocessableEntity {
				t.Fatalf("status = %d, want 422", res.StatusCode)
			}
			if !strings.Contains(res.Text, tt.message) || !strings.Contains(res.Text, `role="alert"`) {
				t.Errorf("page lacks the message %q", tt.message)
			}
			if !strings.Contains(res.Text, "Baguette") || !strings.Contains(res.Text, `value="2"`) {
				t.Error("the cart was lost or changed")
			}
		})
	}
}

func TestCartWithScriptGetsJSON(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.Headers.Set("Accept", "application/json")
	res := b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("pretzel")}, "quantity": {"3"}})
	if res.StatusCode != 200 || strings.TrimSpace(res.Text) != `{"count":3}` {
		t.Errorf("add with script = %d %s", res.StatusCode, res.Text)
	}
	res = b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("pretzel")}, "quantity": {"abc"}})
	if res.StatusCode != 422 || !strings.Contains(res.Text, `"error":"Quantity must be a whole number`) || !strings.Contains(res.Text, `"count":3`) {
		t.Errorf("bad add with script = %d %s", res.StatusCode, res.Text)
	}
}

func TestCartDropsWhatIsNoLongerSold(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	scone, quiche, focaccia := ta.ProductID("cheese-scone"), ta.ProductID("quiche-lorraine"), ta.ProductID("focaccia")
	b.Post("/cart/items", url.Values{"product_id": {scone}, "quantity": {"2"}})
	b.Post("/cart/items", url.Values{"product_id": {quiche}, "quantity": {"5"}})
	b.Post("/cart/items", url.Values{"product_id": {focaccia}, "quantity": {"1"}})
	ta.SetProduct("cheese-scone", "published", false)
	ta.SetProduct("quiche-lorraine", "stock", 3)
	ta.SetProduct("focaccia", "stock", 0)

	page := b.Get("/cart")
	if page.StatusCode != 200 {
		t.Fatalf("cart = %d", page.StatusCode)
	}
	for _, want := range []string{"no longer sold", "Only 3 of Quiche Lorraine left", "Rosemary Focaccia is sold out", "Subtotal (3 items)"} {
		if !strings.Contains(page.Text, want) {
			t.Errorf("cart lacks %q", want)
		}
	}
	// The shopper can still remove the unpublished line.
	if res := b.Post("/cart/items/"+scone, url.Values{"quantity": {"0"}}); res.StatusCode != fiber.StatusSeeOther {
		t.Errorf("removing an unpublished product = %d", res.StatusCode)
	}
	if page := b.Get("/cart"); strings.Contains(page.Text, "no longer sold") {
		t.Error("the removed line still shows")
	}
}

func TestBadCartCookieIsAnEmptyCart(t *testing.T) {
	ta := apptest.New(t)
	valid := ta.Browser()
	valid.Post("/cart/items", url.Values{"product_id": {ta.ProductID("brioche")}, "quantity": {"1"}})
	good := valid.Cookies["crumb_cart"].Value
	otherKey := apptest.New(t, apptest.WithSecretKey(bytes.Repeat([]byte{9}, 32)))
	foreign := otherKey.Browser()
	foreign.Post("/cart/items", url.Values{"product_id": {ta.ProductID("brioche")}, "quantity": {"1"}})

	flipped := []byte(good)
	flipped[len(flipped)/2] ^= 1
	for name, value := range map[string]string{
		"tampered":     string(flipped),
		"truncated":    good[:len(good)/2],
		"garbage":      "%%%not-base64%%%",
		"empty-ish":    "AQ",
		"foreign key":  foreign.Cookies["crumb_cart"].Value,
		"other cookie": ta.Jar.Seal(cookies.Email, []byte("x"), time.Time{}),
		"old version":  "Ag" + good[2:],
		"huge":         strings.Repeat("A", 3000),
	} {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/cart", nil)
			req.AddCookie(&http.Cookie{Name: "crumb_cart", Value: value})
			res := ta.Do(req)
			if res.StatusCode != 200 || !strings.Contains(res.Text, "Your cart is empty") {
				t.Fatalf("cart with a %s cookie = %d", name, res.StatusCode)
			}
			cleared := false
			for _, c := range res.Cookies() {
				if c.Name == "crumb_cart" && (c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Unix(86400, 0)))) {
					cleared = true
				}
			}
			if !cleared {
				t.Error("bad cookie was not cleared")
			}
		})
	}
	if !strings.Contains(ta.Logs.String(), "level=WARN msg=\"rejected cookie\" cookie=crumb_cart") {
		t.Errorf("rejections not logged at warn: %s", ta.Logs.String())
	}
}

func TestBigGuestCartMovesToTheDatabase(t *testing.T) {
	ta := apptest.New(t, apptest.WithCartBudget(90))
	b := ta.Browser()
	slugs := []string{"baguette", "brioche", "ciabatta", "rye-bread", "pretzel", "focaccia", "egg-tart", "macarons", "biscotti", "shortbread", "cheese-scone", "sausage-roll"}
	for _, slug := range slugs {
		res := b.Post("/cart/items", url.Values{"product_id": {ta.ProductID(slug)}, "quantity": {"2"}})
		if res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("adding %s = %d", slug, res.StatusCode)
		}
		if size := len("crumb_cart") + len(b.Cookies["crumb_cart"].Value); size > 90 {
			t.Fatalf("cookie grew to %d bytes, over the budget", size)
		}
	}
	var carts int64
	ta.DB.Model(&storage.StoredCart{}).Where("guest_key IS NOT NULL").Count(&carts)
	if carts != 1 {
		t.Fatalf("guest carts in the database = %d, want 1", carts)
	}
	plain, _, _ := ta.Jar.Open(cookies.Cart, b.Cookies["crumb_cart"].Value)
	if g, err := cookies.DecodeCart(plain, cookies.CartLimits{Lines: models.MaxCartLines, Quantity: models.MaxLineQuantity}); err != nil || g.Token == "" || len(g.Lines) != 0 {
		t.Errorf("cookie should hold only the cart's id: %+v %v", g, err)
	}
	page := b.Get("/cart")
	if !strings.Contains(page.Text, "Subtotal (24 items)") {
		t.Error("the shopper's big cart is not all there")
	}
	// Another browser does not see it.
	if other := ta.Browser().Get("/cart"); !strings.Contains(other.Text, "Your cart is empty") {
		t.Error("another browser sees the cart")
	}
}

func TestCartFormsNeedTheFormToken(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	id := ta.ProductID("baguette")
	for name, form := range map[string]url.Values{
		"missing":         {"product_id": {id}, "quantity": {"1"}, "_csrf": {""}},
		"wrong":           {"product_id": {id}, "quantity": {"1"}, "_csrf": {"AAAA"}},
		"other browser's": {"product_id": {id}, "quantity": {"1"}, "_csrf": {ta.Browser().CSRF()}},
	} {
		res := b.Post("/cart/items", form)
		if res.StatusCode != fiber.StatusForbidden || !strings.Contains(res.Text, "Reload the page and try again") {
			t.Errorf("%s token: %d", name, res.StatusCode)
		}
	}
	req := httptest.NewRequest("POST", "/popup/dismiss", strings.NewReader("_csrf="+b.CSRF()))
	req.Header.Set("Content-Type", fiber.MIMEApplicationForm)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res := b.Do(req); res.StatusCode != fiber.StatusForbidden {
		t.Errorf("cross-site post = %d, want 403", res.StatusCode)
	}
	if page := b.Get("/cart"); !strings.Contains(page.Text, "Your cart is empty") {
		t.Error("a refused form changed the cart")
	}
}

func TestGetNeverChangesTheCart(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	id := ta.ProductID("baguette")
	for _, path := range []string{"/cart/items?product_id=" + id + "&quantity=1", "/cart/items/" + id + "?quantity=3"} {
		if res := b.Get(path); res.StatusCode != 404 && res.StatusCode != 405 {
			t.Errorf("GET %s = %d", path, res.StatusCode)
		}
	}
	if page := b.Get("/cart"); !strings.Contains(page.Text, "Your cart is empty") {
		t.Error("a GET changed the cart")
	}
}

// TestFormTokensWorkAcrossInstances: two instances sharing SECRET_KEY (and
// nothing else) accept each other's form tokens, so no sticky sessions.
func TestFormTokensWorkAcrossInstances(t *testing.T) {
	one, two := apptest.New(t), apptest.New(t)
	b := one.Browser()
	token := b.CSRF()
	b.App = two
	res := b.Post("/cart/items", url.Values{"_csrf": {token}, "product_id": {two.ProductID("baguette")}, "quantity": {"1"}})
	if res.StatusCode != fiber.StatusSeeOther {
		t.Errorf("a token from another instance = %d, want 303", res.StatusCode)
	}
}

// Pages kept for everyone (home, listing, product, a cart with the same
// lines) still give each browser its own form token, in every form.
func TestKeptPagesCarryEachBrowsersOwnToken(t *testing.T) {
	ta := apptest.New(t)
	id := ta.ProductID("baguette")
	a, b := ta.Browser(), ta.Browser()
	for _, shopper := range []*apptest.Browser{a, b} {
		shopper.Post("/cart/items", url.Values{"product_id": {id}, "quantity": {"2"}})
	}
	tokenA, tokenB := a.CSRF(), b.CSRF()
	if tokenA == tokenB {
		t.Fatal("two browsers were given the same form token")
	}
	for _, path := range []string{"/", "/products", "/products?q=bread", "/products/baguette", "/cart"} {
		for _, visit := range []struct {
			browser *apptest.Browser
			want    string
		}{{a, tokenA}, {b, tokenB}, {a, tokenA}} {
			page := visit.browser.Get(path)
			fields := apptest.CSRFField.FindAllStringSubmatch(page.Text, -1)
			if len(fields) == 0 && path != "/products" && path != "/products?q=bread" {
				t.Errorf("%s has no form", path)
			}
			for _, f := range fields {
				if f[1] != visit.want {
					t.Errorf("%s shows the form token %q, want this browser's %q", path, f[1], visit.want)
				}
			}
		}
	}
	res := b.Post("/cart/items/"+id, url.Values{"quantity": {"1"}, "_csrf": {tokenB}})
	if res.StatusCode != fiber.StatusSeeOther {
		t.Errorf("a form from a kept page was refused: %d", res.StatusCode)
	}
}
