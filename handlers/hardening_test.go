package handlers_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"crumb/config"
	"crumb/database"
	"crumb/internal/apptest"
	"crumb/models"
)

// gzipBomb is prefix followed by 1 GiB of filler, gzipped twice: about
// two kilobytes on the wire.
var gzipBomb = sync.OnceValue(func() []byte {
	var inner bytes.Buffer
	w, _ := gzip.NewWriterLevel(&inner, gzip.BestSpeed)
	_, _ = w.Write([]byte(`{"refresh_token":"`))
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	for range 1024 {
		_, _ = w.Write(chunk)
	}
	_ = w.Close()
	var outer bytes.Buffer
	w, _ = gzip.NewWriterLevel(&outer, gzip.BestCompression)
	_, _ = w.Write(inner.Bytes())
	_ = w.Close()
	return outer.Bytes()
})

// TestCompressedBodiesAreRefused: a compressed body is refused before
// anything reads it, quickly and without unpacking it, on the API and on
// the web, and changes nothing.
func TestCompressedBodiesAreRefused(t *testing.T) {
	ta := apptest.New(t)
	bomb := httptest.NewRequest(fiber.MethodPost, "/api/v1/auth/revoke", bytes.NewReader(gzipBomb()))
	bomb.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	bomb.Header.Set(fiber.HeaderContentEncoding, "gzip, gzip")

	// A gzipped multipart form adding to the cart, with a valid form token.
	b := ta.Browser()
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("_csrf", b.CSRF())
	_ = mw.WriteField("product_id", ta.ProductID("baguette"))
	_ = mw.WriteField("quantity", "2")
	_ = mw.WriteField("filler", strings.Repeat("a", 48<<20))
	_ = mw.Close()
	var packed bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&packed, gzip.BestCompression)
	_, _ = gz.Write(form.Bytes())
	_ = gz.Close()
	form = bytes.Buffer{}
	gzForm := httptest.NewRequest(fiber.MethodPost, "/cart/items", &packed)
	gzForm.Header.Set(fiber.HeaderContentType, mw.FormDataContentType())
	gzForm.Header.Set(fiber.HeaderContentEncoding, "gzip")

	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	res := ta.Do(bomb)
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("the API took %v to refuse a compressed body", took)
	}
	if res.StatusCode != fiber.StatusUnsupportedMediaType || res.Header.Get(fiber.HeaderContentType) != "application/problem+json" ||
		!strings.Contains(res.Text, "Content-Encoding") {
		t.Errorf("API: %d %s %s", res.StatusCode, res.Header.Get(fiber.HeaderContentType), res.Text)
	}
	start = time.Now()
	res = b.Do(gzForm)
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("the web took %v to refuse a compressed form", took)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 50<<20 {
		t.Errorf("refusing two compressed bodies allocated %d MB", grown>>20)
	}
	if res.StatusCode != fiber.StatusUnsupportedMediaType || !strings.Contains(res.Text, "compressed") {
		t.Errorf("web: %d, page without the explanation", res.StatusCode)
	}
	if cart := b.Get("/cart"); !strings.Contains(cart.Text, "Your cart is empty") {
		t.Error("the refused form changed the cart")
	}

	// identity is no compression at all: accepted.
	plain := httptest.NewRequest(fiber.MethodPost, "/cart/items", strings.NewReader(url.Values{
		"_csrf": {b.CSRF()}, "product_id": {ta.ProductID("baguette")}, "quantity": {"1"},
	}.Encode()))
	plain.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	plain.Header.Set(fiber.HeaderContentEncoding, "identity")
	if res := b.Do(plain); res.StatusCode != fiber.StatusSeeOther {
		t.Errorf("an identity-encoded form = %d", res.StatusCode)
	}
}

// TestForwardedForFromTrustedProxies: behind a trusted proxy each client
// is limited and listed by its own address, the right-most hop the proxy
// added; hops a client forged to the left are ignored.
func TestForwardedForFromTrustedProxies(t *testing.T) {
	ta := apptest.New(t, apptest.WithTrustedProxies("127.0.0.1"))
	base := ta.Listen()
	behindProxy := func(client string) *apptest.Browser {
		b := ta.BrowserAt(base, "127.0.0.1")
		b.Headers.Set(fiber.HeaderXForwardedFor, "10.9.9.9, "+client) // the left hop is the client's own claim
		return b
	}
	alice, bob := behindProxy("203.0.113.7"), behindProxy("198.51.100.9")
	for i := range 10 {
		if status := alice.FailLogin("nobody@example.com"); status != fiber.StatusUnprocessableEntity {
			t.Fatalf("alice's attempt %d = %d", i+1, status)
		}
	}
	if status := alice.FailLogin("someone@example.com"); status != fiber.StatusTooManyRequests {
		t.Errorf("alice's 11th attempt = %d, want 429", status)
	}
	if status := bob.FailLogin("nobody@example.com"); status != fiber.StatusUnprocessableEntity {
		t.Errorf("bob, behind the same proxy, = %d: limited with alice", status)
	}

	carol, dave := behindProxy("192.0.2.33"), behindProxy("192.0.2.44")
	carol.SignUp("Carol", "carol@example.com", apptest.Password, nil)
	if res := dave.LogIn("carol@example.com", apptest.Password, nil); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("second sign-in = %d", res.StatusCode)
	}
	ips := carol.DeviceIPs()
	if !strings.Contains(ips, "192.0.2.33") || !strings.Contains(ips, "192.0.2.44") || strings.Contains(ips, "127.0.0.1") || strings.Contains(ips, "10.9.9.9") {
		t.Errorf("devices page lists %q, want each client's own address", ips)
	}

	// A client that is not the proxy cannot claim an address.
	mallory := ta.BrowserAt(base, "127.0.0.2")
	mallory.Headers.Set(fiber.HeaderXForwardedFor, "192.0.2.99")
	mallory.SignUp("Mallory", "mallory@example.com", apptest.Password, nil)
	if ips := mallory.DeviceIPs(); ips != "127.0.0.2" {
		t.Errorf("a direct client with a forged X-Forwarded-For is listed as %q", ips)
	}
}

