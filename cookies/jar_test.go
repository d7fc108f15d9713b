package cookies_test

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
)

// readerApp answers GET /read/{n} with the plaintext of cookie n, or
// "absent", and GET /write/{n}?v= by writing v into cookie n for a day.
func readerApp(t testing.TB, j *cookies.Jar) *fiber.App {
	app := newApp(t)
	app.Get("/read/:n", func(c *fiber.Ctx) error {
		n, _ := strconv.Atoi(c.Params("n"))
		plain, ok := j.Read(c, cookies.Name(n))
		if !ok {
			return c.SendString("absent")
		}
		return c.Send(plain)
	})
	app.Get("/write/:n", func(c *fiber.Ctx) error {
		n, _ := strconv.Atoi(c.Params("n"))
		return j.Write(c, cookies.Name(n), []byte(c.Query("v")), j.Now().Add(24*time.Hour))
	})
	return app
}

func path(op string, n cookies.Name) string { return "/" + op + "/" + strconv.Itoa(int(n)) }

func TestJarRoundTrip(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk, nil)
	b := newBrowser(t, readerApp(t, j), clk)

	for _, n := range []cookies.Name{cookies.Cart, cookies.Email, cookies.Remember} {
		b.do(http.MethodGet, path("write", n)+"?v=hello-"+n.Spec().Name)
	}
	for _, n := range []cookies.Name{cookies.Cart, cookies.Email, cookies.Remember} {
		if _, body := b.do(http.MethodGet, path("read", n)); body != "hello-"+n.Spec().Name {
			t.Errorf("read %s = %q, want what was written", n.Spec().Name, body)
		}
		b.mustNotTouch(n.Spec().Name)
	}
	if _, body := b.do(http.MethodGet, path("read", cookies.PopupHidden)); body != "absent" {
		t.Errorf("a cookie never set read as %q", body)
	}
	b.mustNotTouch("crumb_popup_hidden")
}

func TestSealedValueIsBoundToItsCookie(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk, nil)
	sealed := j.Seal(cookies.Email, []byte("ann@example.com"), start.Add(time.Hour))

	if plain, _, ok := j.Open(cookies.Email, sealed); !ok || string(plain) != "ann@example.com" {
		t.Fatalf("Open(Email) = %q, %v; want the sealed email", plain, ok)
	}
	for _, n := range []cookies.Name{cookies.Cart, cookies.PopupHidden, cookies.Session, cookies.Remember, cookies.CSRF} {
		if _, _, ok := j.Open(n, sealed); ok {
			t.Errorf("a value sealed for crumb_email opened as %s", n.Spec().Name)
		}
	}

	// Through HTTP: the email cookie's value copied into the cart cookie.
	b := newBrowser(t, readerApp(t, j), clk)
	b.cookies["crumb_cart"] = sealed
	if _, body := b.do(http.MethodGet, path("read", cookies.Cart)); body != "absent" {
		t.Errorf("crumb_cart holding crumb_email's value read as %q", body)
	}
	b.mustClear("crumb_cart")
}

func TestTamperedValuesAreRejectedClearedAndLogged(t *testing.T) {
	clk := newClock(start)
	var logs logBuffer
	j := newJar(t, key('a'), false, clk, slogTo(&logs))
	other := newJar(t, key('b'), false, clk, nil)
	good := j.Seal(cookies.Cart, []byte("cart"), start.Add(time.Hour))
	raw, err := base64.RawURLEncoding.DecodeString(good)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		return base64.RawURLEncoding.EncodeToString(b)
	}

	// The last character of an encoding whose length is not a multiple of
	// 3 bytes carries unused bits; changing them keeps the decoded bytes.
	if len(raw)%3 == 0 {
		t.Fatalf("test setup: %d sealed bytes leave no unused bits", len(raw))
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, good[len(good)-1])
	padded := good[:len(good)-1] + string(alphabet[last|1])

	tests := []struct{ name, value string }{
		{"unused bits set in the last character", padded},
		{"another SECRET_KEY", other.Seal(cookies.Cart, []byte("lines"), start.Add(time.Hour))},
		{"flipped version byte", flip(0)},
		{"flipped nonce byte", flip(5)},
		{"flipped ciphertext byte", flip(20)},
		{"flipped tag byte", flip(len(raw) - 1)},
		{"truncated", good[:len(good)-4]},
		{"header only", good[:16]},
		{"base64 garbage", "!!not*base64!!"},
		{"standard base64 of junk", base64.StdEncoding.EncodeToString([]byte("crumb crumb crumb crumb crumb crumb crumb crumb"))},
		{"extra characters", good + "AAAA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, ok := j.Open(cookies.Cart, tt.value); ok {
				t.Fatal("Open accepted the value")
			}
			before := len(logs.String())
			b := newBrowser(t, readerApp(t, j), clk)
			b.cookies["crumb_cart"] = tt.value
			resp, body := b.do(http.MethodGet, path("read", cookies.Cart))
			if resp.StatusCode != http.StatusOK || body != "absent" {
				t.Errorf("status %d, body %q; want 200 and the cookie treated as absent", resp.StatusCode, body)
			}
			b.mustClear("crumb_cart")
			logged := logs.String()[before:]
			if !strings.Contains(logged, "level=WARN") || !strings.Contains(logged, "cookie=crumb_cart") {
				t.Errorf("rejection not logged at WARN with the cookie's name; log: %q", logged)
			}
			if strings.Contains(logged, tt.value) {
				t.Error("the rejected cookie's value was written to the log")
			}
		})
	}
}

