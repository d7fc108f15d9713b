package cookies_test

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"crumb/cookies"
)

func TestJarRoundTrip(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk)
	expires := start.Add(24 * time.Hour)
	for _, n := range names() {
		want := "hello-" + n.Spec().Name
		ck, err := j.Set(n, []byte(want), expires)
		if err != nil {
			t.Fatalf("Set %s: %v", n.Spec().Name, err)
		}
		o := j.Read(n, ck.Value)
		if !o.OK || o.Drop || o.Problem != "" || string(o.Plain) != want || !o.Expires.Equal(expires) {
			t.Errorf("Read %s = %+v, want %q expiring %v", n.Spec().Name, o, want, expires)
		}
		if strings.Contains(ck.Value, "hello") {
			t.Errorf("%s: the plaintext is readable in the value %q", n.Spec().Name, ck.Value)
		}
		if again := j.Seal(n, []byte(want), expires); again == ck.Value {
			t.Errorf("%s: sealing the same plaintext twice gave the same value", n.Spec().Name)
		}
	}
	// A cookie the browser did not send is absent, with nothing to drop.
	if o := j.Read(cookies.PopupHidden, ""); o.OK || o.Drop || o.Problem != "" || o.Plain != nil {
		t.Errorf("Read of a cookie never sent = %+v, want the zero Opened", o)
	}
}

func TestSealedValueIsBoundToItsCookie(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk)
	sealed := j.Seal(cookies.Email, []byte("ann@example.com"), start.Add(time.Hour))

	if plain, _, ok := j.Open(cookies.Email, sealed); !ok || string(plain) != "ann@example.com" {
		t.Fatalf("Open(Email) = %q, %v; want the sealed email", plain, ok)
	}
	for _, n := range names() {
		if n == cookies.Email {
			continue
		}
		if _, _, ok := j.Open(n, sealed); ok {
			t.Errorf("a value sealed for crumb_email opened as %s", n.Spec().Name)
		}
		// The email cookie's value copied into another cookie.
		if o := j.Read(n, sealed); o.OK || !o.Drop || o.Problem == "" {
			t.Errorf("%s holding crumb_email's value read as %+v, want dropped with a problem", n.Spec().Name, o)
		}
	}
}

func TestTamperedValuesAreRejected(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk)
	other := newJar(t, key('b'), false, clk)
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
			o := j.Read(cookies.Cart, tt.value)
			if o.OK || o.Plain != nil || !o.Expires.IsZero() {
				t.Errorf("Read = %+v, want the cookie treated as absent", o)
			}
			if !o.Drop || o.Problem == "" {
				t.Errorf("Read = %+v, want it dropped with a problem to log", o)
			}
			if strings.Contains(o.Problem, tt.value) {
				t.Error("the problem to log quotes the rejected value")
			}
		})
	}
	if o := j.Read(cookies.Cart, good); !o.OK {
		t.Fatalf("test setup: the untampered value is refused: %+v", o)
	}
}

func TestExpiredValueIsDroppedQuietly(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk)
	ck, err := j.Set(cookies.Email, []byte("kept"), start.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	clk.Set(start.Add(24*time.Hour - time.Second))
	if o := j.Read(cookies.Email, ck.Value); !o.OK || string(o.Plain) != "kept" {
		t.Fatalf("one second before expiry: %+v", o)
	}

	clk.Set(start.Add(24 * time.Hour))
	o := j.Read(cookies.Email, ck.Value)
	if o.OK || o.Plain != nil || !o.Drop {
		t.Errorf("at expiry Read = %+v, want absent and dropped", o)
	}
	if o.Problem != "" {
		t.Errorf("an expired cookie is normal, not a problem to log: %q", o.Problem)
	}

	// A browser that keeps sending it anyway gets the same answer.
	clk.Advance(365 * 24 * time.Hour)
	if o := j.Read(cookies.Email, ck.Value); o.OK || !o.Drop || o.Problem != "" {
		t.Errorf("a year later Read = %+v, want absent, dropped quietly", o)
	}
	// The seal itself still opens: expiry is Read's judgement.
	if _, exp, ok := j.Open(cookies.Email, ck.Value); !ok || !exp.Equal(start.Add(24*time.Hour)) {
		t.Errorf("Open = %v, %v; want the sealed expiry", exp, ok)
	}
}

