package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/config"
	"crumb/internal/apptest"
	"crumb/models"
	"crumb/storage"
)

const newPassword = "walnut-loaf-at-dawn-7"

// forgot asks for a reset link for email from b.
func forgot(b *apptest.Browser, email string) apptest.Response {
	b.App.T.Helper()
	return b.Post("/password/forgot", url.Values{"email": {email}})
}

// reset chooses password with the reset link's path.
func reset(b *apptest.Browser, path, password string) apptest.Response {
	b.App.T.Helper()
	u, err := url.Parse(path)
	if err != nil {
		b.App.T.Fatal(err)
	}
	return b.Post("/password/reset", url.Values{"token": {u.Query().Get("token")}, "password": {password}})
}

// linkIsDead checks that a reset link gets the page offering a new one.
func linkIsDead(t *testing.T, b *apptest.Browser, path string) {
	t.Helper()
	res := b.Get(path)
	if res.StatusCode != fiber.StatusGone || !strings.Contains(res.Text, "This link no longer works") ||
		!strings.Contains(res.Text, `action="/password/forgot"`) {
		t.Errorf("GET %s = %d, want 410 with a form for a new link", path, res.StatusCode)
	}
}

var csrfValue = regexp.MustCompile(`name="_csrf" value="[^"]*"`)

func TestSignInPageLinksToForgotPassword(t *testing.T) {
	ta := apptest.New(t)
	if page := ta.Browser().Get("/login"); !strings.Contains(page.Text, `href="/password/forgot"`) {
		t.Error("the sign-in page has no link to /password/forgot")
	}
	page := ta.Browser().Get("/password/forgot")
	if page.StatusCode != fiber.StatusOK || !strings.Contains(page.Text, `name="email"`) {
		t.Errorf("GET /password/forgot = %d without an email field", page.StatusCode)
	}
}

func TestForgotAnswersTheSameWhetherOrNotTheAccountExists(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("Ada", "ada@example.com", apptest.Password, nil)
	queued := len(ta.Outbox()) // the sign-up's verification link
	b := ta.Browser()
	known := forgot(b, "ADA@example.com ")
	unknown := forgot(b, "nobody@example.com")
	for _, res := range []apptest.Response{known, unknown} {
		if res.StatusCode != fiber.StatusOK || !strings.Contains(res.Text, "Check your email") {
			t.Fatalf("forgot = %d: %s", res.StatusCode, res.Text)
		}
		if cc := res.Header.Get(fiber.HeaderCacheControl); cc != "private, no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}
	}
	same := func(r apptest.Response, email string) string {
		return strings.ReplaceAll(csrfValue.ReplaceAllString(r.Text, ""), email, "EMAIL")
	}
	if same(known, "ada@example.com") != same(unknown, "nobody@example.com") {
		t.Error("the page for an account differs from the page for an unknown email")
	}
	if len(ta.Outbox()) != queued {
		t.Error("mail was queued on the request's path")
	}

	ta.IssueResetLinks()
	if got := len(ta.MailTo("ada@example.com", models.MailPasswordReset)); got != 1 {
		t.Errorf("%d reset emails to the account, want 1", got)
	}
	if got := len(ta.MailTo("nobody@example.com", "")); got != 0 {
		t.Errorf("%d emails to an address without an account", got)
	}
	var left int64
	ta.DB.Model(&storage.PasswordReset{}).Where("email = ?", "nobody@example.com").Count(&left)
	if left != 0 {
		t.Error("the request for an unknown email is kept")
	}
}

