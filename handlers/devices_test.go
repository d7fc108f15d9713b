package handlers

import (
	"context"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/database"
	"crumb/models"
	"crumb/sessions"
)

func TestGuestCartMergedAtSignIn(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.browser()
	owner.signUp("Pia", "pia@example.com", testPassword, nil)
	owner.post("/cart/items", url.Values{"product_id": {ta.productID("baguette")}, "quantity": {"1"}})
	owner.post("/cart/items", url.Values{"product_id": {ta.productID("cheesecake")}, "quantity": {"5"}})
	owner.post("/logout", nil)
	ta.db.Model(&models.Product{}).Where("slug = ?", "cheesecake").Update("stock", 6)

	b := ta.browser()
	b.post("/cart/items", url.Values{"product_id": {ta.productID("baguette")}, "quantity": {"2"}})
	b.post("/cart/items", url.Values{"product_id": {ta.productID("cheesecake")}, "quantity": {"3"}})
	b.post("/cart/items", url.Values{"product_id": {ta.productID("pretzel")}, "quantity": {"1"}})
	res := b.logIn("pia@example.com", testPassword, url.Values{"next": {"/cart"}})
	if res.Header.Get("Location") != "/cart" {
		t.Fatalf("sign-in went to %q", res.Header.Get("Location"))
	}
	if _, ok := b.cookies["crumb_cart"]; ok {
		t.Error("the guest cart cookie was not cleared")
	}
	page := b.get("/cart")
	// baguette 1+2, cheesecake 5+3 capped at the stock of 6 (+1), pretzel 1: 4 added.
	for _, want := range []string{"4 items from your earlier visit were added to your cart.", "Subtotal (10 items)", `id="cart-count" class="badge">10<`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("cart after sign-in lacks %q", want)
		}
	}
	if again := b.get("/cart"); strings.Contains(again.body, "earlier visit") {
		t.Error("the merge notice shows twice")
	}

	// The signed-in cart is the account's: another browser signed in sees it.
	other := ta.browser()
	other.logIn("pia@example.com", testPassword, nil)
	if page := other.get("/cart"); !strings.Contains(page.body, "Subtotal (10 items)") {
		t.Error("the account's cart is not shared across browsers")
	}

	// Sign-out leaves no cart on the device; the account keeps its own.
	b.post("/logout", nil)
	if page := b.get("/cart"); !strings.Contains(page.body, "Your cart is empty") {
		t.Error("the device kept a cart after sign-out")
	}
	var lines int64
	ta.db.Model(&models.CartItem{}).Count(&lines)
	if lines != 3 {
		t.Errorf("the account's cart has %d lines, want 3", lines)
	}
}

func TestMergeCapsAt99(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.browser()
	owner.signUp("Quin", "quin@example.com", testPassword, nil)
	owner.post("/cart/items", url.Values{"product_id": {ta.productID("chocolate-chip-cookie")}, "quantity": {"60"}})
	owner.post("/logout", nil)
	b := ta.browser()
	b.post("/cart/items", url.Values{"product_id": {ta.productID("chocolate-chip-cookie")}, "quantity": {"60"}})
	b.logIn("quin@example.com", testPassword, nil)
	if page := b.get("/cart"); !strings.Contains(page.body, "Subtotal (99 items)") || !strings.Contains(page.body, "39 items from your earlier visit") {
		t.Error("merge not capped at 99 per line")
	}
}

var revokeSession = regexp.MustCompile(`name="kind" value="session">\s*<input type="hidden" name="id" value="([0-9a-f]{64})">`)