func TestExpiredValueIsAbsentAndCleared(t *testing.T) {
	clk := newClock(start)
	var logs logBuffer
	j := newJar(t, key('a'), false, clk, slogTo(&logs))
	b := newBrowser(t, readerApp(t, j), clk)

	b.do(http.MethodGet, path("write", cookies.Email)+"?v=kept") // expires in 24h
	value := b.cookies["crumb_email"]

	clk.Set(start.Add(24*time.Hour - time.Second))
	if _, body := b.do(http.MethodGet, path("read", cookies.Email)); body != "kept" {
		t.Fatalf("one second before expiry: %q", body)
	}

	clk.Set(start.Add(24 * time.Hour))
	if _, body := b.do(http.MethodGet, path("read", cookies.Email)); body != "absent" {
		t.Errorf("at expiry the cookie still read as %q", body)
	}
	b.mustClear("crumb_email")

	// A browser that keeps sending it anyway gets the same answer.
	b.cookies["crumb_email"] = value
	clk.Advance(365 * 24 * time.Hour)
	if _, body := b.do(http.MethodGet, path("read", cookies.Email)); body != "absent" {
		t.Errorf("a year later the cookie still read as %q", body)
	}
	b.mustClear("crumb_email")
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("an expired cookie is normal, not a warning; log: %q", logs.String())
	}
}

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		secure bool
		prefix string
	}{
		{false, ""},
		{true, "__Host-"},
	}
	for _, tt := range tests {
		t.Run("secure="+strconv.FormatBool(tt.secure), func(t *testing.T) {
			clk := newClock(start)
			j := newJar(t, key('a'), tt.secure, clk, nil)
			app := readerApp(t, j)
			for _, spec := range cookies.All() {
				n := nameOf(t, spec)
				if got := j.CookieName(n); got != tt.prefix+spec.Name {
					t.Errorf("CookieName = %q, want %q", got, tt.prefix+spec.Name)
				}
				b := newBrowser(t, app, clk)
				resp, _ := b.do(http.MethodGet, path("write", n)+"?v=x")
				set := resp.Header.Values("Set-Cookie")
				if len(set) != 1 {
					t.Fatalf("%s: %d Set-Cookie headers, want 1", spec.Name, len(set))
				}
				ck := b.set[tt.prefix+spec.Name]
				if ck == nil {
					t.Fatalf("%s: no cookie named %q in %q", spec.Name, tt.prefix+spec.Name, set[0])
				}
				if ck.Path != "/" {
					t.Errorf("%s: Path = %q, want /", spec.Name, ck.Path)
				}
				if ck.Domain != "" || strings.Contains(strings.ToLower(set[0]), "domain=") {
					t.Errorf("%s: has a Domain: %q", spec.Name, set[0])
				}
				if ck.HttpOnly != spec.HTTPOnly || !ck.HttpOnly {
					t.Errorf("%s: HttpOnly = %v, want true", spec.Name, ck.HttpOnly)
				}
				if ck.SameSite != http.SameSiteLaxMode {
					t.Errorf("%s: SameSite = %v in %q, want Lax", spec.Name, ck.SameSite, set[0])
				}
				if ck.Secure != tt.secure {
					t.Errorf("%s: Secure = %v, want %v", spec.Name, ck.Secure, tt.secure)
				}
				if ck.MaxAge != 24*60*60 {
					t.Errorf("%s: Max-Age = %d, want 86400 for a value written to expire in a day", spec.Name, ck.MaxAge)
				}

				// Clearing uses the same name and attributes, or the browser
				// would keep the original.
				b.cookies[tt.prefix+spec.Name] = "garbage"
				b.do(http.MethodGet, path("read", n))
				b.mustClear(tt.prefix + spec.Name)
				if c := b.set[tt.prefix+spec.Name]; c.Path != "/" || c.Secure != tt.secure {
					t.Errorf("%s: clearing cookie has Path %q, Secure %v", spec.Name, c.Path, c.Secure)
				}
			}
		})
	}
}