// TestForgotTakesTheSameTimeWhetherOrNotTheAccountExists times requests
// for accounts and for unknown emails in pairs, in alternating order, and
// compares the median of each pair's difference with the median request.
// Work on the request's path that depends on the account (a lookup, a
// token written, an email queued, a password hashed) shows: issuing the
// link on the request's path makes account requests about a fifth slower.
func TestForgotTakesTheSameTimeWhetherOrNotTheAccountExists(t *testing.T) {
	ta := apptest.New(t, apptest.WithConfig(func(cfg *config.Config) { cfg.AuthAttemptsPerMinute = 1000 }))
	const rounds = 100
	for i := range rounds {
		ta.Browser().SignUp("Shopper", fmt.Sprintf("known-%d@example.com", i), apptest.Password, nil)
	}
	b := ta.Browser()
	b.CSRF()
	timed := func(email string) time.Duration {
		start := time.Now()
		if res := forgot(b, email); res.StatusCode != fiber.StatusOK {
			t.Fatalf("forgot %s = %d", email, res.StatusCode)
		}
		return time.Since(start)
	}
	var diffs, all []time.Duration
	for i := range rounds {
		var known, unknown time.Duration
		if i%2 == 0 {
			known = timed(fmt.Sprintf("known-%d@example.com", i))
			unknown = timed(fmt.Sprintf("unknown-%d@example.com", i))
		} else {
			unknown = timed(fmt.Sprintf("unknown-%d@example.com", i))
			known = timed(fmt.Sprintf("known-%d@example.com", i))
		}
		diffs, all = append(diffs, known-unknown), append(all, known, unknown)
	}
	median := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)/2]
	}
	diff, typical := median(diffs), median(all)
	t.Logf("median request %v; median difference (account - unknown) %v", typical, diff)
	if diff.Abs() > typical/10 {
		t.Errorf("requests for an account take %v longer than for an unknown email (a request takes %v): the timing tells who has an account", diff, typical)
	}
}

func TestForgotRefusesAMalformedEmailAndKeepsIt(t *testing.T) {
	ta := apptest.New(t)
	res := forgot(ta.Browser(), "ada-at-example")
	if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "Enter an email address") ||
		!strings.Contains(res.Text, `value="ada-at-example"`) {
		t.Errorf("malformed email = %d, want 422 naming the problem and keeping what was typed", res.StatusCode)
	}
}

func TestForgotIsLimitedPerAddressAndPerEmail(t *testing.T) {
	ta := apptest.New(t)
	base := ta.Listen()
	one := ta.BrowserAt(base, "127.0.0.2")
	for i := range 10 {
		if res := forgot(one, fmt.Sprintf("someone-%d@example.com", i)); res.StatusCode != fiber.StatusOK {
			t.Fatalf("request %d from one address = %d", i+1, res.StatusCode)
		}
	}
	if res := forgot(one, "someone-else@example.com"); res.StatusCode != fiber.StatusTooManyRequests || res.Header.Get(fiber.HeaderRetryAfter) == "" {
		t.Errorf("11th request from one address = %d, want 429 with Retry-After", res.StatusCode)
	}

	// One email from many addresses.
	for i := range 11 {
		b := ta.BrowserAt(base, fmt.Sprintf("127.0.1.%d", i+1))
		res := forgot(b, "target@example.com")
		if i < 10 && res.StatusCode != fiber.StatusOK {
			t.Fatalf("request %d for one email = %d", i+1, res.StatusCode)
		}
		if i == 10 && res.StatusCode != fiber.StatusTooManyRequests {
			t.Errorf("11th request for one email = %d, want 429", res.StatusCode)
		}
	}
	ta.Clock.Advance(time.Minute)
	if res := forgot(one, "target@example.com"); res.StatusCode != fiber.StatusOK {
		t.Errorf("a minute later = %d, want 200", res.StatusCode)
	}
}

