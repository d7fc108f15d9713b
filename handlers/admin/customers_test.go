package admin_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/database"
	"crumb/internal/apptest"
	"crumb/models"
	"crumb/secret"
)

// customerID finds an account's id through the back office's search.
func customerID(t *testing.T, b *apptest.Browser, email string) string {
	t.Helper()
	m := regexp.MustCompile(`href="/admin/customers/(\d+)">[^<]*</a></th>\s*<td>` + regexp.QuoteMeta(email) + `</td>`).
		FindStringSubmatch(b.Get("/admin/customers?q=" + url.QueryEscape(email)).Text)
	if m == nil {
		t.Fatalf("no customer %s", email)
	}
	return m[1]
}

// TestEndingACustomersSignIns: the back office lists a customer's
// sessions, remembered devices and app sign-ins, and ends one or all.
func TestEndingACustomersSignIns(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		laptop := ta.Browser()
		laptop.SignUp("Uma", "uma@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
		phone := ta.Browser()
		phone.LogIn("uma@example.com", apptest.Password, nil)
		access := signInAppOf(t, ta, "uma@example.com")
		id := customerID(t, b, "uma@example.com")
		page := b.Get("/admin/customers/" + id).Text
		if strings.Count(page, `name="kind" value="session"`) != 2 || strings.Count(page, `name="kind" value="device"`) != 1 || strings.Count(page, `name="kind" value="app"`) != 1 {
			t.Fatal("the customer's page does not list 2 sessions, 1 device and 1 app sign-in")
		}
		// End the phone's session only: its id on the page is the SHA-256 of
		// the session id its cookie holds.
		sessionID, _, _ := ta.Jar.Open(cookies.Session, phone.Cookies["crumb_session"].Value)
		phoneKey := secret.Hash(string(sessionID))
		if !strings.Contains(page, phoneKey) {
			t.Fatal("the phone's session is not listed")
		}
		if res := b.Post("/admin/customers/"+id+"/revoke", url.Values{"kind": {"session"}, "id": {phoneKey}}); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("end one session = %d", res.StatusCode)
		}
		if phone.SignedIn() || !laptop.SignedIn() {
			t.Errorf("after ending the phone's session: phone %v, laptop %v", phone.SignedIn(), laptop.SignedIn())
		}
		if res := b.Post("/admin/customers/"+id+"/revoke", url.Values{"kind": {"session"}, "id": {phoneKey}}); res.StatusCode != fiber.StatusUnprocessableEntity {
			t.Errorf("ending it twice = %d", res.StatusCode)
		}
		// End everything.
		if res := b.Post("/admin/customers/"+id+"/revoke-all", nil); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("revoke-all = %d", res.StatusCode)
		}
		laptop.CloseBrowser() // even the remembered device is forgotten
		if laptop.SignedIn() {
			t.Error("the remembered laptop is still signed in")
		}
		app := ta.Browser()
		app.Headers.Set("Authorization", "Bearer "+access)
		if res := app.Get("/api/v1/me"); res.StatusCode != fiber.StatusUnauthorized {
			t.Errorf("the app's access token after revoke-all = %d, want 401 at once", res.StatusCode)
		}
		if audit := html.UnescapeString(b.Get("/admin/audit").Text); !strings.Contains(audit, "customer.revoke_all") || !strings.Contains(audit, "customer.revoke<") {
			t.Error("the audit log lacks the revocations")
		}
	})
}

// TestBackOfficeSearchesAndIdsThatCannotBeValid: searches and filters
// with a NUL or bytes that are not UTF-8 (once a 500 on Postgres) find
// what their readable part finds; ids and order numbers that cannot be
// one are a 404, and a sign-in id that cannot be one is refused like one
// already ended, all without a query.
func TestBackOfficeSearchesAndIdsThatCannotBeValid(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		ta.Browser().SignUp("Abe", "abe@example.com", apptest.Password, nil)
		for path, want := range map[string]string{
			"/admin/customers?q=abe%00":           "abe@example.com",
			"/admin/customers?q=%ffabe%1b":        "abe@example.com",
			"/admin/customers?q=a%00&page=%ff":    "abe@example.com",
			"/admin/products?q=bague%00tte":       `value="baguette"`,
			"/admin/products?q=baguette%ff":       "Baguette",
			"/admin/products?category=%00&q=%07":  "Baguette",
			"/admin/products?category=breads%ff":  "Baguette",
			"/admin/products?sold_out=%00&page=a": "",
			"/admin/orders?status=%00":            "Orders",
			"/admin/orders?status=placed%ff":      "Orders",
			"/admin/audit?page=%00":               "Audit log",
		} {
			res := b.Get(path)
			if res.StatusCode != fiber.StatusOK || !strings.Contains(res.Text, want) {
				t.Errorf("%s = %d, without %q", path, res.StatusCode, want)
			}
		}
		for _, path := range []string{"/admin/customers/%00", "/admin/customers/1%00", "/admin/customers/%ff", "/admin/products/%00",
			"/admin/orders/CR-%00", "/admin/orders/%ff", "/admin/orders/CR-" + strings.Repeat("A", 200)} {
			if res := b.Get(path); res.StatusCode != fiber.StatusNotFound {
				t.Errorf("%s = %d, want 404", path, res.StatusCode)
			}
		}
		if res := b.Post("/admin/orders/CR-%00/status", url.Values{"status": {"paid"}}); res.StatusCode != fiber.StatusNotFound {
			t.Errorf("moving order CR-%%00 = %d, want 404", res.StatusCode)
		}
		id := customerID(t, b, "abe@example.com")
		for _, kind := range []string{"session", "device", "app"} {
			for _, bad := range []string{"a\x00", "\xff", "%ff"} {
				if res := b.Post("/admin/customers/"+id+"/revoke", url.Values{"kind": {kind}, "id": {bad}}); res.StatusCode != fiber.StatusUnprocessableEntity {
					t.Errorf("ending %s %q = %d, want 422", kind, bad, res.StatusCode)
				}
			}
		}
	})
}