func TestCookieDescriptions(t *testing.T) {
	for _, tt := range []struct {
		secure bool
		prefix string
	}{
		{false, ""},
		{true, "__Host-"},
	} {
		t.Run("secure="+strconv.FormatBool(tt.secure), func(t *testing.T) {
			clk := newClock(start)
			j := newJar(t, key('a'), tt.secure, clk)
			if j.Secure() != tt.secure {
				t.Errorf("Secure() = %v", j.Secure())
			}
			for _, n := range names() {
				spec := n.Spec()
				name := tt.prefix + spec.Name
				if got := j.CookieName(n); got != name {
					t.Errorf("CookieName = %q, want %q", got, name)
				}
				ck, err := j.Set(n, []byte("x"), start.Add(24*time.Hour))
				if err != nil {
					t.Fatalf("%s: %v", spec.Name, err)
				}
				if ck.Name != name {
					t.Errorf("%s: Name = %q, want %q", spec.Name, ck.Name, name)
				}
				if ck.HTTPOnly != spec.HTTPOnly || !ck.HTTPOnly {
					t.Errorf("%s: HTTPOnly = %v, want true", spec.Name, ck.HTTPOnly)
				}
				if ck.Secure != tt.secure {
					t.Errorf("%s: Secure = %v, want %v", spec.Name, ck.Secure, tt.secure)
				}
				if ck.Session || ck.MaxAge != 24*60*60 || !ck.Expires.Equal(start.Add(24*time.Hour)) {
					t.Errorf("%s: Session %v, Max-Age %d, Expires %v; want 86400 s for a value written to expire in a day",
						spec.Name, ck.Session, ck.MaxAge, ck.Expires)
				}
				if o := j.Read(n, ck.Value); !o.OK || string(o.Plain) != "x" {
					t.Errorf("%s: the value set does not read back: %+v", spec.Name, o)
				}

				// Clearing uses the same name and attributes, or the browser
				// would keep the original.
				gone := j.Expire(n)
				if gone.Name != name || gone.Secure != tt.secure || gone.HTTPOnly != ck.HTTPOnly {
					t.Errorf("%s: clearing cookie is %+v, set cookie %+v", spec.Name, gone, ck)
				}
				if gone.Value != "" || gone.MaxAge >= 0 || !gone.Expires.Before(start) || gone.Session {
					t.Errorf("%s: clearing cookie %+v does not make the browser drop it", spec.Name, gone)
				}
			}
		})
	}
}

// TestPrefixedOverHTTPS: over https no cookie is read or written under its
// plain name, which a sibling subdomain or plain http could have set.
func TestPrefixedOverHTTPS(t *testing.T) {
	clk := newClock(start)
	secure := newJar(t, key('a'), true, clk)
	for _, n := range names() {
		if name := secure.CookieName(n); name == n.Spec().Name || !strings.HasPrefix(name, cookies.HostPrefix) {
			t.Errorf("over https %s is named %q", n.Spec().Name, name)
		}
		if ck := secure.Expire(n); ck.Name != cookies.HostPrefix+n.Spec().Name {
			t.Errorf("over https %s is cleared as %q", n.Spec().Name, ck.Name)
		}
	}
}

func TestSessionOnlyCookie(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk)
	ck, err := j.Set(cookies.CSRF, []byte("x"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !ck.Session || ck.MaxAge != 0 || !ck.Expires.IsZero() {
		t.Errorf("a cookie that should end with the browser has a lifetime: %+v", ck)
	}
	clk.Advance(10 * 365 * 24 * time.Hour)
	if o := j.Read(cookies.CSRF, ck.Value); !o.OK || string(o.Plain) != "x" || !o.Expires.IsZero() {
		t.Errorf("a browser-session cookie stopped opening as time passed: %+v", o)
	}
}

func TestSetRespectsBudget(t *testing.T) {
	for _, secure := range []bool{false, true} {
		clk := newClock(start)
		j := newJar(t, key('a'), secure, clk)
		for _, n := range names() {
			spec := n.Spec()
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
				ck, err := j.SetRaw(n, tt.value, start.Add(time.Hour))
				size := len(name) + len(tt.value)
				if tt.ok {
					if err != nil || ck.Value != tt.value || ck.Name != name {
						t.Errorf("%s: %d bytes within its budget of %d refused: %v", name, size, spec.Budget, err)
					}
					continue
				}
				if err == nil || ck != (cookies.Cookie{}) {
					t.Errorf("%s: %d bytes over its budget of %d: err %v, cookie of %d bytes", name, size, spec.Budget, err, len(ck.Value))
				}
				if err != nil && !strings.Contains(err.Error(), spec.Name) {
					t.Errorf("error %q does not name the cookie", err)
				}
			}
			// Set counts the sealed value, not the plaintext.
			if _, err := j.Set(n, []byte(strings.Repeat("p", spec.Budget-len(name))), start.Add(time.Hour)); err == nil {
				t.Errorf("%s: a plaintext as long as the budget was sealed within it", name)
			}
		}
	}
}

