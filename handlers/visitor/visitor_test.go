package visitor_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"crumb/cookies"
)

// TestRejectedCookiesAreClearedAndLogged: a cookie that cannot be opened
// is treated as absent, cleared, and logged at WARN with its name, the
// request id and the path, never its value.
func TestRejectedCookiesAreClearedAndLogged(t *testing.T) {
	k := newKit(t)
	other := newKit(t, secretKey('b'))
	expires := start.Add(time.Hour)
	for _, n := range allNames() {
		name := n.Spec().Name
		t.Run(name, func(t *testing.T) {
			for why, value := range map[string]string{
				"another SECRET_KEY":     other.jar.Seal(n, []byte("x"), expires),
				"garbage":                "!!not*base64!!",
				"another cookie's value": k.jar.Seal(anotherName(n), []byte("x"), expires),
				"truncated":              k.jar.Seal(n, []byte("x"), expires)[:20],
				"extra characters":       k.jar.Seal(n, []byte("x"), expires) + "AAAA",
			} {
				before := len(k.logs.String())
				b := k.browser()
				b.cookies[name] = value
				if _, body := b.do(http.MethodGet, "/me"); body != "guest" {
					t.Errorf("%s: /me = %q", why, body)
				}
				b.mustClear(name)
				logged := k.logs.String()[before:]
				for _, want := range []string{"level=WARN", "rejected cookie", "cookie=" + name, "reason=\"cannot be decrypted\"", "path=/me", "request_id=test-request"} {
					if !strings.Contains(logged, want) {
						t.Errorf("%s: the rejection is logged without %s; log: %q", why, want, logged)
					}
				}
				if strings.Contains(logged, value) {
					t.Errorf("%s: the rejected cookie's value was written to the log", why)
				}
			}
		})
	}

	// Outside the pages nothing reads, judges or clears a cookie.
	b := k.browser()
	for _, n := range allNames() {
		b.cookies[n.Spec().Name] = "garbage"
	}
	b.do(http.MethodGet, "/asset")
	if len(b.raw) != 0 {
		t.Errorf("an asset request set cookies: %q", b.raw)
	}
}

// TestExpiredCookiesAreClearedQuietly: a cookie whose sealed expiry has
// passed is absent and cleared, and that is not worth a warning.
func TestExpiredCookiesAreClearedQuietly(t *testing.T) {
	k := newKit(t)
	b := k.browser()
	b.do(http.MethodPost, "/email/remember?email=ann@example.com")
	b.do(http.MethodPost, "/popup/dismiss?tz=UTC")
	b.do(http.MethodPost, "/cart?lines="+formatLines(someLines(k.productIDs(), 1)))
	sent := map[string]string{}
	for name, value := range b.cookies {
		sent[name] = value
	}
	k.clk.Advance(366 * 24 * time.Hour)
	before := len(k.logs.String())
	b.cookies = sent // a browser that kept them anyway
	if _, body := b.do(http.MethodGet, "/email"); body != "" {
		t.Errorf("a year later the email is %q", body)
	}
	for _, name := range []string{"crumb_email", "crumb_popup_hidden", "crumb_cart"} {
		b.mustClear(name)
	}
	if logged := k.logs.String()[before:]; strings.Contains(logged, "level=WARN") {
		t.Errorf("an expired cookie is normal, not a warning; log: %q", logged)
	}
}

