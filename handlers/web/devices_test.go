package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/database"
	"crumb/internal/apptest"
	"crumb/models"
	"crumb/storage"
)

func TestGuestCartMergedAtSignIn(t *testing.T) {
	ta := apptest.New(t)
	owner := ta.Browser()
	owner.SignUp("Pia", "pia@example.com", apptest.Password, nil)
	owner.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
	owner.Post("/cart/items", url.Values{"product_id": {ta.ProductID("cheesecake")}, "quantity": {"5"}})
	owner.Post("/logout", nil)
	ta.SetProduct("cheesecake", "stock", 6)

	b := ta.Browser()
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"2"}})
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("cheesecake")}, "quantity": {"3"}})
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("pretzel")}, "quantity": {"1"}})
	res := b.LogIn("pia@example.com", apptest.Password, url.Values{"next": {"/cart"}})
	if res.Header.Get("Location") != "/cart" {
		t.Fatalf("sign-in went to %q", res.Header.Get("Location"))
	}
	if _, ok := b.Cookies["crumb_cart"]; ok {
		t.Error("the guest cart cookie was not cleared")
	}
	page := b.Get("/cart")
	// baguette 1+2, cheesecake 5+3 capped at the stock of 6 (+1), pretzel 1: 4 added.
	for _, want := range []string{"4 items from your earlier visit were added to your cart.", "Subtotal (10 items)", `id="cart-count" class="badge">10<`} {
		if !strings.Contains(page.Text, want) {
			t.Errorf("cart after sign-in lacks %q", want)
		}
	}
	if again := b.Get("/cart"); strings.Contains(again.Text, "earlier visit") {
		t.Error("the merge notice shows twice")
	}

	// The signed-in cart is the account's: another browser signed in sees it.
	other := ta.Browser()
	other.LogIn("pia@example.com", apptest.Password, nil)
	if page := other.Get("/cart"); !strings.Contains(page.Text, "Subtotal (10 items)") {
		t.Error("the account's cart is not shared across browsers")
	}

	// Sign-out leaves no cart on the device; the account keeps its own.
	b.Post("/logout", nil)
	if page := b.Get("/cart"); !strings.Contains(page.Text, "Your cart is empty") {
		t.Error("the device kept a cart after sign-out")
	}
	var lines int64
	ta.DB.Model(&storage.CartItem{}).Count(&lines)
	if lines != 3 {
		t.Errorf("the account's cart has %d lines, want 3", lines)
	}
}

func TestMergeCapsAt99(t *testing.T) {
	ta := apptest.New(t)
	owner := ta.Browser()
	owner.SignUp("Quin", "quin@example.com", apptest.Password, nil)
	owner.Post("/cart/items", url.Values{"product_id": {ta.ProductID("chocolate-chip-cookie")}, "quantity": {"60"}})
	owner.Post("/logout", nil)
	b := ta.Browser()
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("chocolate-chip-cookie")}, "quantity": {"60"}})
	b.LogIn("quin@example.com", apptest.Password, nil)
	if page := b.Get("/cart"); !strings.Contains(page.Text, "Subtotal (99 items)") || !strings.Contains(page.Text, "39 items from your earlier visit") {
		t.Error("merge not capped at 99 per line")
	}
}

var revokeSession = regexp.MustCompile(`name="kind" value="session">\s*<input type="hidden" name="id" value="([0-9a-f]{64})">`)

func TestDevicesPage(t *testing.T) {
	ta := apptest.New(t)
	a := ta.Browser()
	a.Headers.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/133.0")
	a.SignUp("Rae", "rae@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	b := ta.Browser()
	b.Headers.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1")
	b.LogIn("rae@example.com", apptest.Password, url.Values{"remember_me": {"1"}})

	page := a.Get("/account/security")
	for _, want := range []string{"Firefox on Windows", "Safari on iPhone", "This browser", "This device", "Sign out everywhere else"} {
		if !strings.Contains(page.Text, want) {
			t.Errorf("devices page lacks %q", want)
		}
	}
	ids := revokeSession.FindAllStringSubmatch(page.Text, -1)
	if len(ids) != 1 {
		t.Fatalf("want one revocable (other) session, found %d", len(ids))
	}
	// Another account cannot revoke it.
	stranger := ta.Browser()
	stranger.SignUp("Sol", "sol@example.com", apptest.Password, nil)
	if res := stranger.Post("/account/security/revoke", url.Values{"kind": {"session"}, "id": {ids[0][1]}}); res.StatusCode != fiber.StatusUnprocessableEntity {
		t.Errorf("another account's revoke = %d", res.StatusCode)
	}
	if !b.SignedIn() {
		t.Fatal("a stranger signed B out")
	}

	if res := a.Post("/account/security/revoke", url.Values{"kind": {"session"}, "id": {ids[0][1]}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("revoke = %d", res.StatusCode)
	}
	// B's session stops on its next request, but B's device token still signs it back in...
	b.CloseBrowser()
	// ...until the device is forgotten too.
	var tok models.RememberToken
	ta.DB.Where("device_label = ?", "Safari on iPhone").Take(&tok)
	if res := a.Post("/account/security/revoke", url.Values{"kind": {"device"}, "id": {apptest.Itoa(tok.ID)}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("forget device = %d", res.StatusCode)
	}
	if b.SignedIn() {
		t.Error("a forgotten device still signs in")
	}
	if !a.SignedIn() {
		t.Error("A was signed out by its own revoke")
	}
	if res := a.Post("/account/security/revoke", url.Values{"kind": {"nonsense"}, "id": {"1"}}); res.StatusCode != fiber.StatusUnprocessableEntity {
		t.Errorf("unknown kind = %d", res.StatusCode)
	}
}

// TestRevokeRefusesIdsThatCannotBeOnes: an id that cannot name a session,
// device or app sign-in (a NUL, a byte that is not UTF-8: once a 500 on
// Postgres) is answered like one already signed out, without a query.
func TestRevokeRefusesIdsThatCannotBeOnes(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := ta.Browser()
		b.SignUp("Ida", "ida@example.com", apptest.Password, nil)
		for _, kind := range []string{"session", "device", "app"} {
			for _, id := range []string{"a\x00", "\xff", "%ff", "", strings.Repeat("a", 65), strings.Repeat("A", 64), "-1", "99999999999999999999"} {
				res := b.Post("/account/security/revoke", url.Values{"kind": {kind}, "id": {id}})
				if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "already signed out") {
					t.Errorf("revoke %s %q = %d", kind, id, res.StatusCode)
				}
			}
		}
		if !b.SignedIn() {
			t.Error("a refused revoke signed the browser out")
		}
	})
}

