package handlers

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
	ta := newTestApp(t)
	bomb := httptest.NewRequest(fiber.MethodPost, "/api/v1/auth/revoke", bytes.NewReader(gzipBomb()))
	bomb.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	bomb.Header.Set(fiber.HeaderContentEncoding, "gzip, gzip")

	// A gzipped multipart form adding to the cart, with a valid form token.
	b := ta.browser()
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("_csrf", b.csrf())
	_ = mw.WriteField("product_id", ta.productID("baguette"))
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
	res := ta.do(bomb)
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("the API took %v to refuse a compressed body", took)
	}
	if res.StatusCode != fiber.StatusUnsupportedMediaType || res.Header.Get(fiber.HeaderContentType) != "application/problem+json" ||
		!strings.Contains(res.body, "Content-Encoding") {
		t.Errorf("API: %d %s %s", res.StatusCode, res.Header.Get(fiber.HeaderContentType), res.body)
	}
	start = time.Now()
	res = b.do(gzForm)
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("the web took %v to refuse a compressed form", took)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 50<<20 {
		t.Errorf("refusing two compressed bodies allocated %d MB", grown>>20)
	}
	if res.StatusCode != fiber.StatusUnsupportedMediaType || !strings.Contains(res.body, "compressed") {
		t.Errorf("web: %d, page without the explanation", res.StatusCode)
	}
	if cart := b.get("/cart"); !strings.Contains(cart.body, "Your cart is empty") {
		t.Error("the refused form changed the cart")
	}

	// identity is no compression at all: accepted.
	plain := httptest.NewRequest(fiber.MethodPost, "/cart/items", strings.NewReader(url.Values{
		"_csrf": {b.csrf()}, "product_id": {ta.productID("baguette")}, "quantity": {"1"},
	}.Encode()))
	plain.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	plain.Header.Set(fiber.HeaderContentEncoding, "identity")
	if res := b.do(plain); res.StatusCode != fiber.StatusSeeOther {
		t.Errorf("an identity-encoded form = %d", res.StatusCode)
	}
}

// failLogin posts a wrong password for email.
func (b *browser) failLogin(email string) int {
	b.ta.t.Helper()
	return b.logIn(email, "not-the-password-9", nil).StatusCode
}

// deviceIPs are the addresses the devices page shows.
func (b *browser) deviceIPs() string {
	b.ta.t.Helper()
	page := b.get("/account/security")
	var ips []string
	for _, line := range strings.Split(page.body, "\n") {
		if i := strings.Index(line, "IP "); i >= 0 {
			ips = append(ips, strings.Fields(line[i+3:])[0])
		}
	}
	return strings.Join(ips, " ")
}

// TestForwardedForFromTrustedProxies: behind a trusted proxy each client
// is limited and listed by its own address, the right-most hop the proxy
// added; hops a client forged to the left are ignored.
func TestForwardedForFromTrustedProxies(t *testing.T) {
	ta := newTestApp(t, withTrustedProxies("127.0.0.1"))
	base := ta.listen()
	behindProxy := func(client string) *browser {
		b := ta.browserAt(base, "127.0.0.1")
		b.header.Set(fiber.HeaderXForwardedFor, "10.9.9.9, "+client) // the left hop is the client's own claim
		return b
	}
	alice, bob := behindProxy("203.0.113.7"), behindProxy("198.51.100.9")
	for i := range 10 {
		if status := alice.failLogin("nobody@example.com"); status != fiber.StatusUnprocessableEntity {
			t.Fatalf("alice's attempt %d = %d", i+1, status)
		}
	}
	if status := alice.failLogin("someone@example.com"); status != fiber.StatusTooManyRequests {
		t.Errorf("alice's 11th attempt = %d, want 429", status)
	}
	if status := bob.failLogin("nobody@example.com"); status != fiber.StatusUnprocessableEntity {
		t.Errorf("bob, behind the same proxy, = %d: limited with alice", status)
	}

	carol, dave := behindProxy("192.0.2.33"), behindProxy("192.0.2.44")
	carol.signUp("Carol", "carol@example.com", testPassword, nil)
	if res := dave.logIn("carol@example.com", testPassword, nil); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("second sign-in = %d", res.StatusCode)
	}
	ips := carol.deviceIPs()
	if !strings.Contains(ips, "192.0.2.33") || !strings.Contains(ips, "192.0.2.44") || strings.Contains(ips, "127.0.0.1") || strings.Contains(ips, "10.9.9.9") {
		t.Errorf("devices page lists %q, want each client's own address", ips)
	}

	// A client that is not the proxy cannot claim an address.
	mallory := ta.browserAt(base, "127.0.0.2")
	mallory.header.Set(fiber.HeaderXForwardedFor, "192.0.2.99")
	mallory.signUp("Mallory", "mallory@example.com", testPassword, nil)
	if ips := mallory.deviceIPs(); ips != "127.0.0.2" {
		t.Errorf("a direct client with a forged X-Forwarded-For is listed as %q", ips)
	}
}