// TestSetCookieAttributes: every cookie is written once, Path=/,
// SameSite=Lax, HttpOnly, no Domain, Secure and __Host- over https, with
// its registered lifetime; and cleared with the same name and attributes.
func TestSetCookieAttributes(t *testing.T) {
	for _, tt := range []struct {
		secure bool
		prefix string
	}{
		{false, ""},
		{true, "__Host-"},
	} {
		t.Run("secure="+strconv.FormatBool(tt.secure), func(t *testing.T) {
			var opts []option
			if tt.secure {
				opts = append(opts, overHTTPS)
			}
			k := newKit(t, opts...)
			b := k.browser()
			b.do(http.MethodPost, "/everything")
			if len(b.raw) != cookies.Count {
				t.Errorf("%d Set-Cookie headers, want one for each of the %d cookies: %q", len(b.raw), cookies.Count, b.raw)
			}
			const day = 24 * 60 * 60
			midnight := cookies.NextMidnight(start, time.UTC)
			lifetimes := map[cookies.Name]int{ // seconds; 0: ends with the browser
				cookies.Cart: 30 * day, cookies.PopupHidden: int(midnight.Sub(start).Seconds()), cookies.Email: 365 * day,
				cookies.Session: 0, cookies.Remember: 30 * day, cookies.CSRF: 0, cookies.Lang: 365 * day,
			}
			check := func(name string, clearing bool) {
				t.Helper()
				ck, raw := b.set[name], b.header(name)
				if ck == nil {
					t.Errorf("no cookie named %q in %q", name, b.raw)
					return
				}
				lower := strings.ToLower(raw)
				if ck.Path != "/" {
					t.Errorf("%s: Path = %q, want /", name, ck.Path)
				}
				if ck.Domain != "" || strings.Contains(lower, "domain=") {
					t.Errorf("%s: has a Domain: %q", name, raw)
				}
				if !ck.HttpOnly {
					t.Errorf("%s: not HttpOnly: %q", name, raw)
				}
				if ck.SameSite != http.SameSiteLaxMode {
					t.Errorf("%s: SameSite = %v in %q, want Lax", name, ck.SameSite, raw)
				}
				if ck.Secure != tt.secure {
					t.Errorf("%s: Secure = %v, want %v", name, ck.Secure, tt.secure)
				}
				if clearing {
					b.mustClear(name)
				}
			}
			for _, n := range allNames() {
				name := tt.prefix + n.Spec().Name
				check(name, false)
				ck := b.set[name]
				if ck == nil {
					continue
				}
				if want := lifetimes[n]; want == 0 {
					if lower := strings.ToLower(b.header(name)); strings.Contains(lower, "max-age") || strings.Contains(lower, "expires") {
						t.Errorf("%s should end with the browser: %q", name, b.header(name))
					}
				} else if ck.MaxAge != want {
					t.Errorf("%s: Max-Age %d, want %d s", name, ck.MaxAge, want)
				}
			}
			if _, body := b.do(http.MethodGet, "/me"); body != strconv.Itoa(int(k.user.ID)) {
				t.Errorf("after /everything /me = %q", body)
			}

			// Clearing uses the same name and attributes, or the browser
			// would keep the original.
			bad := k.browser()
			for _, n := range allNames() {
				bad.cookies[tt.prefix+n.Spec().Name] = "garbage"
			}
			bad.do(http.MethodGet, "/me")
			b = bad
			for _, n := range allNames() {
				check(tt.prefix+n.Spec().Name, true)
			}
		})
	}
}

// TestForgetBrowser: forgetting the browser ends its session and device on
// the server, deletes its cart kept in the database, and clears every
// cookie.
func TestForgetBrowser(t *testing.T) {
	k := newKit(t, cartBudget(120), overHTTPS)
	b := k.browser()
	b.do(http.MethodPost, "/cart?lines="+formatLines(someLines(k.productIDs(), 36)))
	b.do(http.MethodPost, "/email/remember?email=ann@example.com")
	b.do(http.MethodPost, "/login?remember=1")
	session := b.cookies["__Host-crumb_session"]
	if k.count("SELECT count(*) FROM carts WHERE guest_key IS NOT NULL") != 1 || k.count("SELECT count(*) FROM remember_tokens") != 1 || session == "" {
		t.Fatal("test setup: no database cart, device or session")
	}
	b.do(http.MethodPost, "/forget")
	for _, n := range allNames() {
		b.mustClear("__Host-" + n.Spec().Name)
	}
	if n := k.count("SELECT count(*) FROM carts WHERE guest_key IS NOT NULL"); n != 0 {
		t.Errorf("%d guest carts left", n)
	}
	if n := k.count("SELECT count(*) FROM remember_tokens"); n != 0 {
		t.Errorf("%d remembered devices left", n)
	}
	if n := k.count("SELECT count(*) FROM web_sessions"); n != 0 {
		t.Errorf("%d sessions left", n)
	}
	replay := k.browser()
	replay.cookies["__Host-crumb_session"] = session
	if _, body := replay.do(http.MethodGet, "/me"); body != "guest" {
		t.Errorf("the forgotten session still signs in: %q", body)
	}
	replay.mustClear("__Host-crumb_session")
}

// TestPlainNameIgnoredOverHTTPS: a cookie without the prefix could have
// been set by a sibling subdomain or over http; the secure store must not
// read it.
func TestPlainNameIgnoredOverHTTPS(t *testing.T) {
	plain := newKit(t)
	k := newKit(t, overHTTPS)
	b := k.browser()
	b.cookies["crumb_email"] = plain.jar.Seal(cookies.Email, []byte("eve@example.com"), start.Add(time.Hour))
	if _, body := b.do(http.MethodGet, "/email"); body != "" {
		t.Errorf("over https the unprefixed crumb_email was read: %q", body)
	}
	if len(b.raw) != 0 {
		t.Errorf("over https the unprefixed cookie was touched: %q", b.raw)
	}
}

