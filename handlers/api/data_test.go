package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"crumb/database"
	"crumb/internal/apptest"
	"crumb/models"
)

// placedOrder places an order from the app with one baguette in the cart
// and answers its number.
func placedOrder(t *testing.T, ta *apptest.App, access, key string) string {
	t.Helper()
	addToCartAPI(t, ta, access, "baguette", 2)
	res := placeOrderAPI(ta, access, key, orderRequest("bank_transfer"))
	if res.StatusCode != fiber.StatusCreated {
		t.Fatalf("order = %d: %s", res.StatusCode, res.Text)
	}
	var o apiOrder
	res.decode(t, &o)
	return o.ID
}

// exportSchema is AccountExport of openapi.json, the one shape of an
// account's export, compiled as the JSON Schema it is.
func exportSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	spec, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(spec))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("openapi.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("openapi.json#/components/schemas/AccountExport")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validExport(t *testing.T, schema *jsonschema.Schema, body string) models.AccountData {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("export does not match AccountExport: %v", err)
	}
	var data models.AccountData
	if err := json.Unmarshal([]byte(body), &data); err != nil {
		t.Fatal(err)
	}
	return data
}

// TestAccountExport: the website's download and the app's export are the
// same JSON, each matching the schema in openapi.json, holding the
// account, its order with lines and shipping, its sign-ins and the emails
// it was sent, and none of the cookies or tokens that sign it in. The
// download needs the password from the last 15 minutes.
func TestAccountExport(t *testing.T) {
	schema := exportSchema(t)
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		u := newAppUser(t, ta, "Esme")
		number := placedOrder(t, ta, u.pair.AccessToken, "export-1")
		sent, err := ta.App.Outbox.Claim(context.Background(), 100, time.Minute)
		if err != nil || len(sent) == 0 {
			t.Fatalf("claimed %d mails: %v", len(sent), err)
		}
		for _, m := range sent {
			if _, err := ta.App.Outbox.MarkSent(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}

		res := call(ta, fiber.MethodGet, "/api/v1/me/export", nil, u.pair.AccessToken)
		if res.StatusCode != fiber.StatusOK {
			t.Fatalf("app export = %d: %s", res.StatusCode, res.Text)
		}
		app := validExport(t, schema, res.Text)

		web := u.b.Get("/account/data/export")
		if web.StatusCode != fiber.StatusOK {
			t.Fatalf("download = %d: %s", web.StatusCode, clip(web.Text, 300))
		}
		if cd := web.Header.Get(fiber.HeaderContentDisposition); !regexp.MustCompile(`^attachment; filename="crumb-data-\d{4}-\d{2}-\d{2}\.json"$`).MatchString(cd) {
			t.Errorf("Content-Disposition %q", cd)
		}
		if cc := web.Header.Get(fiber.HeaderCacheControl); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
		data := validExport(t, schema, web.Text)
		if data.Account.Email != u.email || data.Account.Name != "Esme" || !data.Account.EmailVerified || len(app.Orders) != len(data.Orders) {
			t.Errorf("account %+v, %d orders (app %d)", data.Account, len(data.Orders), len(app.Orders))
		}
		if len(data.Orders) != 1 || data.Orders[0].Number != number || len(data.Orders[0].Lines) != 1 ||
			data.Orders[0].Lines[0].Quantity != 2 || data.Orders[0].Shipping.Name != "Ana Baker" {
			t.Errorf("orders %+v", data.Orders)
		}
		kinds := map[string]int{}
		for _, s := range data.Sessions {
			kinds[s.Kind]++
		}
		if kinds[models.SignInBrowser] < 1 || kinds[models.SignInApp] != 1 {
			t.Errorf("sign-ins %+v, want the browser and the app", data.Sessions)
		}
		if len(data.Mails) != len(sent) || data.Mails[0].Subject == "" {
			t.Errorf("mails %+v, want the %d sent", data.Mails, len(sent))
		}
		if data.Retention.OrdersAfterDeletionDays != 5*365 || data.Retention.MailsDays != 90 {
			t.Errorf("retention %+v", data.Retention)
		}
		for _, held := range []string{u.pair.AccessToken, u.pair.RefreshToken, u.b.CopyCookie("crumb_session").Value} {
			if strings.Contains(web.Text+res.Text, held) {
				t.Error("the export holds a token or cookie that signs the account in")
			}
		}

		// A quarter of an hour later the download asks for the password first.
		ta.Clock.Advance(16 * time.Minute)
		if asked := u.b.Get("/account/data/export"); asked.StatusCode != fiber.StatusUnauthorized || !strings.Contains(asked.Text, `id="export-proof"`) {
			t.Fatalf("stale download = %d, want the password form", asked.StatusCode)
		}
		if wrong := u.b.Post("/account/data/export", map[string][]string{"password": {"not it"}}); wrong.StatusCode != fiber.StatusUnprocessableEntity {
			t.Fatalf("wrong password = %d", wrong.StatusCode)
		}
		if proved := u.b.Post("/account/data/export", map[string][]string{"password": {apptest.Password}}); proved.StatusCode != fiber.StatusSeeOther ||
			proved.Header.Get("Location") != "/account/data/export" {
			t.Fatalf("password = %d to %q", proved.StatusCode, proved.Header.Get("Location"))
		}
		if again := u.b.Get("/account/data/export"); again.StatusCode != fiber.StatusOK {
			t.Fatalf("download after the password = %d", again.StatusCode)
		}
	})
}

