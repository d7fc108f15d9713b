package admin_test

import (
	"context"
	"encoding/json"
	"image/color"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/database"
	"crumb/internal/apptest"
	"crumb/models"
)

// disableOnly disables the account as a racing request would leave it: the
// flag set, and nothing it holds ended yet. Whatever still holds a way in
// must be refused by the sign-in itself.
func disableOnly(t *testing.T, ta *apptest.App, email string) models.User {
	t.Helper()
	var u models.User
	if err := ta.DB.Where("email = ?", email).Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	now := ta.Clock.Now()
	if changed, err := ta.Users.SetDisabled(context.Background(), u.ID, &now); err != nil || !changed {
		t.Fatalf("disable %s: %v, %v", email, changed, err)
	}
	return u
}

// TestDisabledAccountsStayOut: a disabled account gets no reset link (the
// page answers as for any address), and no way in signs it in: the back
// office's disable ends what it holds, and a reset link, a remembered
// device or an app sign-in that outlived it is refused at the sign-in.
func TestDisabledAccountsStayOut(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		shopper := ta.Browser()
		shopper.SignUp("Dee", "dee@example.com", apptest.Password, nil)
		shopper.Post("/logout", nil)
		id := customerID(t, b, "dee@example.com")

		// A link asked for before the owner disables the account dies with it.
		ta.Browser().Post("/password/forgot", url.Values{"email": {"dee@example.com"}})
		early := apptest.ResetPath(ta.ResetLink("dee@example.com"))
		if res := b.Post("/admin/customers/"+id+"/disable", nil); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("disable = %d", res.StatusCode)
		}
		if res := shopper.Get(early); res.StatusCode != fiber.StatusGone {
			t.Errorf("a reset link from before the disable = %d, want 410", res.StatusCode)
		}

		// Asking again: the same page as for an address nobody has, no mail.
		mails := len(ta.MailTo("dee@example.com", models.MailPasswordReset))
		disabled := ta.Browser().Post("/password/forgot", url.Values{"email": {"dee@example.com"}})
		unknown := ta.Browser().Post("/password/forgot", url.Values{"email": {"nobody@example.com"}})
		page := func(res apptest.Response, email string) string { // each browser has its own form token
			return apptest.CSRFField.ReplaceAllString(strings.ReplaceAll(res.Text, email, ""), "")
		}
		if disabled.StatusCode != unknown.StatusCode || page(disabled, "dee@example.com") != page(unknown, "nobody@example.com") {
			t.Errorf("the forgot page tells a disabled account (%d) from an unknown address (%d)", disabled.StatusCode, unknown.StatusCode)
		}
		ta.IssueResetLinks()
		if got := len(ta.MailTo("dee@example.com", models.MailPasswordReset)); got != mails {
			t.Errorf("%d reset mails after asking for a disabled account, want %d", got, mails)
		}
	})
}