func TestHeld(t *testing.T) {
	k := newKit(t)
	b := k.browser()
	email := k.jar.Seal(cookies.Email, []byte("ann@example.com"), start.Add(time.Hour))
	csrf := k.jar.Seal(cookies.CSRF, make([]byte, cookies.CSRFSecretLen), time.Time{})
	b.cookies["crumb_csrf"], b.cookies["crumb_email"], b.cookies["other"] = csrf, email, "x"
	_, body := b.do(http.MethodGet, "/held")
	want := "crumb_email " + strconv.Itoa(len("crumb_email")+len(email)) + " " + strconv.FormatInt(start.Add(time.Hour).Unix(), 10) +
		"\ncrumb_csrf " + strconv.Itoa(len("crumb_csrf")+len(csrf)) + " 0"
	if body != want {
		t.Errorf("held:\n%s\nwant, in the registry's order:\n%s", body, want)
	}
}

// check reports whether the store accepts token from this browser.
func check(b *browser, token string) bool {
	b.t.Helper()
	_, body := b.do(http.MethodPost, "/check?token="+url.QueryEscape(token))
	return body == "true"
}

func TestFormTokens(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run("secure="+strconv.FormatBool(secure), func(t *testing.T) {
			var opts []option
			if secure {
				opts = append(opts, overHTTPS)
			}
			k := newKit(t, opts...)
			name := k.jar.CookieName(cookies.CSRF)
			session := k.jar.CookieName(cookies.Session)

			ann := k.browser()
			_, token := ann.do(http.MethodGet, "/form")
			if token == "" {
				t.Fatal("empty token")
			}
			if ann.set[name] == nil || ann.cookies[name] == "" {
				t.Fatalf("no %s cookie set with the first form", name)
			}
			if raw := strings.ToLower(ann.header(name)); strings.Contains(raw, "max-age") || strings.Contains(raw, "expires") {
				t.Errorf("%s should end with the browser: %q", name, ann.header(name))
			}
			_, again := ann.do(http.MethodGet, "/form")
			ann.mustNotTouch(name)
			if again != token {
				t.Error("a second form in the same browser got a different token: open tabs would break")
			}

			if !check(ann, token) {
				t.Fatal("the browser's own token was refused")
			}
			ann.mustNotTouch(name)
			if check(ann, "") {
				t.Error("an empty token was accepted")
			}
			if check(ann, token[:len(token)-1]) {
				t.Error("a truncated token was accepted")
			}
			bob := k.browser()
			_, bobToken := bob.do(http.MethodGet, "/form")
			if check(ann, bobToken) {
				t.Error("another browser's token was accepted")
			}
			if noCookie := k.browser(); check(noCookie, token) {
				t.Error("a token was accepted from a browser without the csrf cookie")
			}

			// Signing in starts a new secret: tokens from before stop working.
			_, signedIn := ann.do(http.MethodPost, "/login")
			if ann.set[name] == nil || ann.set[session] == nil {
				t.Fatal("signing in set no new csrf or session cookie")
			}
			if check(ann, token) {
				t.Error("a token from before sign-in still works")
			}
			if !check(ann, signedIn) {
				t.Error("the token issued with the new secret is refused")
			}

			// The token is bound to the session: with the same secret in
			// another session, or in none, it does not work.
			bob.do(http.MethodPost, "/login")
			mixed := k.browser()
			mixed.cookies[name], mixed.cookies[session] = ann.cookies[name], bob.cookies[session]
			if check(mixed, signedIn) {
				t.Error("the token works in another session of the same account")
			}
			guest := k.browser()
			guest.cookies[name] = ann.cookies[name]
			if check(guest, signedIn) {
				t.Error("a signed-in session's token works without the session")
			}

			// Signing out starts a new secret too.
			_, signedOut := ann.do(http.MethodPost, "/logout")
			ann.mustClear(session)
			if ann.set[name] == nil || ann.cookies[name] == "" {
				t.Fatal("signing out set no new csrf cookie")
			}
			if check(ann, signedIn) {
				t.Error("a token from before sign-out still works")
			}
			if !check(ann, signedOut) {
				t.Error("the token issued at sign-out is refused")
			}
		})
	}
}