func TestRevokedSessionStopsAtOnce(t *testing.T) {
	ta := apptest.New(t)
	a, b := ta.Browser(), ta.Browser()
	a.SignUp("Tia", "tia@example.com", apptest.Password, nil)
	b.LogIn("tia@example.com", apptest.Password, nil)
	id := revokeSession.FindStringSubmatch(a.Get("/account/security").Text)[1]
	a.Post("/account/security/revoke", url.Values{"kind": {"session"}, "id": {id}})
	if b.SignedIn() {
		t.Error("a revoked session still works")
	}
}

func TestSignOutEverywhereElse(t *testing.T) {
	ta := apptest.New(t)
	a, b, c := ta.Browser(), ta.Browser(), ta.Browser()
	a.SignUp("Uma", "uma@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	b.LogIn("uma@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	c.LogIn("uma@example.com", apptest.Password, nil)
	res := a.Post("/account/security/revoke-all", nil) // a fresh session needs no password
	if res.StatusCode != 200 || !strings.Contains(res.Text, "Every other session, device and app is signed out") {
		t.Fatalf("revoke-all = %d", res.StatusCode)
	}
	b.CloseBrowser()
	if b.SignedIn() || c.SignedIn() {
		t.Error("other sessions or devices survived")
	}
	a.CloseBrowser() // this device's own token was kept
	if !a.SignedIn() {
		t.Error("revoke-all signed out this device")
	}
}

func TestPasswordChangeSignsOutOtherDevices(t *testing.T) {
	ta := apptest.New(t)
	a, b := ta.Browser(), ta.Browser()
	a.SignUp("Val", "val@example.com", apptest.Password, nil)
	b.LogIn("val@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	if res := a.Post("/account/password", url.Values{"password": {"wrong-one-123"}, "new_password": {"new-bread-2027"}}); res.StatusCode != 422 {
		t.Errorf("wrong current password = %d", res.StatusCode)
	}
	if res := a.Post("/account/password", url.Values{"password": {apptest.Password}, "new_password": {"password1"}}); res.StatusCode != 422 {
		t.Errorf("common new password = %d", res.StatusCode)
	}
	if res := a.Post("/account/password", url.Values{"password": {apptest.Password}, "new_password": {"new-bread-2027"}}); res.StatusCode != 200 {
		t.Fatalf("change password = %d", res.StatusCode)
	}
	b.CloseBrowser()
	if b.SignedIn() {
		t.Error("another device survived the password change")
	}
	if !a.SignedIn() {
		t.Error("the device that changed the password was signed out")
	}
	if res := ta.Browser().LogIn("val@example.com", "new-bread-2027", nil); res.StatusCode != fiber.StatusSeeOther {
		t.Errorf("sign-in with the new password = %d", res.StatusCode)
	}
}

func TestDemoAccount(t *testing.T) {
	ta := apptest.New(t)
	// The app seeded it already; seeding again changes nothing.
	if err := database.SeedDemoAccount(context.Background(), ta.Users); err != nil {
		t.Fatal(err)
	}
	if res := ta.Browser().LogIn(database.DemoEmail, database.DemoPassword, nil); res.StatusCode != fiber.StatusSeeOther {
		t.Errorf("demo sign-in = %d", res.StatusCode)
	}
}

// TestSessionsInRedis runs a sign-in, a revoke and a sign-out with the
// sessions and rate-limit counters in a real Redis.
func TestSessionsInRedis(t *testing.T) {
	ta := apptest.New(t, apptest.WithRedis(t))
	a, b := ta.Browser(), ta.Browser()
	email := "redis-" + strings.ToLower(apptest.RandomSuffix()) + "@example.com"
	a.SignUp("Wes", email, apptest.Password, nil)
	b.LogIn(email, apptest.Password, nil)
	if !a.SignedIn() || !b.SignedIn() {
		t.Fatal("not signed in with sessions in Redis")
	}
	id := revokeSession.FindStringSubmatch(a.Get("/account/security").Text)[1]
	a.Post("/account/security/revoke", url.Values{"kind": {"session"}, "id": {id}})
	if b.SignedIn() {
		t.Error("a revoked Redis session still works")
	}
	stolen := a.CopyCookie("crumb_session")
	a.Post("/logout", nil)
	a.Cookies["crumb_session"] = stolen
	if a.SignedIn() {
		t.Error("a Redis session survived sign-out")
	}
}