func TestResetSignsOutEverywhereAndSignsThisBrowserIn(t *testing.T) {
	ta := apptest.New(t)
	email := "ada@example.com"
	// Signed in on a remembered device, in a second browser, and in the app.
	remembered := ta.Browser()
	remembered.SignUp("Ada", email, apptest.Password, url.Values{"remember_me": {"1"}})
	other := ta.Browser()
	other.LogIn(email, apptest.Password, nil)
	app := ta.Browser().PostJSON("/api/v1/auth/token", map[string]string{"email": email, "password": apptest.Password})
	refresh := regexp.MustCompile(`"refresh_token":"([^"]+)"`).FindStringSubmatch(app.Text)
	if refresh == nil {
		t.Fatalf("app sign-in: %s", app.Text)
	}

	b := ta.Browser()
	forgot(b, email)
	link := ta.ResetLink(email)
	if !strings.HasPrefix(link, ta.Config.BaseURL.String()+"/password/reset?token=") {
		t.Fatalf("link %q is not BASE_URL/password/reset?token=...", link)
	}
	path := apptest.ResetPath(link)
	token, _ := url.QueryUnescape(path[strings.Index(path, "=")+1:])
	if len(token) < 43 {
		t.Errorf("token %q is shorter than 256 bits", token)
	}
	var stored storage.PasswordReset
	ta.DB.Where("user_id IS NOT NULL").Take(&stored)
	if stored.TokenHash == nil || *stored.TokenHash == token || strings.Contains(*stored.TokenHash, token) {
		t.Errorf("the token is stored as %v, want only its hash", stored.TokenHash)
	}

	form := b.Get(path)
	if form.StatusCode != fiber.StatusOK || !strings.Contains(form.Text, "Choose a new password") || !strings.Contains(form.Text, email) {
		t.Fatalf("GET reset link = %d: %s", form.StatusCode, form.Text)
	}
	for _, h := range []struct{ name, want string }{{fiber.HeaderReferrerPolicy, "no-referrer"}, {fiber.HeaderCacheControl, "private, no-store"}} {
		if got := form.Header.Get(h.name); got != h.want {
			t.Errorf("reset page %s = %q, want %q", h.name, got, h.want)
		}
	}
	done := reset(b, path, newPassword)
	if done.StatusCode != fiber.StatusSeeOther || done.Header.Get("Location") != "/account" {
		t.Fatalf("reset = %d to %q: %s", done.StatusCode, done.Header.Get("Location"), done.Text)
	}
	if got := done.Header.Get(fiber.HeaderReferrerPolicy); got != "no-referrer" {
		t.Errorf("reset answer Referrer-Policy = %q", got)
	}
	account := b.Get("/account")
	if !strings.Contains(account.Text, "Hello, Ada") || !strings.Contains(account.Text, "Your password is changed") {
		t.Error("the browser that reset the password is not signed in, or not told")
	}
	// Fresh: a change of email needs no password.
	if res := b.Post("/account/email", url.Values{"email": {"ada.new@example.com"}}); res.StatusCode != fiber.StatusOK {
		t.Errorf("change email after the reset = %d, want 200 (a fresh sign-in)", res.StatusCode)
	}
	email = "ada.new@example.com"

	if other.SignedIn() {
		t.Error("another browser is still signed in")
	}
	remembered.CloseBrowser()
	if remembered.SignedIn() {
		t.Error("the remembered device signed back in")
	}
	if res := ta.Browser().PostJSON("/api/v1/auth/refresh", map[string]string{"refresh_token": refresh[1]}); res.StatusCode != fiber.StatusUnauthorized {
		t.Errorf("app refresh after the reset = %d, want 401", res.StatusCode)
	}
	if res := ta.Browser().LogIn(email, apptest.Password, nil); res.StatusCode != fiber.StatusUnprocessableEntity {
		t.Errorf("the old password = %d, want 422", res.StatusCode)
	}
	if res := ta.Browser().LogIn(email, newPassword, nil); res.StatusCode != fiber.StatusSeeOther {
		t.Errorf("the new password = %d, want 303", res.StatusCode)
	}

	changed := ta.MailTo("ada@example.com", models.MailPasswordChanged)
	if len(changed) != 1 || !strings.Contains(changed[0], "was changed") || !strings.Contains(changed[0], "/password/forgot") {
		t.Errorf("password changed emails: %q", changed)
	}
	if logs := ta.Logs.String(); strings.Contains(logs, token) || strings.Contains(logs, url.QueryEscape(token)) {
		t.Error("the reset token is in the logs")
	}
}

