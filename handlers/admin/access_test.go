package admin_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/config"
	"crumb/database"
	"crumb/handlers/admin"
	"crumb/internal/apptest"
	"crumb/sessions"
)

var adminPages = []string{"/admin", "/admin/products", "/admin/products/new", "/admin/products/1", "/admin/orders",
	"/admin/customers", "/admin/customers/1", "/admin/audit", "/admin/no-such-page"}

// TestBackOfficeIsHiddenFromEveryoneElse: a guest and a customer get the
// storefront's ordinary 404 everywhere under /admin, forms included.
func TestBackOfficeIsHiddenFromEveryoneElse(t *testing.T) {
	ta := apptest.New(t)
	notFound := ta.Get("/no-such-page").Text
	customer := ta.Browser()
	customer.SignUp("Cleo", "cleo@example.com", apptest.Password, nil)
	for _, who := range []struct {
		name string
		b    *apptest.Browser
	}{{"guest", ta.Browser()}, {"customer", customer}} {
		for _, path := range adminPages {
			res := who.b.Get(path)
			if res.StatusCode != fiber.StatusNotFound || !strings.Contains(res.Text, "Page not found") || strings.Contains(res.Text, "Back office") {
				t.Errorf("%s GET %s = %d", who.name, path, res.StatusCode)
			}
		}
		for _, path := range []string{"/admin/products/new", "/admin/orders/CR-2222222222/status", "/admin/customers/1/disable", "/admin/unlock"} {
			if res := who.b.Post(path, url.Values{"status": {"paid"}, "password": {"x"}}); res.StatusCode != fiber.StatusNotFound {
				t.Errorf("%s POST %s = %d, want 404", who.name, path, res.StatusCode)
			}
		}
	}
	if len(notFound) == 0 {
		t.Fatal("no 404 page")
	}
}

// TestAdminPagesAreNotKept: every back-office answer is private, no-store.
func TestAdminPagesAreNotKept(t *testing.T) {
	ta := apptest.New(t)
	b := owner(t, ta)
	for _, path := range adminPages[:len(adminPages)-1] {
		res := b.Get(path)
		if res.StatusCode != fiber.StatusOK && !(path == "/admin/products/1" || path == "/admin/customers/1") {
			t.Errorf("GET %s = %d", path, res.StatusCode)
		}
		if cc := res.Header.Get(fiber.HeaderCacheControl); cc != "private, no-store" {
			t.Errorf("GET %s: Cache-Control %q", path, cc)
		}
	}
	// Every form of the back office carries the form token.
	for _, path := range []string{"/admin/products/new", "/admin/products/1"} {
		page := b.Get(path).Text
		if strings.Count(page, "<form method=\"post\"") != strings.Count(page, `name="_csrf"`) {
			t.Errorf("%s has a form without _csrf", path)
		}
	}
	res := b.Post("/admin/products/1/stock", url.Values{"adjust": {"+1"}, "_csrf": {"forged"}})
	if res.StatusCode != fiber.StatusForbidden {
		t.Errorf("a back-office form with a wrong token = %d", res.StatusCode)
	}
}

// TestBackOfficeAsksForThePassword: a remembered session, or a sign-in
// older than 15 minutes, must give the password again; the back office
// stays open while it is used and asks again after 10 minutes unused.
func TestBackOfficeAsksForThePassword(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.LogIn(database.OwnerEmail, database.OwnerPassword, url.Values{"remember_me": {"1"}})
	if res := b.Get("/admin"); res.StatusCode != fiber.StatusOK {
		t.Fatalf("a fresh sign-in opens the back office: %d", res.StatusCode)
	}

	// A session resumed from "keep me signed in" has given no password.
	b.CloseBrowser()
	ta.Clock.Advance(time.Hour)
	res := b.Get("/admin/orders?status=paid")
	if res.StatusCode != fiber.StatusUnauthorized || !strings.Contains(res.Text, "Confirm it") || !strings.Contains(res.Text, `name="password"`) {
		t.Fatalf("a remembered session = %d", res.StatusCode)
	}
	if !strings.Contains(res.Text, `value="/admin/orders?status=paid"`) {
		t.Error("the password form does not lead back to the page asked for")
	}
	if res := b.Post("/admin/products/1/stock", url.Values{"adjust": {"+5"}}); res.StatusCode != fiber.StatusUnauthorized {
		t.Errorf("a form from a remembered session = %d, want the password form", res.StatusCode)
	}
	if ta.Stock("sourdough-loaf") != 40 {
		t.Error("a form sent without the password changed the stock")
	}
	if res := b.Post("/admin/unlock", url.Values{"password": {"not-it"}, "next": {"/admin/orders?status=paid"}}); res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "wrong") {
		t.Errorf("a wrong password = %d", res.StatusCode)
	}
	res = b.Post("/admin/unlock", url.Values{"password": {database.OwnerPassword}, "next": {"/admin/orders?status=paid"}})
	if res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Location") != "/admin/orders?status=paid" {
		t.Fatalf("the right password = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := b.Get("/admin"); res.StatusCode != fiber.StatusOK {
		t.Errorf("after the password: %d", res.StatusCode)
	}
	// "next" never leaves the back office.
	for _, next := range []string{"https://evil.example/admin", "//evil.example/admin", "/account", "/admin\\@evil"} {
		res := b.Post("/admin/unlock", url.Values{"password": {database.OwnerPassword}, "next": {next}})
		if loc := res.Header.Get("Location"); loc != "/admin" {
			t.Errorf("next %q led to %q", next, loc)
		}
	}

	// While it is used, the back office stays open past 15 minutes...
	for range 4 {
		ta.Clock.Advance(admin.IdleFor - time.Minute)
		if res := b.Get("/admin"); res.StatusCode != fiber.StatusOK {
			t.Fatalf("in use, %v after the password: %d", ta.Clock.Now(), res.StatusCode)
		}
	}
	// ...and asks again after 10 minutes unused.
	ta.Clock.Advance(admin.IdleFor + time.Minute)
	if res := b.Get("/admin"); res.StatusCode != fiber.StatusUnauthorized {
		t.Errorf("after %v unused: %d, want the password form", admin.IdleFor+time.Minute, res.StatusCode)
	}

	// A fresh sign-in that waited more than 15 minutes must give it too.
	late := ta.Browser()
	late.LogIn(database.OwnerEmail, database.OwnerPassword, nil)
	ta.Clock.Advance(sessions.StepUpFor + time.Minute)
	if res := late.Get("/admin/products"); res.StatusCode != fiber.StatusUnauthorized {
		t.Errorf("%v after signing in: %d, want the password form", sessions.StepUpFor+time.Minute, res.StatusCode)
	}
}

// TestNoOwnerAccountInProduction: the demo owner account exists only in
// development, even when production seeds the demo catalog.
func TestNoOwnerAccountInProduction(t *testing.T) {
	ta := apptest.New(t, apptest.WithConfig(func(cfg *config.Config) { cfg.Env = config.Production }))
	if res := ta.Browser().LogIn(database.OwnerEmail, database.OwnerPassword, nil); res.StatusCode == fiber.StatusSeeOther {
		t.Error("the owner account signs in in production")
	}
	if strings.Contains(ta.Logs.String(), database.OwnerPassword) {
		t.Error("production printed the owner's password")
	}
}