// TestWaysInThatOutliveADisableAreRefused: a reset link, a remembered
// device and an app refresh token that exist when the account is disabled
// (as when the disable races them) never sign it in.
func TestWaysInThatOutliveADisableAreRefused(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		laptop := ta.Browser()
		laptop.SignUp("Eve", "eve@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
		res := ta.Browser().PostJSON("/api/v1/auth/token", map[string]string{"email": "eve@example.com", "password": apptest.Password})
		var pair struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal([]byte(res.Text), &pair); err != nil || pair.RefreshToken == "" {
			t.Fatalf("app sign-in = %d %s", res.StatusCode, res.Text)
		}
		ta.Browser().Post("/password/forgot", url.Values{"email": {"eve@example.com"}})
		link := apptest.ResetPath(ta.ResetLink("eve@example.com"))
		u := disableOnly(t, ta, "eve@example.com")

		// The remembered device: the browser restarts as a guest, and the
		// device is forgotten.
		laptop.Cookies = map[string]*http.Cookie{"crumb_remember": laptop.CopyCookie("crumb_remember")}
		if laptop.SignedIn() {
			t.Error("a remembered device signed a disabled account in")
		}
		if devices, err := ta.Sessions.Devices(context.Background(), u.ID); err != nil || len(devices) != 0 {
			t.Errorf("remembered devices left: %d, %v", len(devices), err)
		}

		// The app's refresh token: refused, and its sign-in ended.
		app := ta.Browser()
		res = app.PostJSON("/api/v1/auth/refresh", map[string]string{"refresh_token": pair.RefreshToken})
		if res.StatusCode != fiber.StatusForbidden || strings.Contains(res.Text, "access_token") {
			t.Errorf("refresh for a disabled account = %d %s", res.StatusCode, res.Text)
		}
		if fams, err := ta.Refresh.Families(context.Background(), u.ID); err != nil || len(fams) != 0 {
			t.Errorf("app sign-ins left: %d, %v", len(fams), err)
		}

		// The reset link: the password may be set, but nobody is signed in.
		reset := ta.Browser()
		form := reset.Get(link)
		if form.StatusCode != fiber.StatusOK {
			t.Fatalf("reset form = %d", form.StatusCode)
		}
		token, _ := url.ParseQuery(strings.SplitN(link, "?", 2)[1])
		res = reset.Post("/password/reset", url.Values{"token": {token.Get("token")}, "password": {"a-new-loaf-every-day"}})
		if res.StatusCode != fiber.StatusForbidden || !strings.Contains(res.Text, "This account is disabled") {
			t.Errorf("reset of a disabled account = %d, want the 403 page", res.StatusCode)
		}
		if reset.SignedIn() {
			t.Error("a reset signed a disabled account in")
		}
		if res := reset.Get("/checkout"); res.StatusCode != fiber.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("checkout after the reset = %d %s, want the sign-in page", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

// longEmail is a valid address of 231 characters.
func longEmail() string {
	return strings.Repeat("a", 64) + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 40) + ".com"
}

// TestActionsOnALongEmailAreAudited: signing a customer with the longest
// emails out everywhere, disabling and enabling it each work and are each
// recorded, on both databases.
func TestActionsOnALongEmailAreAudited(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		email := longEmail()
		if len(email) != 231 {
			t.Fatalf("the address has %d characters", len(email))
		}
		ta.Browser().SignUp("Long", email, apptest.Password, nil)
		b := owner(t, ta)
		id := customerID(t, b, email)
		for _, action := range []string{"revoke-all", "disable", "enable"} {
			if res := b.Post("/admin/customers/"+id+"/"+action, nil); res.StatusCode != fiber.StatusSeeOther {
				t.Errorf("%s = %d, want 303", action, res.StatusCode)
			}
		}
		log, err := ta.Audit.List(context.Background(), "customer", id, 1)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log.Items {
			if e.SubjectName != email {
				t.Errorf("%s recorded for %q", e.Action, e.SubjectName)
			}
			got = append(got, e.Action)
		}
		if strings.Join(got, " ") != "customer.enable customer.disable customer.revoke_all" {
			t.Errorf("audit log = %q", got)
		}
	})
}

// TestNoActionWithoutItsEntry: when the audit entry cannot be written, the
// action it records is not done either: the account stays enabled and
// signed in.
func TestNoActionWithoutItsEntry(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		shopper := ta.Browser()
		shopper.SignUp("Gus", "gus@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
		id := customerID(t, b, "gus@example.com")
		if err := ta.DB.Exec("DROP TABLE audit_entries").Error; err != nil {
			t.Fatal(err)
		}
		for _, action := range []string{"disable", "revoke-all"} {
			if res := b.Post("/admin/customers/"+id+"/"+action, nil); res.StatusCode != fiber.StatusInternalServerError {
				t.Errorf("%s without an audit log = %d, want 500", action, res.StatusCode)
			}
		}
		var u models.User
		if err := ta.DB.Where("email = ?", "gus@example.com").Take(&u).Error; err != nil || u.Disabled() {
			t.Errorf("the account was disabled without an entry (%v)", err)
		}
		if !shopper.SignedIn() {
			t.Error("the customer was signed out without an entry")
		}
		shopper.CloseBrowser()
		if !shopper.SignedIn() {
			t.Error("the customer's remembered device was ended without an entry")
		}
	})
}