// TestForwardedForIgnoredWithoutTrustedProxies: with no TRUSTED_PROXIES,
// a forged X-Forwarded-For changes neither the limits nor the devices page.
func TestForwardedForIgnoredWithoutTrustedProxies(t *testing.T) {
	ta := apptest.New(t)
	base := ta.Listen()
	b := ta.BrowserAt(base, "127.0.0.2")
	for i := range 10 {
		b.Headers.Set(fiber.HeaderXForwardedFor, "198.51.100."+apptest.Itoa(uint(i+1)))
		if status := b.FailLogin("nobody@example.com"); status != fiber.StatusUnprocessableEntity {
			t.Fatalf("attempt %d = %d", i+1, status)
		}
	}
	b.Headers.Set(fiber.HeaderXForwardedFor, "198.51.100.200")
	if status := b.FailLogin("nobody@example.com"); status != fiber.StatusTooManyRequests {
		t.Errorf("11th attempt with a new forged address = %d, want 429", status)
	}
	other := ta.BrowserAt(base, "127.0.0.3")
	other.Headers.Set(fiber.HeaderXForwardedFor, "203.0.113.50")
	other.SignUp("Olga", "olga@example.com", apptest.Password, nil)
	if ips := other.DeviceIPs(); ips != "127.0.0.3" {
		t.Errorf("devices page lists %q, want the peer address", ips)
	}
}

// TestGuessingCannotLockTheOwnerOut: failed sign-ins from one address
// limit that address for that account, not the owner signing in from
// another, on the web and in the app; the account-wide ceiling still stops
// guessing spread over many addresses.
func TestGuessingCannotLockTheOwnerOut(t *testing.T) {
	ta := apptest.New(t)
	base := ta.Listen()
	email := "ivy@example.com"
	ta.Browser().SignUp("Ivy", email, apptest.Password, nil)

	t.Run("web", func(t *testing.T) {
		attacker := ta.BrowserAt(base, "127.0.0.2")
		for i := range 10 {
			if status := attacker.FailLogin(email); status != fiber.StatusUnprocessableEntity {
				t.Fatalf("attempt %d = %d", i+1, status)
			}
		}
		if status := attacker.FailLogin(email); status != fiber.StatusTooManyRequests {
			t.Errorf("the attacker's 11th attempt = %d, want 429", status)
		}
		owner := ta.BrowserAt(base, "127.0.0.3")
		if res := owner.LogIn(email, apptest.Password, nil); res.StatusCode != fiber.StatusSeeOther || !owner.SignedIn() {
			t.Errorf("the owner's correct password from another address = %d", res.StatusCode)
		}
	})
	t.Run("api", func(t *testing.T) {
		attacker := ta.BrowserAt(base, "127.0.0.4")
		for i := range 11 {
			attacker.PostJSON("/api/v1/auth/token", map[string]string{"email": email, "password": "not-the-password-" + apptest.Itoa(uint(i))})
		}
		owner := ta.BrowserAt(base, "127.0.0.5")
		if res := owner.PostJSON("/api/v1/auth/token", map[string]string{"email": email, "password": apptest.Password}); res.StatusCode != fiber.StatusOK {
			t.Errorf("the app's sign-in with the right password from another address = %d: %s", res.StatusCode, res.Text)
		}
		if res := owner.PostJSON("/api/v1/auth/token", map[string]string{"email": email, "password": "wrong-one-2"}); res.StatusCode != fiber.StatusUnauthorized {
			t.Errorf("a wrong password from the owner's address = %d, want 401 (not limited)", res.StatusCode)
		}
	})
	t.Run("ceiling", func(t *testing.T) {
		ta.Clock.Advance(time.Minute) // a new window
		for host := range 10 {        // 10 addresses, 10 failures each: the ceiling of 100
			b := ta.BrowserAt(base, "127.0.1."+apptest.Itoa(uint(host+1)))
			for i := range 10 {
				if status := b.FailLogin(email); status != fiber.StatusUnprocessableEntity {
					t.Fatalf("address %d, attempt %d = %d", host+1, i+1, status)
				}
			}
		}
		late := ta.BrowserAt(base, "127.0.2.1")
		if res := late.LogIn(email, apptest.Password, nil); res.StatusCode != fiber.StatusTooManyRequests || res.Header.Get(fiber.HeaderRetryAfter) == "" {
			t.Errorf("after 100 failures from many addresses, a sign-in = %d, want 429 with Retry-After", res.StatusCode)
		}
		ta.Clock.Advance(time.Minute)
		if res := late.LogIn(email, apptest.Password, nil); res.StatusCode != fiber.StatusSeeOther {
			t.Errorf("a minute later, the owner's sign-in = %d", res.StatusCode)
		}
	})
}

