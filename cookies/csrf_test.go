package cookies_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"crumb/cookies"
)

func TestCSRF(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run("secure="+strconv.FormatBool(secure), func(t *testing.T) {
			clk := newClock(start)
			j := newJar(t, key('a'), secure, clk)

			ann := cookies.NewCSRFSecret()
			if len(ann) != cookies.CSRFSecretLen {
				t.Fatalf("secret of %d bytes, want %d", len(ann), cookies.CSRFSecretLen)
			}
			token := j.CSRFToken(ann, "")
			if token == "" {
				t.Fatal("empty token")
			}
			if again := j.CSRFToken(ann, ""); again != token {
				t.Error("a second form with the same secret got a different token: open tabs would break")
			}
			if bytes.Contains([]byte(token), ann) {
				t.Error("the token carries the secret")
			}

			if !j.CheckCSRF(ann, "", token) {
				t.Fatal("the browser's own token was refused")
			}
			if j.CheckCSRF(ann, "", "") {
				t.Error("an empty token was accepted")
			}
			if j.CheckCSRF(ann, "session-1", token) {
				t.Error("a guest's token was accepted for a signed-in session")
			}
			if j.CheckCSRF(ann, "", token[:len(token)-1]) {
				t.Error("a truncated token was accepted")
			}
			if j.CheckCSRF(ann, "", token+"A") {
				t.Error("a token with a character more was accepted")
			}

			bob := cookies.NewCSRFSecret()
			if bytes.Equal(ann, bob) {
				t.Fatal("two browsers got the same secret")
			}
			if j.CheckCSRF(ann, "", j.CSRFToken(bob, "")) {
				t.Error("another browser's token was accepted")
			}
			if j.CheckCSRF(nil, "", token) {
				t.Error("a token was accepted from a browser without a secret")
			}

			// Signing in starts a new secret: tokens from before stop working.
			fresh := cookies.NewCSRFSecret()
			signedIn := j.CSRFToken(fresh, "session-1")
			if j.CheckCSRF(fresh, "", token) || j.CheckCSRF(fresh, "session-1", token) {
				t.Error("a token from before sign-in still works")
			}
			if !j.CheckCSRF(fresh, "session-1", signedIn) {
				t.Error("the token issued with the new secret is refused")
			}
			if j.CheckCSRF(fresh, "session-2", signedIn) {
				t.Error("the token works for another session")
			}
		})
	}
}

// TestCSRFAnyInstance: every instance sharing the SECRET_KEY checks a
// token the same way, whether it serves http or https.
func TestCSRFAnyInstance(t *testing.T) {
	clk := newClock(start)
	a, b := newJar(t, key('a'), false, clk), newJar(t, key('a'), true, clk)
	secret := cookies.NewCSRFSecret()
	if !b.CheckCSRF(secret, "session-1", a.CSRFToken(secret, "session-1")) {
		t.Error("an instance with the same SECRET_KEY refused the token")
	}
}

func TestCSRFAnotherSecretKey(t *testing.T) {
	clk := newClock(start)
	a, b := newJar(t, key('a'), false, clk), newJar(t, key('b'), false, clk)
	secret := cookies.NewCSRFSecret()
	token := a.CSRFToken(secret, "")

	// The same browser, cookie and token, at a store with another key.
	if b.CheckCSRF(secret, "", token) {
		t.Error("a token made with another SECRET_KEY was accepted")
	}
	ck, err := a.Set(cookies.CSRF, secret, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if o := b.Read(cookies.CSRF, ck.Value); o.OK || !o.Drop || o.Problem == "" {
		t.Errorf("a csrf cookie sealed with another SECRET_KEY read as %+v, want dropped", o)
	}
}

func TestCSRFSecretOfWrongLength(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk)
	for _, n := range []int{0, 5, cookies.CSRFSecretLen - 1, cookies.CSRFSecretLen + 1, 2 * cookies.CSRFSecretLen} {
		bad := bytes.Repeat([]byte{'s'}, n)
		if j.CheckCSRF(bad, "", j.CSRFToken(bad, "")) {
			t.Errorf("a secret of %d bytes passed with its own token", n)
		}
	}
	good := bytes.Repeat([]byte{'s'}, cookies.CSRFSecretLen)
	if !j.CheckCSRF(good, "", j.CSRFToken(good, "")) {
		t.Error("a secret of the right length failed with its own token")
	}
}
