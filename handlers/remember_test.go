package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"crumb/models"
)

// closeBrowser drops the cookies that end with the browser, as closing it would.
func (b *browser) closeBrowser() {
	delete(b.cookies, "crumb_session")
	delete(b.cookies, "crumb_csrf")
}

func (b *browser) copyCookie(name string) *http.Cookie {
	c := *b.cookies[name]
	return &c
}

func TestRememberMe(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	b.signUp("Kim", "kim@example.com", testPassword, url.Values{"remember_me": {"1"}})
	first := b.cookies["crumb_remember"]
	if first == nil {
		t.Fatal("no remember-me cookie")
	}
	if first.MaxAge != 30*24*3600 || !first.HttpOnly {
		t.Errorf("remember cookie: max-age %d httponly %v", first.MaxAge, first.HttpOnly)
	}
	var tok models.RememberToken
	ta.db.Take(&tok)
	if strings.Contains(first.Value, tok.Selector) || len(tok.ValidatorHash) != 64 {
		t.Errorf("cookie or row exposes the token: selector in cookie %v, hash %q", strings.Contains(first.Value, tok.Selector), tok.ValidatorHash)
	}

	b.closeBrowser()
	ta.clock.Advance(3 * 24 * time.Hour)
	if !b.signedIn() {
		t.Fatal("not signed back in from the remember-me cookie")
	}
	second := b.cookies["crumb_remember"]
	if second.Value == first.Value {
		t.Error("the remember-me cookie was not rotated")
	}
	var rotated models.RememberToken
	ta.db.Take(&rotated, tok.ID)
	if rotated.ValidatorHash == tok.ValidatorHash || rotated.PreviousHash != tok.ValidatorHash {
		t.Error("the stored validator was not rotated")
	}

	// A remembered session is not fresh: sensitive changes ask for the password.
	res := b.post("/account/email", url.Values{"email": {"kim2@example.com"}})
	if res.StatusCode != 422 || !strings.Contains(res.body, "Enter your password") {
		t.Errorf("email change without password from a remembered session = %d", res.StatusCode)
	}
	res = b.post("/account/security/revoke-all", nil)
	if res.StatusCode != 422 || !strings.Contains(res.body, "Enter your password") {
		t.Errorf("revoke-all without password from a remembered session = %d", res.StatusCode)
	}
	if res := b.post("/account/email", url.Values{"email": {"kim2@example.com"}, "password": {testPassword}}); res.StatusCode != 200 || !strings.Contains(res.body, "kim2@example.com") {
		t.Errorf("email change with password = %d", res.StatusCode)
	}

	// A fresh sign-in does not ask.
	fresh := ta.browser()
	fresh.logIn("kim2@example.com", testPassword, nil)
	if res := fresh.post("/account/email", url.Values{"email": {"kim3@example.com"}}); res.StatusCode != 200 {
		t.Errorf("email change from a fresh session = %d", res.StatusCode)
	}

	// Logout forgets this device's token.
	b.post("/logout", nil)
	if _, ok := b.cookies["crumb_remember"]; ok {
		t.Error("remember cookie kept after sign-out")
	}
	var n int64
	ta.db.Model(&models.RememberToken{}).Where("id = ?", tok.ID).Count(&n)
	if n != 0 {
		t.Error("remember token kept after sign-out")
	}
	b.cookies["crumb_remember"] = second
	if b.signedIn() {
		t.Error("a signed-out device's cookie still works")
	}
}

func TestRememberMeExpires(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	b.signUp("Lou", "lou@example.com", testPassword, url.Values{"remember_me": {"1"}})
	kept := b.copyCookie("crumb_remember")
	b.closeBrowser()
	ta.clock.Advance(31 * 24 * time.Hour)
	b.cookies["crumb_remember"] = kept // a browser that kept it too long
	if b.signedIn() {
		t.Error("a 31-day-old remember-me token signed in")
	}
}

func TestStolenRememberCookie(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.browser()
	owner.signUp("Max", "max@example.com", testPassword, url.Values{"remember_me": {"1"}})
	stolen := owner.copyCookie("crumb_remember")

	// The owner comes back the next day: the token rotates.
	owner.closeBrowser()
	ta.clock.Advance(24 * time.Hour)
	if !owner.signedIn() {
		t.Fatal("owner not signed back in")
	}
	// The thief replays the old value outside the grace window.
	ta.clock.Advance(time.Minute)
	thief := ta.browser()
	thief.cookies["crumb_remember"] = stolen
	if thief.signedIn() {
		t.Fatal("the thief signed in with a spent validator")
	}
	if !strings.Contains(ta.logs.String(), "stolen token presented again") {
		t.Error("theft not logged")
	}
	// Both are signed out: every session and device of the account is revoked.
	if owner.signedIn() {
		t.Error("the owner's session survived the theft")
	}
	var sessions, tokens int64
	ta.db.Model(&models.WebSession{}).Count(&sessions)
	ta.db.Model(&models.RememberToken{}).Count(&tokens)
	if sessions != 0 || tokens != 0 {
		t.Errorf("after theft: %d sessions, %d tokens", sessions, tokens)
	}
	// The next sign-in warns, with a link to the devices page, once.
	owner.logIn("max@example.com", testPassword, nil)
	page := owner.get("/account")
	if !strings.Contains(page.body, "copy of your") || !strings.Contains(page.body, `href="/account/security"`) {
		t.Error("no theft warning after sign-in")
	}
	if again := owner.get("/account"); strings.Contains(again.body, "copy of your") {
		t.Error("the warning shows twice")
	}
}

func TestRememberGraceWindow(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	b.signUp("Ned", "ned@example.com", testPassword, url.Values{"remember_me": {"1"}})
	old := b.copyCookie("crumb_remember")
	b.closeBrowser()
	if !b.signedIn() {
		t.Fatal("not signed back in")
	}
	// A parallel request (another tab) left with the old value moments ago.
	ta.clock.Advance(10 * time.Second)
	tab := ta.browser()
	tab.cookies["crumb_remember"] = old
	if !tab.signedIn() {
		t.Error("a parallel request inside the grace window was refused")
	}
	if !b.signedIn() {
		t.Error("the grace window tripped theft detection")
	}
	var tokens int64
	ta.db.Model(&models.RememberToken{}).Count(&tokens)
	if tokens != 1 {
		t.Errorf("%d tokens, want 1", tokens)
	}
}

func TestRememberedEmail(t *testing.T) {
	ta := newTestApp(t)
	ta.browser().signUp("Oda", "oda@example.com", testPassword, nil)
	b := ta.browser()
	b.logIn("Oda@Example.com", testPassword, url.Values{"remember_email": {"1"}})
	ck := b.cookies["crumb_email"]
	if ck == nil || ck.MaxAge != 365*24*3600 || strings.Contains(ck.Value, "oda") {
		t.Fatalf("email cookie: %+v", ck)
	}
	b.post("/logout", nil)
	page := b.get("/login")
	if !strings.Contains(page.body, `value="oda@example.com"`) || !strings.Contains(page.body, "Not you?") {
		t.Fatal("login form not pre-filled")
	}
	for _, c := range b.cookies {
		if strings.Contains(c.Value, testPassword) {
			t.Errorf("%s holds the password", c.Name)
		}
	}
	b.post("/login/forget-email", nil)
	if page := b.get("/login"); strings.Contains(page.body, "oda@example.com") {
		t.Error("Not you? did not forget the email")
	}
}