func TestResetLinkWorksOnce(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("Ada", "ada@example.com", apptest.Password, nil)
	b := ta.Browser()
	forgot(b, "ada@example.com")
	path := apptest.ResetPath(ta.ResetLink("ada@example.com"))
	if res := reset(b, path, newPassword); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("first use = %d", res.StatusCode)
	}
	again := ta.Browser()
	linkIsDead(t, again, path)
	if res := reset(again, path, "another-loaf-of-rye"); res.StatusCode != fiber.StatusGone {
		t.Errorf("second use = %d, want 410", res.StatusCode)
	}
	if res := ta.Browser().LogIn("ada@example.com", "another-loaf-of-rye", nil); res.StatusCode == fiber.StatusSeeOther {
		t.Error("the second use changed the password")
	}
}

func TestResetLinkExpiresAfterHalfAnHour(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("Ada", "ada@example.com", apptest.Password, nil)
	b := ta.Browser()
	forgot(b, "ada@example.com")
	path := apptest.ResetPath(ta.ResetLink("ada@example.com"))
	ta.Clock.Advance(storage.ResetLinkLifetime - time.Second)
	if res := b.Get(path); res.StatusCode != fiber.StatusOK {
		t.Fatalf("a second before expiry = %d, want 200", res.StatusCode)
	}
	ta.Clock.Advance(time.Second)
	linkIsDead(t, b, path)
	if res := reset(b, path, newPassword); res.StatusCode != fiber.StatusGone {
		t.Errorf("reset with an expired link = %d, want 410", res.StatusCode)
	}
}

func TestANewerLinkEndsTheOlder(t *testing.T) {
	ta := apptest.New(t)
	// An account made without its sign-up email: this test sends the
	// address all the links it may have in an hour.
	if _, err := ta.Users.Create(context.Background(), "Ada", "ada@example.com", apptest.Password); err != nil {
		t.Fatal(err)
	}
	b := ta.Browser()
	forgot(b, "ada@example.com")
	older := apptest.ResetPath(ta.ResetLink("ada@example.com"))
	ta.Clock.Advance(time.Minute)
	forgot(b, "ada@example.com")
	newer := apptest.ResetPath(ta.ResetLink("ada@example.com"))
	if newer == older {
		t.Fatal("the second request sent the same link")
	}
	linkIsDead(t, b, older)
	if res := b.Get(newer); res.StatusCode != fiber.StatusOK {
		t.Errorf("the newer link = %d, want 200", res.StatusCode)
	}

	// Two requests issued together: only the newer one is sent and works.
	forgot(b, "ada@example.com")
	forgot(b, "ada@example.com")
	ta.IssueResetLinks()
	if got := len(ta.MailTo("ada@example.com", models.MailPasswordReset)); got != 3 {
		t.Errorf("%d reset emails, want 3 (two requests at once send one)", got)
	}
	linkIsDead(t, b, newer)
}

func TestSignInEndsPendingResetLinks(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("Ada", "ada@example.com", apptest.Password, nil)
	b := ta.Browser()

	forgot(b, "ada@example.com")
	web := apptest.ResetPath(ta.ResetLink("ada@example.com"))
	ta.Browser().LogIn("ada@example.com", apptest.Password, nil)
	linkIsDead(t, b, web)

	forgot(b, "ada@example.com")
	app := apptest.ResetPath(ta.ResetLink("ada@example.com"))
	if res := ta.Browser().PostJSON("/api/v1/auth/token", map[string]string{"email": "ada@example.com", "password": apptest.Password}); res.StatusCode != fiber.StatusOK {
		t.Fatalf("app sign-in = %d", res.StatusCode)
	}
	linkIsDead(t, b, app)

	// A request still waiting to be issued is ended too.
	forgot(b, "ada@example.com")
	ta.Browser().LogIn("ada@example.com", apptest.Password, nil)
	ta.IssueResetLinks()
	if got := len(ta.MailTo("ada@example.com", models.MailPasswordReset)); got != 2 {
		t.Errorf("%d reset emails, want 2: a sign-in ends a request not yet sent", got)
	}
}

