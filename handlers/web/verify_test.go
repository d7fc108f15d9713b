package web_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/database"
	"crumb/internal/apptest"
	"crumb/models"
	"crumb/secret"
	"crumb/storage"
)

// New accounts verify their email before their first order: these tests
// follow the mailed link as its owner would, on SQLite and Postgres.

var (
	verifyLink = regexp.MustCompile(`^http://127\.0\.0\.1:3000/account/verify\?token=([A-Za-z0-9_-]{43})$`)
	flashText  = regexp.MustCompile(`(?s)<div class="alert flash" role="status">(.*?)</div>`)
)

// flashAfter follows a redirect and returns the one-time message shown there.
func flashAfter(t *testing.T, b *apptest.Browser, res apptest.Response) string {
	t.Helper()
	if res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("status %d, want a redirect: %s", res.StatusCode, res.Text)
	}
	m := flashText.FindStringSubmatch(b.Get(res.Header.Get("Location")).Text)
	if m == nil {
		return ""
	}
	return html.UnescapeString(strings.TrimSpace(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " ")))
}

// user is the account with email, as stored now.
func user(t *testing.T, ta *apptest.App, email string) models.User {
	t.Helper()
	var u models.User
	if err := ta.DB.Where("email = ?", email).Take(&u).Error; err != nil {
		t.Fatalf("account %s: %v", email, err)
	}
	return u
}

// ordersOf counts the account's orders.
func ordersOf(t *testing.T, ta *apptest.App, email string) int64 {
	t.Helper()
	var n int64
	ta.DB.Model(&models.Order{}).Where("user_id = ?", user(t, ta, email).ID).Count(&n)
	return n
}

func TestSignUpMailsOneVerificationLink(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := ta.Browser()
		b.SignUp("Ana Baker", "Ana@Example.com", apptest.Password, nil)
		mail := ta.MailTo("ana@example.com", "")
		if len(mail) != 1 || len(ta.MailTo("ana@example.com", models.MailVerifyEmail)) != 1 {
			t.Fatalf("%d emails after sign-up, want one verification email:\n%q", len(mail), mail)
		}
		if !strings.Contains(mail[0], "Please confirm that this is your email address") || !strings.Contains(mail[0], "works once, until 8 Mar 2026") {
			t.Errorf("the email:\n%s", mail[0])
		}
		link := ta.VerifyLink("ana@example.com")
		m := verifyLink.FindStringSubmatch(link)
		if m == nil {
			t.Fatalf("link %q is not BASE_URL/account/verify?token= and 256 random bits", link)
		}
		// Only the token's SHA-256 is stored with the link.
		var rows []storage.EmailVerification
		ta.DB.Find(&rows)
		if len(rows) != 1 || rows[0].TokenHash != secret.Hash(m[1]) || strings.Contains(rows[0].TokenHash+rows[0].Email, m[1]) {
			t.Errorf("stored links %+v; want one, kept as the token's hash", rows)
		}
		if user(t, ta, "ana@example.com").EmailVerified() {
			t.Error("the email counts as verified before the link was followed")
		}

		// The account browses and signs in as ever; its page says what is missing.
		account := b.Get("/account")
		for _, want := range []string{"Hello, Ana Baker", "Your email address is not confirmed yet.", `action="/account/verify"`, "Send the link again"} {
			if !strings.Contains(account.Text, want) {
				t.Errorf("the account page lacks %q", want)
			}
		}
		if res := ta.Browser().LogIn("ana@example.com", apptest.Password, nil); res.StatusCode != fiber.StatusSeeOther {
			t.Errorf("signing in before verifying = %d", res.StatusCode)
		}
	})
}