func TestFormTokenAnotherSecretKey(t *testing.T) {
	a, b := newKit(t), newKit(t, secretKey('b'))
	ann := a.browser()
	_, token := ann.do(http.MethodGet, "/form")

	// The same browser, cookie and token, at a store with another key.
	elsewhere := b.browser()
	elsewhere.cookies = ann.cookies
	if check(elsewhere, token) {
		t.Error("a token and cookie made with another SECRET_KEY were accepted")
	}
	elsewhere.mustClear("crumb_csrf")
}

func TestFormTokenSecretOfWrongLength(t *testing.T) {
	k := newKit(t)
	b := k.browser()
	bad := k.jar.Seal(cookies.CSRF, []byte("short"), time.Time{})
	b.cookies["crumb_csrf"] = bad
	if check(b, k.jar.CSRFToken([]byte("short"), "")) {
		t.Error("a token for a short secret was accepted")
	}
	b.mustClear("crumb_csrf")
	if !strings.Contains(k.logs.String(), `reason="wrong length"`) {
		t.Errorf("the short secret was not logged; log: %q", k.logs.String())
	}
	b.cookies["crumb_csrf"] = bad
	_, token := b.do(http.MethodGet, "/form")
	if b.cookies["crumb_csrf"] == bad || b.cookies["crumb_csrf"] == "" {
		t.Fatal("a csrf cookie holding a short secret was kept")
	}
	if !check(b, token) {
		t.Error("the token issued with the replacement secret is refused")
	}
}

// TestRememberedDeviceSignsBackIn: a browser with only its remember-me
// cookie is signed in again with a new session, a rotated cookie and a new
// form-token secret; a session that ended is dropped.
func TestRememberedDeviceSignsBackIn(t *testing.T) {
	k := newKit(t)
	b := k.browser()
	b.do(http.MethodPost, "/login?remember=1")
	if ck := b.set["crumb_remember"]; ck == nil || ck.MaxAge != 30*24*60*60 {
		t.Fatalf("keeping the device set %v, want a 30-day crumb_remember", ck)
	}
	remember, session := b.cookies["crumb_remember"], b.cookies["crumb_session"]

	// The session ends on the server: its cookie is dropped, and the
	// device signs back in.
	k.clk.Advance(time.Hour)
	_, body := b.do(http.MethodGet, "/me")
	if body != strconv.Itoa(int(k.user.ID)) {
		t.Fatalf("the remembered device is not signed back in: %q", body)
	}
	if b.cookies["crumb_session"] == "" || b.cookies["crumb_session"] == session {
		t.Error("no new session cookie")
	}
	if b.cookies["crumb_remember"] == "" || b.cookies["crumb_remember"] == remember {
		t.Error("the remember-me cookie was not rotated")
	}
	if b.set["crumb_csrf"] == nil {
		t.Error("no new form-token secret for the new session")
	}
	b.do(http.MethodGet, "/me")
	for _, name := range []string{"crumb_session", "crumb_remember", "crumb_csrf"} {
		b.mustNotTouch(name)
	}

	// Signed out: both cookies go, and the device is forgotten.
	b.do(http.MethodPost, "/logout")
	b.mustClear("crumb_session")
	b.mustClear("crumb_remember")
	replay := k.browser()
	replay.cookies["crumb_remember"] = remember
	if _, body := replay.do(http.MethodGet, "/me"); body != "guest" {
		t.Errorf("a remember-me cookie of a signed-out device signs in: %q", body)
	}
	replay.mustClear("crumb_remember")
}

func TestRememberedEmail(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + ".example"
	for _, email := range []string{"ann@example.com", "o'brien+bread@bakery.example.co.uk", long} {
		for _, secure := range []bool{false, true} {
			t.Run(email[:min(len(email), 20)]+" secure="+strconv.FormatBool(secure), func(t *testing.T) {
				var opts []option
				if secure {
					opts = append(opts, overHTTPS)
				}
				k := newKit(t, opts...)
				b := k.browser()
				name := k.jar.CookieName(cookies.Email)

				if _, body := b.do(http.MethodGet, "/email"); body != "" {
					t.Fatalf("a new browser remembers %q", body)
				}
				b.do(http.MethodPost, "/email/remember?email="+url.QueryEscape(email))
				ck := b.set[name]
				if ck == nil {
					t.Fatalf("no %s cookie set", name)
				}
				if ck.MaxAge != 365*24*60*60 {
					t.Errorf("Max-Age = %d, want one year", ck.MaxAge)
				}
				if strings.Contains(ck.Value, "example") {
					t.Error("the email is readable in the cookie")
				}
				k.clk.Advance(364 * 24 * time.Hour)
				if _, body := b.do(http.MethodGet, "/email"); body != email {
					t.Errorf("after 364 days the login form shows %q, want %q", body, email)
				}
				b.mustNotTouch(name)
				k.clk.Advance(24 * time.Hour)
				if _, body := b.do(http.MethodGet, "/email"); body != "" {
					t.Errorf("after a year the login form still shows %q", body)
				}
				b.mustClear(name)
			})
		}
	}
}

