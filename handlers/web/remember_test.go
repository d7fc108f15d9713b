package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"crumb/internal/apptest"
	"crumb/models"
)

func TestRememberMe(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUp("Kim", "kim@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	first := b.Cookies["crumb_remember"]
	if first == nil {
		t.Fatal("no remember-me cookie")
	}
	if first.MaxAge != 30*24*3600 || !first.HttpOnly {
		t.Errorf("remember cookie: max-age %d httponly %v", first.MaxAge, first.HttpOnly)
	}
	var tok models.RememberToken
	ta.DB.Take(&tok)
	if strings.Contains(first.Value, tok.Selector) || len(tok.ValidatorHash) != 64 {
		t.Errorf("cookie or row exposes the token: selector in cookie %v, hash %q", strings.Contains(first.Value, tok.Selector), tok.ValidatorHash)
	}

	b.CloseBrowser()
	ta.Clock.Advance(3 * 24 * time.Hour)
	if !b.SignedIn() {
		t.Fatal("not signed back in from the remember-me cookie")
	}
	second := b.Cookies["crumb_remember"]
	if second.Value == first.Value {
		t.Error("the remember-me cookie was not rotated")
	}
	var rotated models.RememberToken
	ta.DB.Take(&rotated, tok.ID)
	if rotated.ValidatorHash == tok.ValidatorHash || rotated.PreviousHash != tok.ValidatorHash {
		t.Error("the stored validator was not rotated")
	}

	// A remembered session is not fresh: sensitive changes ask for the password.
	res := b.Post("/account/email", url.Values{"email": {"kim2@example.com"}})
	if res.StatusCode != 422 || !strings.Contains(res.Text, "Enter your password") {
		t.Errorf("email change without password from a remembered session = %d", res.StatusCode)
	}
	res = b.Post("/account/security/revoke-all", nil)
	if res.StatusCode != 422 || !strings.Contains(res.Text, "Enter your password") {
		t.Errorf("revoke-all without password from a remembered session = %d", res.StatusCode)
	}
	if res := b.Post("/account/email", url.Values{"email": {"kim2@example.com"}, "password": {apptest.Password}}); res.StatusCode != 200 || !strings.Contains(res.Text, "kim2@example.com") {
		t.Errorf("email change with password = %d", res.StatusCode)
	}

	// A fresh sign-in does not ask.
	fresh := ta.Browser()
	fresh.LogIn("kim2@example.com", apptest.Password, nil)
	if res := fresh.Post("/account/email", url.Values{"email": {"kim3@example.com"}}); res.StatusCode != 200 {
		t.Errorf("email change from a fresh session = %d", res.StatusCode)
	}

	// Logout forgets this device's token.
	b.Post("/logout", nil)
	if _, ok := b.Cookies["crumb_remember"]; ok {
		t.Error("remember cookie kept after sign-out")
	}
	var n int64
	ta.DB.Model(&models.RememberToken{}).Where("id = ?", tok.ID).Count(&n)
	if n != 0 {
		t.Error("remember token kept after sign-out")
	}
	b.Cookies["crumb_remember"] = second
	if b.SignedIn() {
		t.Error("a signed-out device's cookie still works")
	}
}

func TestRememberMeExpires(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUp("Lou", "lou@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	kept := b.CopyCookie("crumb_remember")
	b.CloseBrowser()
	ta.Clock.Advance(31 * 24 * time.Hour)
	b.Cookies["crumb_remember"] = kept // a browser that kept it too long
	if b.SignedIn() {
		t.Error("a 31-day-old remember-me token signed in")
	}
}

func TestStolenRememberCookie(t *testing.T) {
	ta := apptest.New(t)
	owner := ta.Browser()
	owner.SignUp("Max", "max@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	stolen := owner.CopyCookie("crumb_remember")

	// The owner comes back the next day: the token rotates.
	owner.CloseBrowser()
	ta.Clock.Advance(24 * time.Hour)
	if !owner.SignedIn() {
		t.Fatal("owner not signed back in")
	}
	// The thief replays the old value outside the grace window.
	ta.Clock.Advance(time.Minute)
	thief := ta.Browser()
	thief.Cookies["crumb_remember"] = stolen
	if thief.SignedIn() {
		t.Fatal("the thief signed in with a spent validator")
	}
	if !strings.Contains(ta.Logs.String(), "stolen token presented again") {
		t.Error("theft not logged")
	}
	// Both are signed out: every session and device of the account is revoked.
	if owner.SignedIn() {
		t.Error("the owner's session survived the theft")
	}
	var liveSessions, liveTokens int64
	ta.DB.Model(&models.WebSession{}).Count(&liveSessions)
	ta.DB.Model(&models.RememberToken{}).Count(&liveTokens)
	if liveSessions != 0 || liveTokens != 0 {
		t.Errorf("after theft: %d sessions, %d tokens", liveSessions, liveTokens)
	}
	// The next sign-in warns, with a link to the devices page, once.
	owner.LogIn("max@example.com", apptest.Password, nil)
	page := owner.Get("/account")
	if !strings.Contains(page.Text, "copy of your") || !strings.Contains(page.Text, `href="/account/security"`) {
		t.Error("no theft warning after sign-in")
	}
	if again := owner.Get("/account"); strings.Contains(again.Text, "copy of your") {
		t.Error("the warning shows twice")
	}
}

func TestRememberGraceWindow(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUp("Ned", "ned@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	old := b.CopyCookie("crumb_remember")
	b.CloseBrowser()
	if !b.SignedIn() {
		t.Fatal("not signed back in")
	}
	// A parallel request (another tab) left with the old value moments ago.
	ta.Clock.Advance(10 * time.Second)
	tab := ta.Browser()
	tab.Cookies["crumb_remember"] = old
	if !tab.SignedIn() {
		t.Error("a parallel request inside the grace window was refused")
	}
	if !b.SignedIn() {
		t.Error("the grace window tripped theft detection")
	}
	var tokens int64
	ta.DB.Model(&models.RememberToken{}).Count(&tokens)
	if tokens != 1 {
		t.Errorf("%d tokens, want 1", tokens)
	}
}

func TestRememberedEmail(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("Oda", "oda@example.com", apptest.Password, nil)
	b := ta.Browser()
	b.LogIn("Oda@Example.com", apptest.Password, url.Values{"remember_email": {"1"}})
	ck := b.Cookies["crumb_email"]
	if ck == nil || ck.MaxAge != 365*24*3600 || strings.Contains(ck.Value, "oda") {
		t.Fatalf("email cookie: %+v", ck)
	}
	b.Post("/logout", nil)
	page := b.Get("/login")
	if !strings.Contains(page.Text, `value="oda@example.com"`) || !strings.Contains(page.Text, "Not you?") {
		t.Fatal("login form not pre-filled")
	}
	for _, c := range b.Cookies {
		if strings.Contains(c.Value, apptest.Password) {
			t.Errorf("%s holds the password", c.Name)
		}
	}
	b.Post("/login/forget-email", nil)
	if page := b.Get("/login"); strings.Contains(page.Text, "oda@example.com") {
		t.Error("Not you? did not forget the email")
	}
}