// TestFormTokenIsNeverReadFromTheQuery: a form token in the URL (where it
// would leak through logs and Referer headers) counts for nothing; in the
// form's body or the X-CSRF-Token header it is accepted.
func TestFormTokenIsNeverReadFromTheQuery(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	token := b.CSRF()
	form := url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}}
	send := func(path string, body url.Values, header string) int {
		req := httptest.NewRequest(fiber.MethodPost, path, strings.NewReader(body.Encode()))
		req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
		if header != "" {
			req.Header.Set("X-CSRF-Token", header)
		}
		return b.Do(req).StatusCode
	}
	if got := send("/cart/items?_csrf="+url.QueryEscape(token), form, ""); got != fiber.StatusForbidden {
		t.Errorf("a token in the query = %d, want 403", got)
	}
	if got := send("/cart/items", form, token); got != fiber.StatusSeeOther {
		t.Errorf("a token in X-CSRF-Token = %d, want 303", got)
	}
	withToken := url.Values{"_csrf": {token}}
	for k, v := range form {
		withToken[k] = v
	}
	if got := send("/cart/items", withToken, ""); got != fiber.StatusSeeOther {
		t.Errorf("a token in the body = %d, want 303", got)
	}
}

// TestUnknownAPIPathsAreNotFound: a path under /api/v1 that is no call is
// a 404 problem, with or without a token, whatever the method.
func TestUnknownAPIPathsAreNotFound(t *testing.T) {
	ta := apptest.New(t)
	for _, bearer := range []string{"", "Bearer not-a-token"} {
		for _, method := range []string{fiber.MethodGet, fiber.MethodPost, fiber.MethodDelete} {
			for _, path := range []string{"/api/v1/nope", "/api/v1/me/nope", "/api/v1/cart/items/1/x"} {
				req := httptest.NewRequest(method, path, strings.NewReader("{}"))
				req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
				if bearer != "" {
					req.Header.Set(fiber.HeaderAuthorization, bearer)
				}
				res := ta.Do(req)
				if res.StatusCode != fiber.StatusNotFound || res.Header.Get(fiber.HeaderContentType) != "application/problem+json" {
					t.Errorf("%s %s (%q) = %d %s, want a 404 problem", method, path, bearer, res.StatusCode, res.Header.Get(fiber.HeaderContentType))
				}
			}
		}
	}
}

// hostileForm are url-encoded values no typed field takes: NUL, BEL,
// CR/LF, ESC, bytes that are not UTF-8 (a lone %ff, an overlong NUL, a cut
// sequence), a bidirectional override, and a value over every limit.
var hostileForm = []string{"%00", "a%00b", "%07", "a%0D%0Ab", "%1B%5B2J", "%ff", "a%C0%80b", "a%E2%80", "%E2%80%AEa", strings.Repeat("%C3%A9", 2100)}

// oddForm are malformed escapes, which arrive as typed: no field need
// refuse them, and none may cause a 5xx.
var oddForm = []string{"%zz", "%", "a%f", "%%00"}

// hostileJSON are JSON strings no typed field takes: escaped controls,
// raw bytes that are not UTF-8 and a lone surrogate (both decoded as
// U+FFFD), an override, and a value over every limit.
var hostileJSON = []string{`"\u0000"`, `"a\u0000b"`, `"\u0007"`, `"a\r\nb"`, `"\u001b[2J"`, "\"\xff\"", "\"a\xc0\x80b\"", `"\ud800"`, `"\u202ea"`,
	`"` + strings.Repeat("é", 2100) + `"`}

// oddJSON are values of the wrong kind or text that only looks hostile.
var oddJSON = []string{`"%ff"`, `"%00"`, `123`, `null`, `[]`, `{}`}

// hostileParams replace a path parameter or fill a query parameter.
var hostileParams = []string{"%00", "a%00", "%ff", "%C0%80", "%1B%5B2J", "..%2F..%2Fgo.mod", "%zz", "-1", "0", "99999999999999999999", strings.Repeat("9", 300)}

// hostileRoute is one route, with a valid request to vary: each field of
// form, each path parameter and each query parameter in turn gets every
// hostile value.
type hostileRoute struct {
	method, path string            // as routes.go registers it
	url          string            // path with its parameters filled in validly
	as           *apptest.Browser  // nil: the API, with bearer
	bearer       string            // Authorization: Bearer
	form         map[string]string // a valid body: url-encoded values, or JSON values (JSON routes)
	json         bool
	typed        map[string]string // typed fields: the id their error has on the page ("" in the API: the field)
	picks        []string          // fields that refuse (4xx) anything hostile: choices, numbers, tokens
	query        []string          // query parameters, taken leniently
	strictQuery  []string          // query parameters that refuse (4xx) anything hostile
	before       func()            // runs before each request (to refill the cart)
	lines        []string          // typed fields that may hold line breaks (a textarea)
}