func TestUnverifiedCheckoutPlacesNothing(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := ta.Browser()
		b.SignUp("Ana Baker", "ana@example.com", apptest.Password, nil)
		before := ta.Stock("carrot-cake")
		if res := b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("carrot-cake")}, "quantity": {"2"}}); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("add to cart = %d", res.StatusCode)
		}

		page := b.Get("/checkout")
		if page.StatusCode != fiber.StatusOK {
			t.Fatalf("checkout = %d", page.StatusCode)
		}
		for _, want := range []string{"Please confirm your email address before your first order.", "ana@example.com",
			`action="/account/verify"`, `name="next" value="/checkout"`, "Send the link again", "2 × Carrot Cake"} {
			if !strings.Contains(page.Text, want) {
				t.Errorf("the checkout page lacks %q", want)
			}
		}
		for _, unwanted := range []string{"Place order", `name="checkout_token"`} {
			if strings.Contains(page.Text, unwanted) {
				t.Errorf("the checkout page offers %q", unwanted)
			}
		}

		// A form sent all the same places nothing.
		res := b.Post("/checkout", shipping(strings.Repeat("a", 32), ""))
		if res.StatusCode != fiber.StatusForbidden || !strings.Contains(res.Text, "Please confirm your email address before your first order.") {
			t.Errorf("placing the order = %d:\n%s", res.StatusCode, res.Text)
		}
		if n := ordersOf(t, ta, "ana@example.com"); n != 0 {
			t.Errorf("%d orders placed", n)
		}
		if got := ta.Stock("carrot-cake"); got != before {
			t.Errorf("stock %d, want %d: a refused order took some", got, before)
		}
		if !strings.Contains(b.Get("/cart").Text, "Carrot Cake") {
			t.Error("the cart was emptied")
		}
		if len(ta.MailTo("ana@example.com", models.MailOrderPlaced)) != 0 {
			t.Error("an order email was queued")
		}
	})
}

func TestFollowingTheLinkVerifiesAndThenCheckoutWorks(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		phone := ta.Browser()
		phone.SignUp("Ana Baker", "ana@example.com", apptest.Password, nil)
		phone.Post("/cart/items", url.Values{"product_id": {ta.ProductID("carrot-cake")}, "quantity": {"1"}})

		// The link opened in another browser, signed in to no one: it
		// verifies the email and signs that browser in.
		laptop := ta.Browser()
		res := laptop.Get(apptest.VerifyPath(ta.VerifyLink("ana@example.com")))
		if res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Location") != "/account" {
			t.Fatalf("following the link = %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("Cache-Control") != "private, no-store" {
			t.Errorf("the link's answer: Referrer-Policy %q, Cache-Control %q", res.Header.Get("Referrer-Policy"), res.Header.Get("Cache-Control"))
		}
		if note := flashAfter(t, laptop, res); note != "Thank you: your email address is confirmed. You can place orders now." {
			t.Errorf("the message after the link = %q", note)
		}
		account := laptop.Get("/account")
		if !strings.Contains(account.Text, "Hello, Ana Baker") || !strings.Contains(account.Text, "Email confirmed") ||
			strings.Contains(account.Text, "Send the link again") {
			t.Errorf("the account page after the link:\n%s", account.Text)
		}
		if u := user(t, ta, "ana@example.com"); !u.EmailVerified() || !u.EmailVerifiedAt.Equal(ta.Clock.Now()) {
			t.Errorf("verified at %v", u.EmailVerifiedAt)
		}
		// Signed in by a mailed link, not the password: changing the email asks for it.
		if !strings.Contains(account.Text, `id="email-password"`) {
			t.Error("a browser signed in by the link may change the email without the password")
		}

		// Both browsers may order now, the one that signed up with its cart kept.
		token, quote := checkoutToken.FindStringSubmatch(phone.Get("/checkout").Text), quoteField.FindStringSubmatch(phone.Get("/checkout").Text)
		if token == nil || quote == nil {
			t.Fatal("no checkout form once verified")
		}
		before := ta.Stock("carrot-cake")
		placed := phone.Post("/checkout", shipping(token[1], quote[1]))
		if placed.StatusCode != fiber.StatusSeeOther || orderNumber.FindStringSubmatch(placed.Header.Get("Location")) == nil {
			t.Fatalf("checkout once verified = %d: %s", placed.StatusCode, placed.Text)
		}
		if ta.Stock("carrot-cake") != before-1 || ordersOf(t, ta, "ana@example.com") != 1 {
			t.Error("the order did not take its stock")
		}
	})
}