func TestPlainNameIgnoredOverHTTPS(t *testing.T) {
	clk := newClock(start)
	plain := newJar(t, key('a'), false, clk, nil)
	secure := newJar(t, key('a'), true, clk, nil)
	b := newBrowser(t, readerApp(t, secure), clk)
	// A cookie without the prefix could have been set by a sibling
	// subdomain or over http; the secure store must not read it.
	b.cookies["crumb_email"] = plain.Seal(cookies.Email, []byte("eve@example.com"), start.Add(time.Hour))
	if _, body := b.do(http.MethodGet, path("read", cookies.Email)); body != "absent" {
		t.Errorf("over https the unprefixed crumb_email was read: %q", body)
	}
}

func TestSessionOnlyCookie(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk, nil)
	app := newApp(t)
	app.Get("/", func(c *fiber.Ctx) error { return j.Write(c, cookies.CSRF, []byte("x"), time.Time{}) })
	b := newBrowser(t, app, clk)
	resp, _ := b.do(http.MethodGet, "/")
	set := resp.Header.Get("Set-Cookie")
	if lower := strings.ToLower(set); strings.Contains(lower, "max-age") || strings.Contains(lower, "expires") {
		t.Errorf("a cookie that should end with the browser has a lifetime: %q", set)
	}
	clk.Advance(10 * 365 * 24 * time.Hour)
	p, _, ok := j.Open(cookies.CSRF, b.cookies["crumb_csrf"])
	if !ok || string(p) != "x" {
		t.Error("a browser-session cookie stopped opening as time passed")
	}
}

func TestSetRawRespectsBudget(t *testing.T) {
	for _, secure := range []bool{false, true} {
		clk := newClock(start)
		j := newJar(t, key('a'), secure, clk, nil)
		for _, spec := range cookies.All() {
			n := nameOf(t, spec)
			name := j.CookieName(n)
			fits := strings.Repeat("v", spec.Budget-len(name))
			tests := []struct {
				value string
				ok    bool
			}{
				{fits, true},
				{fits + "v", false},
				{strings.Repeat("v", cookies.MaxBytes), false},
				{strings.Repeat("v", cookies.MaxBytes-len(name)), false},
			}
			for _, tt := range tests {
				app := newApp(t)
				var err error
				app.Get("/", func(c *fiber.Ctx) error {
					err = j.SetRaw(c, n, tt.value, start.Add(time.Hour))
					return nil
				})
				b := newBrowser(t, app, clk)
				resp, _ := b.do(http.MethodGet, "/")
				set := resp.Header.Get("Set-Cookie")
				if tt.ok {
					if err != nil || b.cookies[name] != tt.value {
						t.Errorf("%s: %d bytes within its budget of %d refused: %v", name, len(name)+len(tt.value), spec.Budget, err)
					}
				} else {
					if err == nil || set != "" {
						t.Errorf("%s: %d bytes over its budget of %d: err %v, Set-Cookie %d bytes", name, len(name)+len(tt.value), spec.Budget, err, len(set))
					}
					if err != nil && !strings.Contains(err.Error(), spec.Name) {
						t.Errorf("error %q does not name the cookie", err)
					}
				}
				if len(set) >= cookies.MaxBytes {
					t.Errorf("%s: sent a %d-byte Set-Cookie", name, len(set))
				}
			}
		}
	}
}

func TestClearAll(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), true, clk, nil)
	app := newApp(t)
	app.Get("/", func(c *fiber.Ctx) error { j.ClearAll(c); return nil })
	b := newBrowser(t, app, clk)
	b.do(http.MethodGet, "/")
	for _, spec := range cookies.All() {
		b.mustClear("__Host-" + spec.Name)
	}
}