// FuzzJarOpen reads arbitrary cookie values and checks that reading them
// never panics, that only values this jar sealed for that very cookie are
// accepted, and that anything else sent is to be dropped. (Fuzz workers
// seal their own copies with fresh nonces, so "sealed by this jar" is
// checked by what an accepted value must be: in canonical form, holding
// one of the plaintexts sealed here, and refused under any other name or
// key.)
func FuzzJarOpen(f *testing.F) {
	clk := newClock(start)
	j := newJar(f, key('a'), false, clk)
	other := newJar(f, key('b'), false, clk)
	expires := start.Add(time.Hour)

	plaintexts := map[string]bool{}
	for i, n := range names() {
		for _, plain := range []string{"", "x", "ann@example.com", strings.Repeat("crumb", 20)} {
			plaintexts[plain] = true
			v := j.Seal(n, []byte(plain), expires)
			f.Add(uint8(i), v)
			f.Add(uint8(i+1), v) // the right value under another cookie's name
			f.Add(uint8(i), other.Seal(n, []byte(plain), expires))
			f.Add(uint8(i), j.Seal(n, []byte(plain), start.Add(-time.Second)))
		}
		f.Add(uint8(i), n.Spec().Name)
	}
	for _, junk := range []string{"", "A", "AAAA", "====", "%00", `"quoted"`, "a;b", strings.Repeat("A", 5000)} {
		f.Add(uint8(0), junk)
	}

	f.Fuzz(func(t *testing.T, which uint8, value string) {
		n := cookies.Name(int(which) % cookies.Count)
		name := n.Spec().Name
		o := j.Read(n, value)
		if o.OK == o.Drop && value != "" {
			t.Fatalf("%s=%q read as %+v: a value sent must be either accepted or dropped", name, value, o)
		}
		if value == "" {
			if o.OK || o.Drop || o.Problem != "" || o.Plain != nil {
				t.Fatalf("no %s sent read as %+v", name, o)
			}
			return
		}
		if !o.OK {
			if o.Plain != nil {
				t.Fatalf("%s=%q refused but its plaintext %q handed out", name, value, o.Plain)
			}
			if _, exp, ok := j.Open(n, value); ok && o.Problem != "" {
				t.Fatalf("%s=%q opens (expiry %v) but was dropped as %q", name, value, exp, o.Problem)
			} else if !ok && o.Problem == "" {
				t.Fatalf("%s=%q does not open but was dropped without a problem to log", name, value)
			}
			return
		}
		if o.Problem != "" {
			t.Fatalf("%s=%q accepted with a problem %q", name, value, o.Problem)
		}
		if !plaintexts[string(o.Plain)] {
			t.Fatalf("%s accepted %q as %q, a plaintext this jar never sealed", name, value, o.Plain)
		}
		raw, err := base64.RawURLEncoding.DecodeString(value)
		if err != nil || base64.RawURLEncoding.EncodeToString(raw) != value {
			t.Fatalf("%s accepted %q, which is not a value Seal writes (canonical form %q)",
				name, value, base64.RawURLEncoding.EncodeToString(raw))
		}
		if !o.Expires.Equal(expires) {
			t.Fatalf("%s accepted %q with expiry %v, sealed with %v", name, value, o.Expires, expires)
		}
		for _, m := range names() {
			if m != n {
				if _, _, ok := j.Open(m, value); ok {
					t.Fatalf("%q opens both as %s and as %s", value, name, m.Spec().Name)
				}
			}
		}
		if _, _, ok := other.Open(n, value); ok {
			t.Fatalf("%q opens with another SECRET_KEY too", value)
		}
	})
}