func TestTheLinkInTheBrowserThatSignedUp(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUp("Ana Baker", "ana@example.com", apptest.Password, nil)
	res := b.VerifyEmail("ana@example.com")
	if res.Header.Get("Location") != "/account" {
		t.Errorf("redirected to %q", res.Header.Get("Location"))
	}
	if note := flashAfter(t, b, res); note != "Thank you: your email address is confirmed. You can place orders now." {
		t.Errorf("message %q", note)
	}

	// Opened where another account is signed in: that account stays signed in.
	other := ta.Browser()
	other.SignUpVerified("Bo", "bo@example.com", apptest.Password, nil)
	ta.Browser().SignUp("Cy", "cy@example.com", apptest.Password, nil)
	res = other.Get(apptest.VerifyPath(ta.VerifyLink("cy@example.com")))
	if note := flashAfter(t, other, res); note != "Thank you: cy@example.com is confirmed. This browser is still signed in as Bo." {
		t.Errorf("message %q", note)
	}
	if !user(t, ta, "cy@example.com").EmailVerified() || !strings.Contains(other.Get("/account").Text, "Hello, Bo") {
		t.Error("the link did not verify cy, or signed the browser out of Bo")
	}
}

// linkIsGone checks that a verification link gets the page that offers a
// new one.
func linkIsGone(t *testing.T, b *apptest.Browser, path, offer string) {
	t.Helper()
	res := b.Get(path)
	if res.StatusCode != fiber.StatusGone || !strings.Contains(res.Text, "This link no longer works") || !strings.Contains(res.Text, offer) {
		t.Errorf("GET %s = %d, want 410 offering %q:\n%s", path, res.StatusCode, offer, res.Text)
	}
	if res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("the page of a dead link sends a referrer")
	}
}

func TestTheLinkWorksOnceAndFor24Hours(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := ta.Browser()
		b.SignUp("Ana Baker", "ana@example.com", apptest.Password, nil)
		path := apptest.VerifyPath(ta.VerifyLink("ana@example.com"))
		stranger := ta.Browser()
		for _, bad := range []string{"/account/verify", "/account/verify?token=", "/account/verify?token=" + strings.Repeat("x", 43), path + "x"} {
			linkIsGone(t, stranger, bad, `href="/login?next=%2Faccount"`)
		}
		if user(t, ta, "ana@example.com").EmailVerified() {
			t.Fatal("a wrong link verified the email")
		}

		// A second before it expires it works, once.
		ta.Clock.Advance(storage.VerifyLinkLifetime - time.Second)
		if res := stranger.Get(path); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("the link a second before expiry = %d", res.StatusCode)
		}
		used := ta.Browser()
		linkIsGone(t, used, path, `href="/login?next=%2Faccount"`)
		b.LogIn("ana@example.com", apptest.Password, nil) // a day on, the sign-up's session has ended
		if res := b.Get(path); res.StatusCode != fiber.StatusGone || !strings.Contains(res.Text, "Your email is confirmed") {
			t.Errorf("the used link, signed in = %d:\n%s", res.StatusCode, res.Text)
		}

		// Expiry, by the clock: the next account's link a second late.
		c := ta.Browser()
		c.SignUp("Cy", "cy@example.com", apptest.Password, nil)
		late := apptest.VerifyPath(ta.VerifyLink("cy@example.com"))
		ta.Clock.Advance(storage.VerifyLinkLifetime)
		c.LogIn("cy@example.com", apptest.Password, nil)
		linkIsGone(t, c, late, `action="/account/verify"`)
		if user(t, ta, "cy@example.com").EmailVerified() {
			t.Error("an expired link verified the email")
		}
		// The page's button sends a new one, and that one works.
		if note := flashAfter(t, c, c.Post("/account/verify", url.Values{"next": {"/account"}})); !strings.Contains(note, "We are sending a new link to cy@example.com") {
			t.Errorf("after asking again: %q", note)
		}
		c.VerifyEmail("cy@example.com")
		if !user(t, ta, "cy@example.com").EmailVerified() {
			t.Error("the new link did not verify the email")
		}
	})
}