// TestDeleteAccount: refused for a wrong password and while an order is
// under way; then every sign-in of the account is refused at its next
// request, the order stays in the back office under the tombstone without
// the email, the last email goes to the address and is the only one kept,
// the audit log says so without the email, and the address signs up again
// as a new account.
func TestDeleteAccount(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		ctx := context.Background()
		u := newAppUser(t, ta, "Farah")
		number := placedOrder(t, ta, u.pair.AccessToken, "delete-1")
		user, err := ta.Users.Authenticate(ctx, u.email, apptest.Password)
		if err != nil {
			t.Fatal(err)
		}
		if err := ta.Users.RecordTheft(ctx, user.ID, "remember", "203.0.113.9", ta.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if res := u.b.LogIn(u.email, apptest.Password, map[string][]string{"remember_me": {"1"}}); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("sign-in = %d", res.StatusCode)
		}
		if err := ta.Resets.Request(ctx, u.email); err != nil {
			t.Fatal(err)
		}
		ta.IssueResetLinks()
		reset := apptest.ResetPath(ta.ResetLink(u.email))

		wrong := call(ta, fiber.MethodDelete, "/api/v1/me", map[string]string{"password": "not it"}, u.pair.AccessToken).problem(t, fiber.StatusForbidden)
		if !hasField(wrong.fields(), "password") {
			t.Errorf("wrong password names %v", wrong.fields())
		}
		open := call(ta, fiber.MethodDelete, "/api/v1/me", map[string]string{"password": apptest.Password}, u.pair.AccessToken).problem(t, fiber.StatusConflict)
		if !strings.Contains(open.Detail, number) {
			t.Errorf("open order refusal %q does not name %s", open.Detail, number)
		}
		web := u.b.Post("/account/delete", map[string][]string{"password": {apptest.Password}})
		if web.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(web.Text, number) {
			t.Fatalf("web delete with an open order = %d", web.StatusCode)
		}
		if me(ta, u.pair.AccessToken) != fiber.StatusOK || !u.b.SignedIn() {
			t.Fatal("a refused deletion signed the account out")
		}
		if res := cancelOrderAPI(ta, u.pair.AccessToken, number); res.StatusCode != fiber.StatusOK {
			t.Fatalf("cancel = %d: %s", res.StatusCode, res.Text)
		}

		res := call(ta, fiber.MethodDelete, "/api/v1/me", map[string]string{"password": apptest.Password}, u.pair.AccessToken)
		if res.StatusCode != fiber.StatusNoContent {
			t.Fatalf("delete = %d: %s", res.StatusCode, res.Text)
		}
		if me(ta, u.pair.AccessToken) != fiber.StatusUnauthorized {
			t.Error("the app's access token still works")
		}
		if refreshApp(ta, u.pair.RefreshToken).StatusCode != fiber.StatusUnauthorized {
			t.Error("the app's refresh token still works")
		}
		if u.b.SignedIn() {
			t.Error("the browser's session still works")
		}
		u.b.CloseBrowser() // only "keep me signed in" is left
		if u.b.SignedIn() {
			t.Error("the remembered device still signs in")
		}
		if res := u.b.LogIn(u.email, apptest.Password, nil); res.StatusCode == fiber.StatusSeeOther {
			t.Error("the old password signs in")
		}
		if res := ta.Browser().Get(reset); res.StatusCode != fiber.StatusGone {
			t.Errorf("a reset link mailed before the deletion = %d, want 410", res.StatusCode)
		}

		order, err := ta.Orders.ByNumber(ctx, number)
		if err != nil {
			t.Fatalf("the order is gone: %v", err)
		}
		tomb, err := ta.Users.ByID(ctx, order.UserID)
		if err != nil || !tomb.Erased() || !strings.HasPrefix(tomb.Email, "deleted-") || tomb.Name != "" || tomb.PasswordHash != "" {
			t.Fatalf("the order's account: %+v, %v", tomb, err)
		}
		if events, _ := ta.Users.SecurityEvents(ctx, order.UserID, 0); len(events) != 0 {
			t.Errorf("%d security events kept", len(events))
		}
		office := ta.Browser()
		if res := office.LogIn(database.OwnerEmail, database.OwnerPassword, nil); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("owner sign-in = %d", res.StatusCode)
		}
		page := office.Get("/admin/orders/" + number)
		if page.StatusCode != fiber.StatusOK || !strings.Contains(page.Text, tomb.Email) || strings.Contains(page.Text, u.email) || !strings.Contains(page.Text, "Ana Baker") {
			t.Errorf("back office order = %d; tombstone %v, email %v", page.StatusCode, strings.Contains(page.Text, tomb.Email), strings.Contains(page.Text, u.email))
		}
		audit := office.Get("/admin/audit")
		if !strings.Contains(audit.Text, tomb.Email) || strings.Contains(audit.Text, u.email) {
			t.Errorf("audit log: tombstone %v, email %v", strings.Contains(audit.Text, tomb.Email), strings.Contains(audit.Text, u.email))
		}

		mails := ta.MailTo(u.email, "")
		if len(mails) != 1 || len(ta.MailTo(u.email, models.MailAccountDeleted)) != 1 || !strings.Contains(mails[0], "1 order of yours stays") {
			t.Errorf("mail to the address: %q", mails)
		}

		again := call(ta, fiber.MethodPost, "/api/v1/accounts", map[string]string{"name": "Farah", "email": u.email, "password": apptest.Password}, "")
		if again.StatusCode != fiber.StatusCreated {
			t.Errorf("signing up again = %d: %s", again.StatusCode, again.Text)
		}
		var fresh apiAccount
		again.decode(t, &fresh)
		if fresh.ID == tomb.ID {
			t.Error("the new account is the deleted one")
		}
	})
}