// TestHostileTextOnEveryRoute sends NUL, BEL, CR/LF, ESC, invalid UTF-8,
// overlong values and malformed escapes to every field of every form and
// JSON route, and to every path and query parameter: pages, account pages
// signed in, checkout, the API with a bearer token and the back office
// unlocked by an admin, on SQLite and Postgres. None is a 5xx; bad text in
// a typed field is a 422 naming the field; and afterwards nothing holding
// a control character or invalid UTF-8 is stored anywhere.
func TestHostileTextOnEveryRoute(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		member, spare, target := ta.Browser(), ta.Browser(), ta.Browser()
		member.SignUpVerified("Hana", "hana@example.com", apptest.Password, nil)
		spare.SignUp("Sora", "sora@example.com", apptest.Password, nil)
		target.SignUp("Tae", "tae@example.com", apptest.Password, nil)
		baguette := ta.ProductID("baguette")
		member.Post("/cart/items", url.Values{"product_id": {baguette}, "quantity": {"1"}})
		placed := member.Post("/checkout", url.Values{"name": {"Hana"}, "phone": {"+1 555 0100"}, "address1": {"1 Flour St"},
			"postal_code": {"10001"}, "country": {"US"}, "payment_method": {"cod"}, "checkout_token": {strings.Repeat("b", 32)}})
		number := strings.TrimPrefix(placed.Header.Get(fiber.HeaderLocation), "/orders/")
		if placed.StatusCode != fiber.StatusSeeOther || number == "" {
			t.Fatalf("the first order = %d", placed.StatusCode)
		}
		member.Post("/cart/items", url.Values{"product_id": {baguette}, "quantity": {"1"}})
		admin := ta.Browser()
		if res := admin.LogIn(database.OwnerEmail, database.OwnerPassword, nil); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("owner sign-in = %d", res.StatusCode)
		}
		var pair struct {
			Access  string `json:"access_token"`
			Refresh string `json:"refresh_token"`
		}
		res := ta.Browser().PostJSON("/api/v1/auth/token", map[string]string{"email": "hana@example.com", "password": apptest.Password})
		if err := json.Unmarshal([]byte(res.Text), &pair); err != nil || pair.Access == "" {
			t.Fatalf("app sign-in = %d: %s", res.StatusCode, res.Text)
		}
		var spareApp struct {
			Access string `json:"access_token"`
		}
		res = ta.Browser().PostJSON("/api/v1/auth/token", map[string]string{"email": "sora@example.com", "password": apptest.Password})
		if err := json.Unmarshal([]byte(res.Text), &spareApp); err != nil || spareApp.Access == "" {
			t.Fatalf("app sign-in = %d: %s", res.StatusCode, res.Text)
		}
		client := hostileClient{ta: ta, tokens: map[*apptest.Browser]string{}}
		var targetUser models.User
		ta.DB.Where("email = ?", "tae@example.com").Take(&targetUser)
		tae, rye := apptest.Itoa(targetUser.ID), ta.ProductID("rye-bread")
		ryeStock := apptest.Itoa(uint(ta.Stock("rye-bread")))
		token := checkoutTokenOf(t, member)
		shipping := map[string]string{"name": "Hana", "phone": "%2B1+555+0100", "address1": "1+Flour+St", "address2": "Flat+3",
			"postal_code": "10001", "country": "US", "payment_method": "cod", "checkout_token": token}
		shippingTyped := map[string]string{"name": "name", "phone": "phone", "address1": "address1", "address2": "address2", "postal_code": "postal_code"}
		product := func(name, slug, category, stock string) map[string]string {
			return map[string]string{"name": name, "slug": slug, "category": category, "price": "4.50", "stock": stock, "stock_was": stock,
				"description": "Baked+today.", "name_ko": "%ED%98%B8%EB%B0%80%EB%B9%B5", "description_ko": "%EC%98%A4%EB%8A%98+%EA%B5%AC%EC%9B%A0%EC%96%B4%EC%9A%94.",
				"published": "1", "image_name": "img%2Fproducts%2F" + slug + ".svg"}
		}
		productTyped := map[string]string{"name": "name", "name_ko": "name_ko", "slug": "slug", "description": "description", "description_ko": "description_ko"}
		productPicks := []string{"category", "price", "stock", "image_name"}
		apiShipping := map[string]string{"shipping.name": `"Hana"`, "shipping.phone": `"+1 555 0100"`, "shipping.address1": `"1 Flour St"`,
			"shipping.address2": `"Flat 3"`, "shipping.postal_code": `"10001"`, "shipping.country": `"US"`, "payment_method": `"cod"`}
		junk := map[string]string{"x": "1"}
		refill := func() {
			client.send(t, hostileRoute{method: "POST", as: member}, "/cart/items", map[string]string{"product_id": baguette, "quantity": "1"}, nil)
		}

		routes := []hostileRoute{
			// Pages anyone can see.
			{method: "GET", path: "/", as: ta.Browser()},
			{method: "GET", path: "/products", as: ta.Browser(), query: []string{"q", "page"}, strictQuery: []string{"category"}},
			{method: "GET", path: "/products/:slug", url: "/products/baguette", as: ta.Browser()},
			{method: "GET", path: "/cart", as: member},
			{method: "POST", path: "/cart/items", as: member, form: map[string]string{"product_id": baguette, "quantity": "1"}, picks: []string{"product_id", "quantity"}},
			{method: "POST", path: "/cart/items/:product_id", url: "/cart/items/" + baguette, as: member, form: map[string]string{"quantity": "1"}, picks: []string{"quantity"}},
			{method: "POST", path: "/popup/dismiss", as: ta.Browser(), form: map[string]string{"tz": "Europe%2FParis"}},
			{method: "GET", path: "/cookies", as: ta.Browser()},
			{method: "GET", path: "/cookies/mine", as: member, query: []string{"forgot"}},
			{method: "POST", path: "/cookies/forget", as: ta.Browser(), form: junk},
			{method: "POST", path: "/language", as: ta.Browser(), form: map[string]string{"lang": "ko", "next": "/cart"}},
			{method: "GET", path: "/healthz", as: ta.Browser()},
			{method: "GET", path: "/readyz", as: ta.Browser()},
			{method: "GET", path: "/static/*", url: "/static/css/app.css", as: ta.Browser()},
			{method: "GET", path: "/static/uploads/:name", url: "/static/uploads/" + strings.Repeat("ab", 32) + ".png", as: ta.Browser()},
			{method: "GET", path: "/dev/mail", as: ta.Browser()},
			{method: "GET", path: "/dev/mail/:id/html", url: "/dev/mail/1/html", as: ta.Browser()},
			// Accounts.
			{method: "GET", path: "/signup", as: ta.Browser(), query: []string{"next"}},
			{method: "POST", path: "/signup", as: ta.Browser(), form: map[string]string{"name": "Yuna", "email": "yuna%40example.com", "password": apptest.Password, "next": "%2Faccount"},
				typed: map[string]string{"name": "name", "email": "email", "password": "password"}},
			{method: "GET", path: "/login", as: ta.Browser(), query: []string{"next"}},
			{method: "POST", path: "/login", as: ta.Browser(), form: map[string]string{"email": "hana%40example.com", "password": "wrong-password-1", "next": "%2Faccount", "remember_me": "1"},
				typed: map[string]string{"email": "email"}},
			{method: "POST", path: "/login/forget-email", as: ta.Browser(), form: junk},
			{method: "POST", path: "/logout", as: ta.Browser(), form: junk},
			{method: "GET", path: "/password/forgot", as: ta.Browser()},
			{method: "POST", path: "/password/forgot", as: ta.Browser(), form: map[string]string{"email": "nobody%40example.com"}, typed: map[string]string{"email": "email"}},
			{method: "GET", path: "/password/reset", as: ta.Browser(), strictQuery: []string{"token"}},
			{method: "POST", path: "/password/reset", as: ta.Browser(), form: map[string]string{"token": "not-a-token", "password": apptest.Password}, picks: []string{"token", "password"}},
			// Signed in.
			{method: "GET", path: "/account", as: member},
			{method: "POST", path: "/account/password", as: member, form: map[string]string{"password": "not-the-password-1", "new_password": "another-loaf-77"},
				typed: map[string]string{"new_password": "new-password"}, picks: []string{"password"}},
			{method: "POST", path: "/account/email", as: member, form: map[string]string{"email": "hana%40example.com", "password": apptest.Password},
				typed: map[string]string{"email": "new-email"}},
			{method: "GET", path: "/account/security", as: member},
			{method: "GET", path: "/account/data", as: member},
			{method: "GET", path: "/account/data/export", as: member},
			{method: "POST", path: "/account/data/export", as: member, form: map[string]string{"password": "not-the-password-1"}, picks: []string{"password"}},
			{method: "POST", path: "/account/delete", as: member, form: map[string]string{"password": "not-the-password-1"}, picks: []string{"password"}},
			{method: "GET", path: "/account/deleted", as: ta.Browser()},
			{method: "POST", path: "/account/security/revoke", as: member, form: map[string]string{"kind": "device", "id": "1"}, picks: []string{"kind", "id"}},
			{method: "POST", path: "/account/security/revoke-all", as: spare, form: map[string]string{"password": apptest.Password}},
			{method: "GET", path: "/account/verify", as: ta.Browser(), strictQuery: []string{"token"}},
			{method: "POST", path: "/account/verify", as: target, form: map[string]string{"next": "%2Fcheckout"}},
			{method: "GET", path: "/checkout", as: member},
			{method: "POST", path: "/checkout", as: member, form: shipping, typed: shippingTyped, picks: []string{"country", "payment_method", "checkout_token"}, before: refill},
			{method: "GET", path: "/orders", as: member, query: []string{"page"}},
			{method: "GET", path: "/orders/:number", url: "/orders/" + number, as: member},
			{method: "POST", path: "/orders/:number/cancel", url: "/orders/" + number + "/cancel", as: member, form: junk},
			// The back office.
			{method: "POST", path: "/admin/unlock", as: admin, form: map[string]string{"password": "not-the-password-1", "next": "%2Fadmin"}, picks: []string{"password"}},
			{method: "GET", path: "/admin", as: admin},
			{method: "GET", path: "/admin/products", as: admin, query: []string{"q", "category", "sold_out", "page"}},
			{method: "GET", path: "/admin/products/new", as: admin},
			{method: "POST", path: "/admin/products/new", as: admin, form: product("Rye+Bun", "rye-bread", "bread", "5"), typed: productTyped, picks: productPicks, lines: []string{"description", "description_ko"}},
			{method: "GET", path: "/admin/products/:id", url: "/admin/products/" + rye, as: admin},
			{method: "POST", path: "/admin/products/:id", url: "/admin/products/" + rye, as: admin, form: product("Rye+Bread", "rye-bread", "bread", ryeStock),
				typed: productTyped, picks: productPicks, lines: []string{"description", "description_ko"}},
			{method: "POST", path: "/admin/products/:id/stock", url: "/admin/products/" + rye + "/stock", as: admin, form: map[string]string{"adjust": "%2B1"}, picks: []string{"adjust"}},
			{method: "GET", path: "/admin/orders", as: admin, query: []string{"status", "page"}},
			{method: "GET", path: "/admin/orders/:number", url: "/admin/orders/" + number, as: admin},
			{method: "POST", path: "/admin/orders/:number/status", url: "/admin/orders/" + number + "/status", as: admin, form: map[string]string{"status": "delivered"}, picks: []string{"status"}},
			{method: "GET", path: "/admin/customers", as: admin, query: []string{"q", "page"}},
			{method: "GET", path: "/admin/customers/:id", url: "/admin/customers/" + tae, as: admin},
			{method: "POST", path: "/admin/customers/:id/revoke", url: "/admin/customers/" + tae + "/revoke", as: admin, form: map[string]string{"kind": "device", "id": "1"}, picks: []string{"kind", "id"}},
			{method: "POST", path: "/admin/customers/:id/revoke-all", url: "/admin/customers/" + tae + "/revoke-all", as: admin, form: junk},
			{method: "POST", path: "/admin/customers/:id/disable", url: "/admin/customers/" + tae + "/disable", as: admin, form: junk},
			{method: "POST", path: "/admin/customers/:id/enable", url: "/admin/customers/" + tae + "/enable", as: admin, form: junk},
			{method: "GET", path: "/admin/audit", as: admin, query: []string{"page"}},
			// The API.
			{method: "GET", path: "/api/openapi.json"},
			{method: "POST", path: "/api/v1/auth/token", json: true, form: map[string]string{"email": `"hana@example.com"`, "password": `"wrong-password-1"`},
				typed: map[string]string{"email": ""}, picks: []string{"password"}},
			{method: "POST", path: "/api/v1/auth/refresh", json: true, form: map[string]string{"refresh_token": `"not-a-token"`}, picks: []string{"refresh_token"}},
			{method: "POST", path: "/api/v1/auth/revoke", json: true, form: map[string]string{"refresh_token": `"not-a-token"`}},
			{method: "POST", path: "/api/v1/auth/forgot", json: true, form: map[string]string{"email": `"nobody@example.com"`}, typed: map[string]string{"email": ""}},
			{method: "GET", path: "/api/v1/products", query: []string{"q"}, strictQuery: []string{"category", "page", "per_page"}},
			{method: "GET", path: "/api/v1/products/:id", url: "/api/v1/products/" + baguette},
			{method: "GET", path: "/api/v1/me", bearer: pair.Access},
			{method: "POST", path: "/api/v1/me/verification", bearer: pair.Access, json: true, form: map[string]string{"x": "1"}},
			{method: "GET", path: "/api/v1/cart", bearer: pair.Access},
			{method: "POST", path: "/api/v1/cart/items", bearer: pair.Access, json: true, form: map[string]string{"product_id": baguette, "quantity": "1"}, picks: []string{"product_id", "quantity"}},
			{method: "PUT", path: "/api/v1/cart/items/:product_id", url: "/api/v1/cart/items/" + baguette, bearer: pair.Access, json: true, form: map[string]string{"quantity": "1"}, picks: []string{"quantity"}},
			{method: "DELETE", path: "/api/v1/cart/items/:product_id", url: "/api/v1/cart/items/" + ta.ProductID("brioche"), bearer: pair.Access},
			{method: "POST", path: "/api/v1/orders", bearer: pair.Access, json: true, form: apiShipping,
				typed: map[string]string{"shipping.name": "", "shipping.phone": "", "shipping.address1": "", "shipping.address2": "", "shipping.postal_code": ""},
				picks: []string{"shipping.country", "payment_method"}, before: refill},
			{method: "GET", path: "/api/v1/orders", bearer: pair.Access, strictQuery: []string{"page", "per_page"}},
			{method: "GET", path: "/api/v1/orders/:id", url: "/api/v1/orders/" + number, bearer: pair.Access},
			{method: "POST", path: "/api/v1/orders/:id/cancel", url: "/api/v1/orders/" + number + "/cancel", bearer: pair.Access, json: true, form: junk},
			{method: "POST", path: "/api/v1/accounts", json: true, form: map[string]string{"name": `"Yuna"`, "email": `"yuna-app@example.com"`, "password": `"rye-and-butter-42"`, "language": `"ko"`},
				typed: map[string]string{"name": "", "email": "", "password": ""}, picks: []string{"language"}},
			{method: "GET", path: "/api/v1/categories"},
			{method: "PATCH", path: "/api/v1/me", bearer: pair.Access, json: true, form: map[string]string{"name": `"Hana"`, "language": `"en"`},
				typed: map[string]string{"name": ""}, picks: []string{"language"}},
			{method: "PUT", path: "/api/v1/me/password", bearer: pair.Access, json: true, form: map[string]string{"current_password": `"not-the-password-1"`, "new_password": `"another-loaf-77"`},
				typed: map[string]string{"new_password": ""}, picks: []string{"current_password"}},
			{method: "GET", path: "/api/v1/me/sessions", bearer: pair.Access},
			{method: "GET", path: "/api/v1/me/export", bearer: pair.Access},
			{method: "DELETE", path: "/api/v1/me", bearer: pair.Access, json: true, form: map[string]string{"password": `"not-the-password-1"`}, picks: []string{"password"}},
			{method: "DELETE", path: "/api/v1/me/sessions/:id", url: "/api/v1/me/sessions/app-999999", bearer: pair.Access},
			// Last: it signs Sora out everywhere.
			{method: "DELETE", path: "/api/v1/me/sessions", bearer: spareApp.Access},
		}

		covered := map[string]bool{}
		for _, r := range routes {
			covered[r.method+" "+r.path] = true
		}
		for _, r := range ta.HTTP.GetRoutes(true) {
			if r.Method != fiber.MethodHead && r.Method != fiber.MethodConnect && r.Method != fiber.MethodOptions && r.Method != fiber.MethodTrace && !covered[r.Method+" "+r.Path] {
				t.Errorf("%s %s is not sent hostile input: add it to this test", r.Method, r.Path)
			}
		}

		sent := 0
		for _, r := range routes {
			send := func(what, path string, form map[string]string, header map[string]string) apptest.Response {
				if r.before != nil {
					r.before()
				}
				sent++
				res := client.send(t, r, path, form, header)
				if res.StatusCode >= 500 {
					t.Errorf("%s %s with %s: %d", r.method, r.path, what, res.StatusCode)
				}
				return res
			}
			base := r.url
			if base == "" {
				base = r.path
			}
			fields := slices.Sorted(maps.Keys(r.form))
			for _, field := range fields {
				id, typed := r.typed[field]
				pick := slices.Contains(r.picks, field)
				values, odd := hostileForm, oddForm
				if r.json {
					values, odd = hostileJSON, oddJSON
				}
				for _, v := range append(slices.Clone(values), odd...) {
					form := maps.Clone(r.form)
					form[field] = v
					what := fmt.Sprintf("%s=%.40q", field, v)
					res := send(what, base, form, nil)
					bad := slices.Contains(values, v) && !(slices.Contains(r.lines, field) && v == "a%0D%0Ab")
					switch {
					case typed && bad && res.StatusCode != fiber.StatusUnprocessableEntity:
						t.Errorf("%s %s with %s: %d, want 422", r.method, r.path, what, res.StatusCode)
					case typed && bad && !namesField(res, field, id, r.json):
						t.Errorf("%s %s with %s: the answer does not name %s: %.300s", r.method, r.path, what, field, res.Text)
					case pick && bad && (res.StatusCode < 400 || res.StatusCode >= 500):
						t.Errorf("%s %s with %s: %d, want a refusal", r.method, r.path, what, res.StatusCode)
					}
				}
			}
			if len(r.form) == 0 && r.method != fiber.MethodGet && r.method != fiber.MethodDelete {
				t.Errorf("%s %s: no fields to vary", r.method, r.path)
			}
			for _, name := range paramNames(r.path) {
				for _, v := range hostileParams {
					path := fillParam(r.path, base, name, v)
					if res := send(name+"="+v, path, r.form, nil); res.StatusCode < 400 {
						t.Errorf("%s %s with %s=%.40q: %d, want a refusal", r.method, path, name, v, res.StatusCode)
					}
				}
			}
			for _, q := range append(append([]string{"x"}, r.query...), r.strictQuery...) {
				values := append(slices.Clone(hostileParams), hostileForm...)
				if q == "x" { // a parameter no route reads: a few values are enough
					values = []string{"%00", "%ff", "a%0D%0Ab", "%zz"}
				}
				for _, v := range values {
					res := send(q+"="+v, base+"?"+q+"="+v, r.form, nil)
					if slices.Contains(r.strictQuery, q) && res.StatusCode < 400 {
						t.Errorf("%s %s?%s=%.40q: %d, want a refusal", r.method, r.path, q, v, res.StatusCode)
					}
				}
			}
			if r.as == nil && r.json {
				for _, key := range []string{"\xff", "a\x7fb", "a b", strings.Repeat("k", 101)} {
					send("Idempotency-Key "+strconv.Quote(key), base, r.form, map[string]string{"Idempotency-Key": key})
				}
			}
		}
		if bad, read := storedUntypable(t, ta); len(bad) > 0 || read < 500 {
			t.Errorf("of %d texts stored, these hold control characters or invalid UTF-8:\n%s", read, strings.Join(bad, "\n"))
		}
		t.Logf("%d hostile requests", sent)
	}, apptest.WithConfig(func(c *config.Config) { c.AuthAttemptsPerMinute = 1_000_000 }))
}