func TestFollowingAResetLinkVerifies(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		ta.Browser().SignUp("Ana Baker", "ana@example.com", apptest.Password, nil)
		b := ta.Browser()
		b.Post("/password/forgot", url.Values{"email": {"ana@example.com"}})
		if res := b.Get(apptest.ResetPath(ta.ResetLink("ana@example.com"))); res.StatusCode != fiber.StatusOK {
			t.Fatalf("the reset link = %d", res.StatusCode)
		}
		if !user(t, ta, "ana@example.com").EmailVerified() {
			t.Fatal("following the reset link did not verify the email")
		}
		// The verification link has nothing left to do.
		linkIsGone(t, ta.Browser(), apptest.VerifyPath(ta.VerifyLink("ana@example.com")), "Sign in")
	})
}

func TestChangingTheEmailMailsTheNewAddress(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := ta.Browser()
		b.SignUpVerified("Ana Baker", "ana@example.com", apptest.Password, nil)
		res := b.Post("/account/email", url.Values{"email": {"Ana.New@example.com"}})
		if res.StatusCode != fiber.StatusOK || !strings.Contains(res.Text, "Your email is now ana.new@example.com. We emailed a link to it") {
			t.Fatalf("change email = %d:\n%s", res.StatusCode, res.Text)
		}
		if u := user(t, ta, "ana.new@example.com"); u.EmailVerified() {
			t.Error("the new address counts as verified")
		}
		if n := len(ta.MailTo("ana.new@example.com", models.MailVerifyEmail)); n != 1 {
			t.Errorf("%d verification emails to the new address, want 1", n)
		}
		if !strings.Contains(res.Text, "Your email address is not confirmed yet.") ||
			!strings.Contains(b.Get("/checkout").Text, "Please confirm your email address before your first order.") {
			t.Error("the account and checkout pages do not say the new address needs confirming")
		}
		b.VerifyEmail("ana.new@example.com")
		if !user(t, ta, "ana.new@example.com").EmailVerified() {
			t.Error("the link to the new address did not verify it")
		}
	})
}