func TestResetKeepsTheLinkWhenThePasswordIsRefused(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("Ada", "ada@example.com", apptest.Password, nil)
	b := ta.Browser()
	forgot(b, "ada@example.com")
	path := apptest.ResetPath(ta.ResetLink("ada@example.com"))
	token, _ := url.QueryUnescape(path[strings.Index(path, "=")+1:])
	for _, tt := range []struct{ password, message string }{
		{"short", "at least 8"},
		{"password123", "too common"},
		{strings.Repeat("x", 129), "at most 128"},
	} {
		res := reset(b, path, tt.password)
		if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, tt.message) {
			t.Errorf("password %q = %d, want 422 saying %q", tt.password, res.StatusCode, tt.message)
		}
		if !strings.Contains(res.Text, `name="token" value="`+token+`"`) {
			t.Error("the refused form lost the link's token")
		}
	}
	if res := reset(b, path, newPassword); res.StatusCode != fiber.StatusSeeOther {
		t.Errorf("a good password after refusals = %d, want 303", res.StatusCode)
	}
}

func TestBadResetLinksNeverFail(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	for _, path := range []string{"/password/reset", "/password/reset?token=", "/password/reset?token=not-a-token",
		"/password/reset?token=%00%ff", "/password/reset?token=" + strings.Repeat("A", 4000)} {
		linkIsDead(t, b, path)
	}
	for _, token := range []string{"", "not-a-token", strings.Repeat("A", 4000)} {
		if res := b.Post("/password/reset", url.Values{"token": {token}, "password": {newPassword}}); res.StatusCode != fiber.StatusGone {
			t.Errorf("POST with token %.10q = %d, want 410", token, res.StatusCode)
		}
	}
	if res := b.Post("/password/reset", url.Values{"password": {"short"}}); res.StatusCode != fiber.StatusGone {
		t.Errorf("POST without a token and a bad password = %d, want 410", res.StatusCode)
	}
}

func TestDevMailShowsTheOutboxOnlyInDevelopment(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("Ada", "ada@example.com", apptest.Password, nil)
	forgot(ta.Browser(), "ada@example.com")
	link := ta.ResetLink("ada@example.com")
	page := ta.Browser().Get("/dev/mail")
	if page.StatusCode != fiber.StatusOK || !strings.Contains(page.Text, "Reset your Crumb password") ||
		!strings.Contains(page.Text, `<a href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
		t.Errorf("GET /dev/mail = %d without the reset email and its link", page.StatusCode)
	}
	id := regexp.MustCompile(`/dev/mail/(\d+)/html`).FindStringSubmatch(page.Text)
	if id == nil {
		t.Fatal("no link to the HTML part")
	}
	html := ta.Browser().Get("/dev/mail/" + id[1] + "/html")
	if html.StatusCode != fiber.StatusOK || !strings.Contains(html.Text, "Choose a new password") ||
		!strings.Contains(html.Header.Get(fiber.HeaderContentSecurityPolicy), "default-src 'none'") {
		t.Errorf("the HTML part = %d, CSP %q", html.StatusCode, html.Header.Get(fiber.HeaderContentSecurityPolicy))
	}

	prod := apptest.New(t, apptest.WithConfig(func(cfg *config.Config) {
		cfg.Env, cfg.SMTPURL, cfg.MailFrom = config.Production, "smtp://127.0.0.1:1", "Crumb <orders@crumb.example>"
	}))
	for _, path := range []string{"/dev/mail", "/dev/mail/1/html"} {
		if res := prod.Browser().Get(path); res.StatusCode != fiber.StatusNotFound {
			t.Errorf("production GET %s = %d, want 404", path, res.StatusCode)
		}
	}
}