// nameOf finds the Name of a registered cookie.
func nameOf(t testing.TB, spec cookies.Spec) cookies.Name {
	t.Helper()
	for i := range cookies.All() {
		if cookies.Name(i).Spec().Name == spec.Name {
			return cookies.Name(i)
		}
	}
	t.Fatalf("no Name for %s", spec.Name)
	return 0
}

// FuzzJarOpen sends arbitrary cookie values through a fiber app and checks
// that reading them never panics or errors, that only values this jar
// sealed for that very cookie are accepted, and that anything else is
// cleared. (Fuzz workers seal their own copies with fresh nonces, so
// "sealed by this jar" is checked by what an accepted value must be: in
// canonical form, holding one of the plaintexts sealed here, and refused
// under any other name or key.)
func FuzzJarOpen(f *testing.F) {
	clk := newClock(start)
	j := newJar(f, key('a'), false, clk, nil)
	other := newJar(f, key('b'), false, clk, nil)
	expires := start.Add(time.Hour)

	plaintexts := map[string]bool{}
	for i, spec := range cookies.All() {
		n := cookies.Name(i)
		for _, plain := range []string{"", "x", "ann@example.com", strings.Repeat("crumb", 20)} {
			plaintexts[plain] = true
			v := j.Seal(n, []byte(plain), expires)
			f.Add(uint8(i), v)
			f.Add(uint8(i+1), v) // the right value under another cookie's name
			f.Add(uint8(i), other.Seal(n, []byte(plain), expires))
			f.Add(uint8(i), j.Seal(n, []byte(plain), start.Add(-time.Second)))
		}
		f.Add(uint8(i), spec.Name)
	}
	for _, junk := range []string{"", "A", "AAAA", "====", "%00", `"quoted"`, "a;b", strings.Repeat("A", 5000)} {
		f.Add(uint8(0), junk)
	}

	type result struct {
		ran   bool
		raw   string
		plain string
		ok    bool
	}
	var got result
	app := fiber.New() // a handler error shows as a status other than 200
	app.Get("/:n", func(c *fiber.Ctx) error {
		n, _ := strconv.Atoi(c.Params("n"))
		got.ran = true
		got.raw = strings.Clone(c.Cookies(j.CookieName(cookies.Name(n))))
		plain, ok := j.Read(c, cookies.Name(n))
		got.plain, got.ok = string(plain), ok
		return nil
	})

	f.Fuzz(func(t *testing.T, which uint8, value string) {
		n := cookies.Name(int(which) % len(cookies.All()))
		name := j.CookieName(n)
		req, err := http.NewRequest(http.MethodGet, "/"+strconv.Itoa(int(n)), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Cookie", name+"="+value)
		got = result{}
		resp, err := app.Test(req, -1)
		if err != nil || !got.ran {
			return // refused by the HTTP server before any handler ran
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("cookie %s=%q: status %d", name, value, resp.StatusCode)
		}
		if got.ok {
			if !plaintexts[got.plain] {
				t.Fatalf("%s accepted %q as %q, a plaintext this jar never sealed", name, got.raw, got.plain)
			}
			raw, err := base64.RawURLEncoding.DecodeString(got.raw)
			if err != nil || base64.RawURLEncoding.EncodeToString(raw) != got.raw {
				t.Fatalf("%s accepted %q, which is not a value Seal writes (canonical form %q)",
					name, got.raw, base64.RawURLEncoding.EncodeToString(raw))
			}
			if _, exp, _ := j.Open(n, got.raw); !exp.Equal(expires) {
				t.Fatalf("%s accepted %q with expiry %v, sealed with %v", name, got.raw, exp, expires)
			}
			for i := range cookies.All() {
				if m := cookies.Name(i); m != n {
					if _, _, ok := j.Open(m, got.raw); ok {
						t.Fatalf("%q opens both as %s and as %s", got.raw, name, m.Spec().Name)
					}
				}
			}
			if _, _, ok := other.Open(n, got.raw); ok {
				t.Fatalf("%q opens with another SECRET_KEY too", got.raw)
			}
			return
		}
		if got.raw != "" {
			cleared := false
			for _, ck := range resp.Cookies() {
				if ck.Name == name && (ck.MaxAge < 0 || (!ck.Expires.IsZero() && ck.Expires.Before(start))) {
					cleared = true
				}
			}
			if !cleared {
				t.Fatalf("%s=%q was refused but not cleared", name, got.raw)
			}
		}
	})
}