func TestResendingTheLinkIsLimited(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUp("Ana Baker", "ana@example.com", apptest.Password, nil)
	var notes []string
	for range 4 { // the sign-up's email and two more are all an hour allows
		ta.Clock.Advance(time.Second)
		notes = append(notes, flashAfter(t, b, b.Post("/account/verify", url.Values{"next": {"/checkout"}})))
	}
	if n := len(ta.MailTo("ana@example.com", models.MailVerifyEmail)); n != models.LinkMailsPerHour {
		t.Errorf("%d verification emails, want %d", n, models.LinkMailsPerHour)
	}
	for _, note := range notes {
		if note != notes[0] || !strings.Contains(note, "We are sending a new link to ana@example.com.") {
			t.Errorf("answers differ: %q", notes)
		}
	}
	// Every link sent works (each once): the last one, say.
	b.VerifyEmail("ana@example.com")
	if note := flashAfter(t, b, b.Post("/account/verify", nil)); note != "Your email address is confirmed already: there is nothing more to do." {
		t.Errorf("asking once verified: %q", note)
	}

	// More than AUTH_ATTEMPTS_PER_MINUTE asks in a minute are refused.
	ta.Clock.Advance(time.Minute) // every test browser has the same address: a new minute for it
	c := ta.Browser()
	c.SignUp("Cy", "cy@example.com", apptest.Password, nil)
	statuses := map[int]int{}
	for range 11 {
		statuses[c.Post("/account/verify", nil).StatusCode]++
	}
	if statuses[fiber.StatusSeeOther] != 10 || statuses[fiber.StatusTooManyRequests] != 1 {
		t.Errorf("11 asks in a minute: %v; want 10 answered and 1 refused", statuses)
	}
	// A guest cannot ask.
	if res := ta.Browser().Post("/account/verify", nil); res.StatusCode != fiber.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("a guest's ask = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestFiveAsksAnHourSendAtMostThree: whatever mix of "forgot your
// password?" and "send the link again" asks for one address, 2.6 seconds
// apart, at most three emails go in an hour, and every answer is the same.
func TestFiveAsksAnHourSendAtMostThree(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		// An account made without its sign-up email, so the five asks are all there is.
		if _, err := ta.Users.Create(context.Background(), "Ana Baker", "ana@example.com", apptest.Password); err != nil {
			t.Fatal(err)
		}
		shopper, guest := ta.Browser(), ta.Browser()
		if res := shopper.LogIn("ana@example.com", apptest.Password, nil); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("sign-in = %d", res.StatusCode)
		}
		var forgotPages, resendNotes []string
		forgot := func() {
			res := guest.Post("/password/forgot", url.Values{"email": {"ana@example.com"}})
			forgotPages = append(forgotPages, csrfValue.ReplaceAllString(res.Text, ""))
			ta.IssueResetLinks()
		}
		resend := func() {
			resendNotes = append(resendNotes, flashAfter(t, shopper, shopper.Post("/account/verify", nil)))
		}
		for _, ask := range []func(){resend, forgot, resend, resend, forgot} {
			ask()
			ta.Clock.Advance(2600 * time.Millisecond)
		}
		links := len(ta.MailTo("ana@example.com", models.MailPasswordReset)) + len(ta.MailTo("ana@example.com", models.MailVerifyEmail))
		if links != models.LinkMailsPerHour {
			t.Errorf("%d emails for 5 asks in a few seconds, want %d", links, models.LinkMailsPerHour)
		}
		for _, p := range forgotPages {
			if p != forgotPages[0] {
				t.Error("the answers to \"forgot your password?\" differ once the limit is reached")
			}
		}
		for _, n := range resendNotes {
			if n != resendNotes[0] {
				t.Errorf("the answers to \"send the link again\" differ: %q", resendNotes)
			}
		}

		// Five reset requests alone send three too.
		if _, err := ta.Users.Create(context.Background(), "Bo", "bo@example.com", apptest.Password); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			guest.Post("/password/forgot", url.Values{"email": {"bo@example.com"}})
			ta.IssueResetLinks()
			ta.Clock.Advance(2600 * time.Millisecond)
		}
		if n := len(ta.MailTo("bo@example.com", "")); n != models.LinkMailsPerHour {
			t.Errorf("5 reset requests sent %d emails, want %d", n, models.LinkMailsPerHour)
		}
	})
}

func TestADisabledAccountIsNeverSignedIn(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("Ana Baker", "ana@example.com", apptest.Password, nil)
	ctx := context.Background()
	u := user(t, ta, "ana@example.com")
	now := ta.Clock.Now()
	if _, err := ta.Users.SetDisabled(ctx, u.ID, &now); err != nil {
		t.Fatal(err)
	}
	b := ta.Browser()
	res := b.Get(apptest.VerifyPath(ta.VerifyLink("ana@example.com")))
	if res.StatusCode != fiber.StatusForbidden || !strings.Contains(res.Text, "This account is disabled") {
		t.Errorf("a disabled account's verification link = %d:\n%s", res.StatusCode, res.Text)
	}
	if b.SignedIn() || user(t, ta, "ana@example.com").EmailVerified() {
		t.Error("a disabled account's link signed the browser in or verified it")
	}
}

func TestTheDemoAccountsAreVerified(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		for _, email := range []string{database.DemoEmail, database.OwnerEmail} {
			if !user(t, ta, email).EmailVerified() {
				t.Errorf("%s is not verified", email)
			}
		}
		b := ta.Browser()
		if res := b.LogIn(database.DemoEmail, database.DemoPassword, nil); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("demo sign-in = %d", res.StatusCode)
		}
		b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
		page := b.Get("/checkout").Text
		token, quote := checkoutToken.FindStringSubmatch(page), quoteField.FindStringSubmatch(page)
		if token == nil || quote == nil {
			t.Fatal("the demo account gets no checkout form")
		}
		if res := b.Post("/checkout", shipping(token[1], quote[1])); res.StatusCode != fiber.StatusSeeOther {
			t.Errorf("the demo account's order = %d", res.StatusCode)
		}
	})
}