// TestDeletedAccountsAreKeptAsLongAsSaid: the retention job deletes a
// deleted account's orders, and its tombstone, once ORDER_RETENTION has
// passed, and any security event older than a year; nothing sooner.
func TestDeletedAccountsAreKeptAsLongAsSaid(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		ctx := context.Background()
		u := newAppUser(t, ta, "Gus")
		number := placedOrder(t, ta, u.pair.AccessToken, "kept-1")
		if res := cancelOrderAPI(ta, u.pair.AccessToken, number); res.StatusCode != fiber.StatusOK {
			t.Fatalf("cancel = %d", res.StatusCode)
		}
		stays := ta.VerifiedAccount("Hana", "hana-"+apptest.RandomSuffix()+"@example.com")
		if err := ta.Users.RecordTheft(ctx, stays.ID, "refresh", "203.0.113.7", ta.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if res := call(ta, fiber.MethodDelete, "/api/v1/me", map[string]string{"password": apptest.Password}, u.pair.AccessToken); res.StatusCode != fiber.StatusNoContent {
			t.Fatalf("delete = %d", res.StatusCode)
		}
		order, err := ta.Orders.ByNumber(ctx, number)
		if err != nil {
			t.Fatal(err)
		}

		ta.Clock.Advance(models.KeepSecurityEvents - time.Hour)
		if _, err := ta.Accounts.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if events, _ := ta.Users.SecurityEvents(ctx, stays.ID, 0); len(events) != 1 {
			t.Errorf("a security event went before its year: %d left", len(events))
		}
		ta.Clock.Advance(2 * time.Hour)
		if _, err := ta.Accounts.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if events, _ := ta.Users.SecurityEvents(ctx, stays.ID, 0); len(events) != 0 {
			t.Errorf("a security event outlived its year")
		}
		if _, err := ta.Orders.ByNumber(ctx, number); err != nil {
			t.Fatalf("the order went before ORDER_RETENTION: %v", err)
		}

		ta.Clock.Set(order.CreatedAt.Add(ta.Config.OrderRetention + time.Hour))
		if _, err := ta.Accounts.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.Orders.ByNumber(ctx, number); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the order outlived ORDER_RETENTION: %v", err)
		}
		if _, err := ta.Users.ByID(ctx, order.UserID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the tombstone outlived its last order: %v", err)
		}
		if _, err := ta.Users.ByID(ctx, stays.ID); err != nil {
			t.Errorf("an account that was not deleted went: %v", err)
		}
	})
}