func TestDevicesPage(t *testing.T) {
	ta := newTestApp(t)
	a := ta.browser()
	a.header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/133.0")
	a.signUp("Rae", "rae@example.com", testPassword, url.Values{"remember_me": {"1"}})
	b := ta.browser()
	b.header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1")
	b.logIn("rae@example.com", testPassword, url.Values{"remember_me": {"1"}})

	page := a.get("/account/security")
	for _, want := range []string{"Firefox on Windows", "Safari on iPhone", "This browser", "This device", "Sign out everywhere else"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("devices page lacks %q", want)
		}
	}
	ids := revokeSession.FindAllStringSubmatch(page.body, -1)
	if len(ids) != 1 {
		t.Fatalf("want one revocable (other) session, found %d", len(ids))
	}
	// Another account cannot revoke it.
	stranger := ta.browser()
	stranger.signUp("Sol", "sol@example.com", testPassword, nil)
	if res := stranger.post("/account/security/revoke", url.Values{"kind": {"session"}, "id": {ids[0][1]}}); res.StatusCode != fiber.StatusUnprocessableEntity {
		t.Errorf("another account's revoke = %d", res.StatusCode)
	}
	if !b.signedIn() {
		t.Fatal("a stranger signed B out")
	}

	if res := a.post("/account/security/revoke", url.Values{"kind": {"session"}, "id": {ids[0][1]}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("revoke = %d", res.StatusCode)
	}
	// B's session stops on its next request, but B's device token still signs it back in...
	b.closeBrowser()
	// ...until the device is forgotten too.
	var tok models.RememberToken
	ta.db.Where("device_label = ?", "Safari on iPhone").Take(&tok)
	if res := a.post("/account/security/revoke", url.Values{"kind": {"device"}, "id": {itoa(tok.ID)}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("forget device = %d", res.StatusCode)
	}
	if b.signedIn() {
		t.Error("a forgotten device still signs in")
	}
	if !a.signedIn() {
		t.Error("A was signed out by its own revoke")
	}
	if res := a.post("/account/security/revoke", url.Values{"kind": {"nonsense"}, "id": {"1"}}); res.StatusCode != fiber.StatusUnprocessableEntity {
		t.Errorf("unknown kind = %d", res.StatusCode)
	}
}

func TestRevokedSessionStopsAtOnce(t *testing.T) {
	ta := newTestApp(t)
	a, b := ta.browser(), ta.browser()
	a.signUp("Tia", "tia@example.com", testPassword, nil)
	b.logIn("tia@example.com", testPassword, nil)
	id := revokeSession.FindStringSubmatch(a.get("/account/security").body)[1]
	a.post("/account/security/revoke", url.Values{"kind": {"session"}, "id": {id}})
	if b.signedIn() {
		t.Error("a revoked session still works")
	}
}

func TestSignOutEverywhereElse(t *testing.T) {
	ta := newTestApp(t)
	a, b, c := ta.browser(), ta.browser(), ta.browser()
	a.signUp("Uma", "uma@example.com", testPassword, url.Values{"remember_me": {"1"}})
	b.logIn("uma@example.com", testPassword, url.Values{"remember_me": {"1"}})
	c.logIn("uma@example.com", testPassword, nil)
	res := a.post("/account/security/revoke-all", nil) // a fresh session needs no password
	if res.StatusCode != 200 || !strings.Contains(res.body, "Every other session, device and app is signed out") {
		t.Fatalf("revoke-all = %d", res.StatusCode)
	}
	b.closeBrowser()
	if b.signedIn() || c.signedIn() {
		t.Error("other sessions or devices survived")
	}
	a.closeBrowser() // this device's own token was kept
	if !a.signedIn() {
		t.Error("revoke-all signed out this device")
	}
}

func TestPasswordChangeSignsOutOtherDevices(t *testing.T) {
	ta := newTestApp(t)
	a, b := ta.browser(), ta.browser()
	a.signUp("Val", "val@example.com", testPassword, nil)
	b.logIn("val@example.com", testPassword, url.Values{"remember_me": {"1"}})
	if res := a.post("/account/password", url.Values{"password": {"wrong-one-123"}, "new_password": {"new-bread-2027"}}); res.StatusCode != 422 {
		t.Errorf("wrong current password = %d", res.StatusCode)
	}
	if res := a.post("/account/password", url.Values{"password": {testPassword}, "new_password": {"password1"}}); res.StatusCode != 422 {
		t.Errorf("common new password = %d", res.StatusCode)
	}
	if res := a.post("/account/password", url.Values{"password": {testPassword}, "new_password": {"new-bread-2027"}}); res.StatusCode != 200 {
		t.Fatalf("change password = %d", res.StatusCode)
	}
	b.closeBrowser()
	if b.signedIn() {
		t.Error("another device survived the password change")
	}
	if !a.signedIn() {
		t.Error("the device that changed the password was signed out")
	}
	if res := ta.browser().logIn("val@example.com", "new-bread-2027", nil); res.StatusCode != fiber.StatusSeeOther {
		t.Errorf("sign-in with the new password = %d", res.StatusCode)
	}
}

func TestDemoAccount(t *testing.T) {
	ta := newTestApp(t)
	if err := database.SeedDemoAccount(context.Background(), ta.db, testPasswords); err != nil {
		t.Fatal(err)
	}
	if err := database.SeedDemoAccount(context.Background(), ta.db, testPasswords); err != nil {
		t.Fatal(err)
	}
	if res := ta.browser().logIn(database.DemoEmail, database.DemoPassword, nil); res.StatusCode != fiber.StatusSeeOther {
		t.Errorf("demo sign-in = %d", res.StatusCode)
	}
}

// TestSessionsInRedis runs a sign-in, a revoke and a sign-out with the
// sessions and rate-limit counters in a real Redis.
func TestSessionsInRedis(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("TEST_REDIS_URL not set: skipping the Redis session store test")
	}
	store, err := database.OpenRedis(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	ta := newTestApp(t, testOption{deps: func(d *Deps) {
		d.Sessions = sessions.New(sessions.Config{
			Storage: store, DB: d.DB, Jar: d.Jar, Apps: d.Refresh, Now: d.Now,
			Idle: d.Config.SessionIdle, Absolute: d.Config.SessionAbsolute, Log: d.Log,
		})
		d.Limits = sessions.NewLimits(store, d.Config.AuthAttemptsPerMinute, d.Now)
	}})
	a, b := ta.browser(), ta.browser()
	email := "redis-" + strings.ToLower(randomSuffix()) + "@example.com"
	a.signUp("Wes", email, testPassword, nil)
	b.logIn(email, testPassword, nil)
	if !a.signedIn() || !b.signedIn() {
		t.Fatal("not signed in with sessions in Redis")
	}
	id := revokeSession.FindStringSubmatch(a.get("/account/security").body)[1]
	a.post("/account/security/revoke", url.Values{"kind": {"session"}, "id": {id}})
	if b.signedIn() {
		t.Error("a revoked Redis session still works")
	}
	stolen := a.copyCookie("crumb_session")
	a.post("/logout", nil)
	a.cookies["crumb_session"] = stolen
	if a.signedIn() {
		t.Error("a Redis session survived sign-out")
	}
}
