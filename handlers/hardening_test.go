package handlers_test

import (
	"bytes"
	"compress/gzip"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/internal/apptest"
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