// TestDisablingAnAccount: a disabled account is signed out everywhere at
// once and cannot sign in on the web or in the app until enabled again.
func TestDisablingAnAccount(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		web := ta.Browser()
		web.SignUp("Vic", "vic@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
		access := signInAppOf(t, ta, "vic@example.com")
		id := customerID(t, b, "vic@example.com")
		res := b.Post("/admin/customers/"+id+"/disable", nil)
		if res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("disable = %d", res.StatusCode)
		}
		if page := b.Get(res.Header.Get("Location")).Text; !strings.Contains(page, "The account is disabled and signed out everywhere") {
			t.Error("no notice")
		}
		if web.SignedIn() {
			t.Error("the disabled account's browser is still signed in")
		}
		web.CloseBrowser()
		if web.SignedIn() {
			t.Error("its remembered device still signs in")
		}
		res = web.LogIn("vic@example.com", apptest.Password, nil)
		if res.StatusCode != fiber.StatusForbidden || !strings.Contains(res.Text, "This account is disabled") {
			t.Errorf("sign-in on the web = %d", res.StatusCode)
		}
		if res := web.LogIn("vic@example.com", "wrong-password-1", nil); strings.Contains(res.Text, "disabled") {
			t.Error("a wrong password learns the account is disabled")
		}
		app := ta.Browser()
		if res := app.PostJSON("/api/v1/auth/token", map[string]string{"email": "vic@example.com", "password": apptest.Password}); res.StatusCode != fiber.StatusForbidden {
			t.Errorf("sign-in in the app = %d", res.StatusCode)
		}
		app.Headers.Set("Authorization", "Bearer "+access)
		if res := app.Get("/api/v1/cart"); res.StatusCode != fiber.StatusUnauthorized {
			t.Errorf("the app's access token = %d, want 401 at once", res.StatusCode)
		}
		if res := b.Post("/admin/customers/"+id+"/enable", nil); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("enable = %d", res.StatusCode)
		}
		if res := web.LogIn("vic@example.com", apptest.Password, nil); res.StatusCode != fiber.StatusSeeOther {
			t.Errorf("sign-in after enabling = %d", res.StatusCode)
		}
		// An admin cannot lock themselves out.
		ownerID := customerID(t, b, database.OwnerEmail)
		if res := b.Post("/admin/customers/"+ownerID+"/disable", nil); res.StatusCode != fiber.StatusUnprocessableEntity {
			t.Errorf("disabling oneself = %d", res.StatusCode)
		}
		audit := html.UnescapeString(b.Get("/admin/audit").Text)
		if !regexp.MustCompile(`customer\.disable</td>\s*<td><a href="/admin/customers/` + id + `">vic@example.com</a></td>\s*<td>enabled</td>\s*<td>disabled</td>`).MatchString(audit) {
			t.Error("the audit log lacks the disabling with before and after")
		}
	})
}

// TestCustomerSearch finds accounts by email or name, any case, and shows
// nothing for a search that matches nobody.
func TestCustomerSearch(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		ta.Browser().SignUp("Wanda Baker", "wanda@example.com", apptest.Password, nil)
		ta.Browser().SignUp("Xavier", "x_100%@example.com", apptest.Password, nil)
		// % and _ match themselves, not any text.
		for q, want := range map[string]string{"WANDA": "wanda@example.com", "da bak": "wanda@example.com", "_100%": "x_100%@example.com", "%": "x_100%@example.com"} {
			page := b.Get("/admin/customers?q=" + url.QueryEscape(q)).Text
			if !strings.Contains(page, want) || !strings.Contains(page, ">1 account<") {
				t.Errorf("search %q does not find just %s:\n%s", q, want, regexp.MustCompile(`(?s)<main.*</main>`).FindString(page))
			}
		}
		if page := b.Get("/admin/customers?q=nobody-at-all").Text; !strings.Contains(page, "No account matches") {
			t.Error("a search that matches nobody does not say so")
		}
		var n int64
		ta.DB.Model(&models.User{}).Count(&n)
		if page := b.Get("/admin/customers").Text; !strings.Contains(page, ">"+apptest.Itoa(uint(n))+" accounts<") {
			t.Error("the list without a search does not count every account")
		}
	})
}
