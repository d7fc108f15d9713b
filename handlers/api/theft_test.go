package api_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"crumb/internal/apptest"
	"crumb/models"

	"github.com/gofiber/fiber/v2"
)

// TestRefreshReuseSignsOutEverywhere: a spent refresh token presented
// again ends every sign-in of the account, web included; the next web
// sign-in warns and the devices page records the event.
func TestRefreshReuseSignsOutEverywhere(t *testing.T) {
	ta := apptest.New(t)
	web := ta.Browser()
	web.SignUp("Rae", "rae@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	pair := signInApp(t, ta, "rae@example.com", apptest.Password)
	fresh := refreshed(t, ta, pair.RefreshToken)
	ta.Clock.Advance(time.Minute) // past the grace window for a lost answer
	if res := call(ta, fiber.MethodPost, "/api/v1/auth/refresh", map[string]string{"refresh_token": pair.RefreshToken}, ""); res.StatusCode != fiber.StatusUnauthorized {
		t.Fatalf("reuse = %d", res.StatusCode)
	}
	if web.SignedIn() {
		t.Error("the web session survived a reused refresh token")
	}
	if res := call(ta, fiber.MethodPost, "/api/v1/auth/refresh", map[string]string{"refresh_token": fresh.RefreshToken}, ""); res.StatusCode != fiber.StatusUnauthorized {
		t.Errorf("the family's latest token still works: %d", res.StatusCode)
	}
	var devices int64
	ta.DB.Model(&models.RememberToken{}).Count(&devices)
	if devices != 0 {
		t.Errorf("%d remembered devices left", devices)
	}
	web.LogIn("rae@example.com", apptest.Password, nil)
	if page := web.Get("/account"); !strings.Contains(page.Text, "copy of your") {
		t.Error("no warning at the next web sign-in")
	}
	if page := web.Get("/account/security"); !strings.Contains(page.Text, "A copy of your app refresh token was used") {
		t.Error("the devices page does not record the event")
	}
}

// TestStolenRememberCookieEndsAppSignIns: the other side: a replayed
// remember-me cookie ends the app's sign-ins too, and is recorded.
func TestStolenRememberCookieEndsAppSignIns(t *testing.T) {
	ta := apptest.New(t)
	owner := ta.Browser()
	owner.SignUp("Sol", "sol@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	pair := signInApp(t, ta, "sol@example.com", apptest.Password)
	stolen := owner.CopyCookie("crumb_remember")
	owner.CloseBrowser()
	ta.Clock.Advance(time.Hour)
	owner.SignedIn() // rotates
	ta.Clock.Advance(time.Minute)
	thief := ta.Browser()
	thief.Cookies["crumb_remember"] = stolen
	if thief.SignedIn() {
		t.Fatal("the thief signed in")
	}
	if res := call(ta, fiber.MethodPost, "/api/v1/auth/refresh", map[string]string{"refresh_token": pair.RefreshToken}, ""); res.StatusCode != fiber.StatusUnauthorized {
		t.Errorf("the app's refresh token survived the theft: %d", res.StatusCode)
	}
	owner.LogIn("sol@example.com", apptest.Password, nil)
	page := owner.Get("/account/security")
	if !strings.Contains(page.Text, "A copy of your remember-me cookie was used") || !strings.Contains(page.Text, "from IP") {
		t.Error("the devices page does not record the theft with its address")
	}
}