// hostileClient sends the requests of TestHostileTextOnEveryRoute,
// keeping each browser's form token.
type hostileClient struct {
	ta     *apptest.App
	tokens map[*apptest.Browser]string
}

// send sends one request of r to path with form as its body: url-encoded
// behind the browser's form token, or JSON with the bearer token; header
// is sent as given.
func (h hostileClient) send(t *testing.T, r hostileRoute, path string, form, header map[string]string) apptest.Response {
	t.Helper()
	var body string
	contentType := fiber.MIMEApplicationForm
	switch {
	case r.json:
		body, contentType = jsonOf(form), fiber.MIMEApplicationJSON
	case len(form) > 0:
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(form)) {
			parts = append(parts, k+"="+form[k])
		}
		body = strings.Join(parts, "&")
	}
	for attempt := 0; ; attempt++ {
		req := httptest.NewRequest(r.method, "/", nil)
		req.RequestURI = "" // the request line is the URL's
		if req.URL, _ = url.ParseRequestURI(path); req.URL == nil {
			req.URL = &url.URL{Opaque: path} // malformed escapes: sent as written
		}
		if r.method != fiber.MethodGet {
			b := body
			if r.as != nil {
				if h.tokens[r.as] == "" {
					h.tokens[r.as] = r.as.CSRF()
				}
				b = "_csrf=" + url.QueryEscape(h.tokens[r.as]) + "&" + body
			}
			req.Body, req.ContentLength = io.NopCloser(strings.NewReader(b)), int64(len(b))
			req.Header.Set(fiber.HeaderContentType, contentType)
		}
		for k, v := range header {
			req.Header[k] = []string{v}
		}
		if r.bearer != "" {
			req.Header.Set(fiber.HeaderAuthorization, "Bearer "+r.bearer)
		}
		if r.as == nil {
			return h.ta.Do(req)
		}
		res := r.as.Do(req)
		if res.StatusCode != fiber.StatusForbidden || attempt > 0 {
			return res
		}
		delete(h.tokens, r.as) // the session changed: read the page's token again, once
	}
}