// TestForwardedForIgnoredWithoutTrustedProxies: with no TRUSTED_PROXIES,
// a forged X-Forwarded-For changes neither the limits nor the devices page.
func TestForwardedForIgnoredWithoutTrustedProxies(t *testing.T) {
	ta := newTestApp(t)
	base := ta.listen()
	b := ta.browserAt(base, "127.0.0.2")
	for i := range 10 {
		b.header.Set(fiber.HeaderXForwardedFor, "198.51.100."+itoa(uint(i+1)))
		if status := b.failLogin("nobody@example.com"); status != fiber.StatusUnprocessableEntity {
			t.Fatalf("attempt %d = %d", i+1, status)
		}
	}
	b.header.Set(fiber.HeaderXForwardedFor, "198.51.100.200")
	if status := b.failLogin("nobody@example.com"); status != fiber.StatusTooManyRequests {
		t.Errorf("11th attempt with a new forged address = %d, want 429", status)
	}
	other := ta.browserAt(base, "127.0.0.3")
	other.header.Set(fiber.HeaderXForwardedFor, "203.0.113.50")
	other.signUp("Olga", "olga@example.com", testPassword, nil)
	if ips := other.deviceIPs(); ips != "127.0.0.3" {
		t.Errorf("devices page lists %q, want the peer address", ips)
	}
}

// TestGuessingCannotLockTheOwnerOut: failed sign-ins from one address
// limit that address for that account, not the owner signing in from
// another, on the web and in the app; the account-wide ceiling still stops
// guessing spread over many addresses.
func TestGuessingCannotLockTheOwnerOut(t *testing.T) {
	ta := newTestApp(t)
	base := ta.listen()
	email := "ivy@example.com"
	ta.browser().signUp("Ivy", email, testPassword, nil)

	t.Run("web", func(t *testing.T) {
		attacker := ta.browserAt(base, "127.0.0.2")
		for i := range 10 {
			if status := attacker.failLogin(email); status != fiber.StatusUnprocessableEntity {
				t.Fatalf("attempt %d = %d", i+1, status)
			}
		}
		if status := attacker.failLogin(email); status != fiber.StatusTooManyRequests {
			t.Errorf("the attacker's 11th attempt = %d, want 429", status)
		}
		owner := ta.browserAt(base, "127.0.0.3")
		if res := owner.logIn(email, testPassword, nil); res.StatusCode != fiber.StatusSeeOther || !owner.signedIn() {
			t.Errorf("the owner's correct password from another address = %d", res.StatusCode)
		}
	})
	t.Run("api", func(t *testing.T) {
		attacker := ta.browserAt(base, "127.0.0.4")
		for i := range 11 {
			attacker.postJSON("/api/v1/auth/token", map[string]string{"email": email, "password": "not-the-password-" + itoa(uint(i))})
		}
		owner := ta.browserAt(base, "127.0.0.5")
		if res := owner.postJSON("/api/v1/auth/token", map[string]string{"email": email, "password": testPassword}); res.StatusCode != fiber.StatusOK {
			t.Errorf("the app's sign-in with the right password from another address = %d: %s", res.StatusCode, res.body)
		}
		if res := owner.postJSON("/api/v1/auth/token", map[string]string{"email": email, "password": "wrong-one-2"}); res.StatusCode != fiber.StatusUnauthorized {
			t.Errorf("a wrong password from the owner's address = %d, want 401 (not limited)", res.StatusCode)
		}
	})
	t.Run("ceiling", func(t *testing.T) {
		ta.clock.Advance(time.Minute) // a new window
		for host := range 10 {        // 10 addresses, 10 failures each: the ceiling of 100
			b := ta.browserAt(base, "127.0.1."+itoa(uint(host+1)))
			for i := range 10 {
				if status := b.failLogin(email); status != fiber.StatusUnprocessableEntity {
					t.Fatalf("address %d, attempt %d = %d", host+1, i+1, status)
				}
			}
		}
		late := ta.browserAt(base, "127.0.2.1")
		if res := late.logIn(email, testPassword, nil); res.StatusCode != fiber.StatusTooManyRequests || res.Header.Get(fiber.HeaderRetryAfter) == "" {
			t.Errorf("after 100 failures from many addresses, a sign-in = %d, want 429 with Retry-After", res.StatusCode)
		}
		ta.clock.Advance(time.Minute)
		if res := late.logIn(email, testPassword, nil); res.StatusCode != fiber.StatusSeeOther {
			t.Errorf("a minute later, the owner's sign-in = %d", res.StatusCode)
		}
	})
}