// TestProductEditsRecordWhatChanged: the audit entry of an edit names each
// field that changed, as it was and as it is: category, description and
// picture as well as name, price, stock and visibility.
func TestProductEditsRecordWhatChanged(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		id := ta.ProductID("carrot-cake")
		fields := url.Values{"name": {"Carrot Cake"}, "slug": {"carrot-cake"}, "category": {"tarts"}, "price": {"32.00"},
			"stock": {"10"}, "stock_was": {"10"}, "description": {"Now with walnuts."}}
		before, err := ta.Catalog.Product(context.Background(), uint(mustAtoi(t, id)))
		if err != nil {
			t.Fatal(err)
		}
		fields.Set("price", models.FormatPrice(before.PriceAmount, before.Currency))
		fields.Set("stock", strconv.Itoa(before.Stock))
		fields.Set("stock_was", strconv.Itoa(before.Stock))
		if before.Published {
			fields.Set("published", "1")
		}
		if res := postMultipart(t, b, "/admin/products/"+id, fields, "walnut.png", pngImage(t, color.RGBA{R: 150, G: 90, B: 40, A: 255})); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("edit = %d", res.StatusCode)
		}
		log, err := ta.Audit.List(context.Background(), "product", id, 1)
		if err != nil || len(log.Items) != 1 {
			t.Fatalf("%d entries, %v", len(log.Items), err)
		}
		e := log.Items[0]
		for _, want := range []string{"category Cakes", "description " + `"` + before.Description + `"`, "picture " + before.Image} {
			if !strings.Contains(e.Before, want) {
				t.Errorf("before = %q, lacks %q", e.Before, want)
			}
		}
		for _, want := range []string{"category Tarts", `description "Now with walnuts."`, "picture uploads/"} {
			if !strings.Contains(e.After, want) {
				t.Errorf("after = %q, lacks %q", e.After, want)
			}
		}
		for _, unchanged := range []string{"price", "stock", "name", "slug"} {
			if strings.Contains(e.Before, unchanged+" ") || strings.Contains(e.After, unchanged+" ") {
				t.Errorf("the entry lists %s, which did not change: %q -> %q", unchanged, e.Before, e.After)
			}
		}
	})
}

// TestProvingThePasswordRotatesTheSession: a copy of a remembered
// session's cookie taken before the owner proves the password for the
// back office is worthless after it.
func TestProvingThePasswordRotatesTheSession(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.LogIn(database.OwnerEmail, database.OwnerPassword, url.Values{"remember_me": {"1"}})
	b.CloseBrowser() // back with "keep me signed in": the password must be given again
	if res := b.Get("/admin"); res.StatusCode != fiber.StatusUnauthorized {
		t.Fatalf("a remembered session's /admin = %d, want the password form", res.StatusCode)
	}
	stolen := ta.Browser()
	stolen.Cookies["crumb_session"] = b.CopyCookie("crumb_session")
	if res := b.Post("/admin/unlock", url.Values{"password": {database.OwnerPassword}, "next": {"/admin/audit"}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("unlock = %d", res.StatusCode)
	}
	if res := b.Get("/admin/audit"); res.StatusCode != fiber.StatusOK {
		t.Errorf("the owner's /admin/audit after the proof = %d", res.StatusCode)
	}
	if res := stolen.Get("/admin/audit"); res.StatusCode != fiber.StatusNotFound {
		t.Errorf("the copied cookie's /admin/audit = %d, want 404", res.StatusCode)
	}
	if stolen.SignedIn() {
		t.Error("the copied cookie is still signed in")
	}
}

// TestBackOfficeBodiesFromOthersAreRefusedUnread: a picture-sized body to
// the back office is read only from an admin's session; anyone else's is
// answered 413 from its Content-Length, like any page's.
func TestBackOfficeBodiesFromOthersAreRefusedUnread(t *testing.T) {
	ta := apptest.New(t)
	base := ta.Listen()
	big := func(b *apptest.Browser) int {
		body := "_csrf=x&filler=" + strings.Repeat("a", 2<<20)
		req, _ := http.NewRequest(fiber.MethodPost, base+"/admin/products/new", strings.NewReader(body))
		req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
		start := time.Now()
		res := b.Do(req)
		if time.Since(start) > 5*time.Second {
			t.Errorf("the answer took %v", time.Since(start))
		}
		return res.StatusCode
	}
	guest := ta.BrowserAt(base, "127.0.0.1")
	if got := big(guest); got != fiber.StatusRequestEntityTooLarge {
		t.Errorf("a guest's 2 MB to the back office = %d, want 413", got)
	}
	shopper := ta.BrowserAt(base, "127.0.0.1")
	shopper.SignUp("Hal", "hal@example.com", apptest.Password, nil)
	if got := big(shopper); got != fiber.StatusRequestEntityTooLarge {
		t.Errorf("a shopper's 2 MB to the back office = %d, want 413", got)
	}
	admin := ta.BrowserAt(base, "127.0.0.1")
	admin.LogIn(database.OwnerEmail, database.OwnerPassword, nil)
	if got := big(admin); got == fiber.StatusRequestEntityTooLarge || got == fiber.StatusNotFound {
		t.Errorf("the owner's 2 MB form = %d: it was not read", got)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