// checkoutTokenOf is the checkout form's one-time token.
func checkoutTokenOf(t *testing.T, b *apptest.Browser) string {
	t.Helper()
	m := regexp.MustCompile(`name="checkout_token" value="([0-9a-f]+)"`).FindStringSubmatch(b.Get("/checkout").Text)
	if m == nil {
		t.Fatal("no checkout token")
	}
	return m[1]
}

// jsonOf writes fields (JSON values by name; "a.b" inside object a) as a
// JSON object, byte for byte as given.
func jsonOf(fields map[string]string) string {
	top := map[string][]string{}
	var order []string
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		outer, inner, nested := strings.Cut(k, ".")
		if _, seen := top[outer]; !seen {
			order = append(order, outer)
		}
		if nested {
			top[outer] = append(top[outer], strconv.Quote(inner)+":"+fields[k])
		} else {
			top[outer] = []string{fields[k]}
		}
	}
	var parts []string
	for _, k := range order {
		if _, nested := fields[k]; nested {
			parts = append(parts, strconv.Quote(k)+":"+top[k][0])
		} else {
			parts = append(parts, strconv.Quote(k)+":{"+strings.Join(top[k], ",")+"}")
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// namesField reports whether a 422 names field: the page shows its error
// (id-error), or the problem lists it.
func namesField(res apptest.Response, field, id string, isJSON bool) bool {
	if !isJSON {
		return strings.Contains(res.Text, `id="`+id+`-error"`)
	}
	var p struct {
		Errors []struct{ Field string } `json:"errors"`
	}
	_ = json.Unmarshal([]byte(res.Text), &p)
	return slices.ContainsFunc(p.Errors, func(e struct{ Field string }) bool { return e.Field == field })
}

var routeParam = regexp.MustCompile(`:\w+|\*`)

func paramNames(path string) []string { return routeParam.FindAllString(path, -1) }

// fillParam is base (path with its parameters filled in) with the
// parameter name replaced by v.
func fillParam(pattern, base, name, v string) string {
	patternParts, baseParts := strings.Split(pattern, "/"), strings.Split(base, "/")
	for i, p := range patternParts {
		if p == name && i < len(baseParts) {
			baseParts[i] = v
			if name == "*" {
				baseParts = baseParts[:i+1]
			}
		}
	}
	return strings.Join(baseParts, "/")
}

// storedUntypable lists every stored text that holds a control character
// (other than a product description's line breaks and tabs, in either
// language), U+FFFD or invalid UTF-8, in every table: the email outbox's
// JSON read string by string.
func storedUntypable(t *testing.T, ta *apptest.App) (bad []string, read int) {
	t.Helper()
	var tables []string
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if ta.DB.Dialector.Name() == "postgres" {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	if err := ta.DB.Raw(q).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	binary := map[string]bool{"images.data": true, "storage_entries.value": true}
	check := func(where, s string, lines bool) {
		read++
		if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
			return r == utf8.RuneError || (unicode.IsControl(r) && !(lines && (r == '\n' || r == '\t')))
		}) {
			bad = append(bad, fmt.Sprintf("%s: %.80q", where, s))
		}
	}
	for _, table := range tables {
		rows, err := ta.DB.Raw(`SELECT * FROM "` + table + `"`).Rows()
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				where := table + "." + cols[i]
				var s string
				switch v := v.(type) {
				case string:
					s = v
				case []byte:
					s = string(v)
				default:
					continue
				}
				switch {
				case binary[where]:
				case where == "outbox.data":
					var doc any
					if err := json.Unmarshal([]byte(s), &doc); err != nil {
						bad = append(bad, where+": not JSON")
					}
					walkStrings(doc, func(s string) { check(where, s, false) })
				default:
					check(where, s, where == "products.description" || where == "products.description_ko")
				}
			}
		}
		rows.Close()
	}
	return bad, read
}

// walkStrings calls f with every string in a decoded JSON document.
func walkStrings(doc any, f func(string)) {
	switch d := doc.(type) {
	case string:
		f(d)
	case []any:
		for _, v := range d {
			walkStrings(v, f)
		}
	case map[string]any:
		for k, v := range d {
			f(k)
			walkStrings(v, f)
		}
	}
}