// TestRefreshReuseSignsOutEverywhere: a spent refresh token presented
// again ends every sign-in of the account, web included; the next web
// sign-in warns and the devices page records the event.
func TestRefreshReuseSignsOutEverywhere(t *testing.T) {
	ta := newTestApp(t)
	web := ta.browser()
	web.signUp("Rae", "rae@example.com", testPassword, url.Values{"remember_me": {"1"}})
	pair := signInApp(t, ta, "rae@example.com", testPassword)
	fresh := refreshed(t, ta, pair.RefreshToken)
	ta.clock.Advance(time.Minute) // past the grace window for a lost answer
	if res := ta.api(fiber.MethodPost, "/api/v1/auth/refresh", map[string]string{"refresh_token": pair.RefreshToken}, ""); res.StatusCode != fiber.StatusUnauthorized {
		t.Fatalf("reuse = %d", res.StatusCode)
	}
	if web.signedIn() {
		t.Error("the web session survived a reused refresh token")
	}
	if res := ta.api(fiber.MethodPost, "/api/v1/auth/refresh", map[string]string{"refresh_token": fresh.RefreshToken}, ""); res.StatusCode != fiber.StatusUnauthorized {
		t.Errorf("the family's latest token still works: %d", res.StatusCode)
	}
	var devices int64
	ta.db.Model(&models.RememberToken{}).Count(&devices)
	if devices != 0 {
		t.Errorf("%d remembered devices left", devices)
	}
	web.logIn("rae@example.com", testPassword, nil)
	if page := web.get("/account"); !strings.Contains(page.body, "copy of your") {
		t.Error("no warning at the next web sign-in")
	}
	if page := web.get("/account/security"); !strings.Contains(page.body, "A copy of your app refresh token was used") {
		t.Error("the devices page does not record the event")
	}
}

// TestStolenRememberCookieEndsAppSignIns: the other side: a replayed
// remember-me cookie ends the app's sign-ins too, and is recorded.
func TestStolenRememberCookieEndsAppSignIns(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.browser()
	owner.signUp("Sol", "sol@example.com", testPassword, url.Values{"remember_me": {"1"}})
	pair := signInApp(t, ta, "sol@example.com", testPassword)
	stolen := owner.copyCookie("crumb_remember")
	owner.closeBrowser()
	ta.clock.Advance(time.Hour)
	owner.signedIn() // rotates
	ta.clock.Advance(time.Minute)
	thief := ta.browser()
	thief.cookies["crumb_remember"] = stolen
	if thief.signedIn() {
		t.Fatal("the thief signed in")
	}
	if res := ta.api(fiber.MethodPost, "/api/v1/auth/refresh", map[string]string{"refresh_token": pair.RefreshToken}, ""); res.StatusCode != fiber.StatusUnauthorized {
		t.Errorf("the app's refresh token survived the theft: %d", res.StatusCode)
	}
	owner.logIn("sol@example.com", testPassword, nil)
	page := owner.get("/account/security")
	if !strings.Contains(page.body, "A copy of your remember-me cookie was used") || !strings.Contains(page.body, "from IP") {
		t.Error("the devices page does not record the theft with its address")
	}
}