func TestForgetEmail(t *testing.T) {
	k := newKit(t)
	b := k.browser()
	b.do(http.MethodPost, "/email/remember?email=ann@example.com")
	b.do(http.MethodPost, "/email/forget")
	b.mustClear("crumb_email")
	if _, body := b.do(http.MethodGet, "/email"); body != "" {
		t.Errorf("after Not you? the login form shows %q", body)
	}
}

func TestRememberedEmailRejectsNonEmail(t *testing.T) {
	// Named subtests: a "#" in a test's name (as t.Run gives an empty
	// one) ends up in its SQLite path, where it cuts the path short.
	for name, value := range map[string]string{"words": "not an email", "empty": "", "script": "<script>alert(1)</script>", "no domain": "ann@"} {
		t.Run(name, func(t *testing.T) {
			k := newKit(t)
			b := k.browser()
			b.cookies["crumb_email"] = k.jar.Seal(cookies.Email, []byte(value), start.Add(time.Hour))
			if _, body := b.do(http.MethodGet, "/email"); body != "" {
				t.Errorf("the login form shows %q", body)
			}
			b.mustClear("crumb_email")
			if logs := k.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, `reason="not an email address"`) {
				t.Errorf("a sealed non-email was not logged; log: %q", logs)
			}
		})
	}
}

func TestHideOfferUntilMidnight(t *testing.T) {
	tests := []struct {
		zone, now, midnight string
	}{
		{"Asia/Seoul", "2026-05-14T21:15:00+09:00", "2026-05-15T00:00:00+09:00"},
		{"America/New_York", "2026-03-08T10:00:00-04:00", "2026-03-09T00:00:00-04:00"},
		{"America/New_York", "2026-11-01T00:30:00-04:00", "2026-11-02T00:00:00-05:00"},
		{"Europe/London", "2026-10-25T23:59:00Z", "2026-10-26T00:00:00Z"},
		{"America/Santiago", "2026-09-05T23:30:00-04:00", "2026-09-06T01:00:00-03:00"},
	}
	for _, tt := range tests {
		for _, secure := range []bool{false, true} {
			t.Run(tt.zone+" "+tt.now+" secure="+strconv.FormatBool(secure), func(t *testing.T) {
				now, _ := time.Parse(time.RFC3339, tt.now)
				midnight, _ := time.Parse(time.RFC3339, tt.midnight)
				var opts []option
				if secure {
					opts = append(opts, overHTTPS)
				}
				k := newKit(t, opts...)
				k.clk.Set(now)
				b := k.browser()
				name := k.jar.CookieName(cookies.PopupHidden)

				if _, body := b.do(http.MethodGet, "/popup"); body != "false" {
					t.Fatalf("offer hidden before dismissing: %s", body)
				}
				_, body := b.do(http.MethodPost, "/popup/dismiss?tz="+tt.zone)
				if until, _ := time.Parse(time.RFC3339, body); !until.Equal(midnight) {
					t.Errorf("hidden until %s, want %s", body, tt.midnight)
				}
				ck := b.set[name]
				if ck == nil {
					t.Fatalf("dismissing set no %s cookie", name)
				}
				if want := int(midnight.Sub(now).Seconds()); ck.MaxAge != want {
					t.Errorf("Max-Age = %d, want %d (the seconds to local midnight)", ck.MaxAge, want)
				}

				k.clk.Set(midnight.Add(-time.Second))
				if _, body := b.do(http.MethodGet, "/popup"); body != "true" {
					t.Errorf("one second before midnight the offer shows again")
				}
				b.mustNotTouch(name)

				k.clk.Set(midnight)
				if _, body := b.do(http.MethodGet, "/popup"); body != "false" {
					t.Errorf("at midnight the offer is still hidden (the browser still sends the cookie)")
				}
				b.mustClear(name)
			})
		}
	}
}

func allNames() []cookies.Name {
	out := make([]cookies.Name, cookies.Count)
	for i := range out {
		out[i] = cookies.Name(i)
	}
	return out
}

// anotherName is a registered cookie other than n.
func anotherName(n cookies.Name) cookies.Name { return cookies.Name((int(n) + 1) % cookies.Count) }
