package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/internal/apptest"
	"crumb/models"
)

func TestAPIForgotPassword(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Ada")
	forgot := func(email string) apiResponse {
		return call(ta, fiber.MethodPost, "/api/v1/auth/forgot", map[string]string{"email": email}, "")
	}
	known, unknown := forgot("ADA@example.com"), forgot("nobody@example.com")
	if known.StatusCode != fiber.StatusAccepted || unknown.StatusCode != fiber.StatusAccepted || known.Text != unknown.Text {
		t.Errorf("account: %d %s; unknown email: %d %s; want the same 202", known.StatusCode, known.Text, unknown.StatusCode, unknown.Text)
	}
	if p := forgot("not-an-email").problem(t, fiber.StatusUnprocessableEntity); !hasField(p.fields(), "email") {
		t.Errorf("malformed email names %s, want email", joinFields(p.fields()))
	}

	// The same link as the website's: choosing a password there ends the app's sign-in.
	link := ta.ResetLink(u.email)
	token, _ := url.QueryUnescape(link[strings.Index(link, "token=")+len("token="):])
	b := ta.Browser()
	if res := b.Post("/password/reset", url.Values{"token": {token}, "password": {"walnut-loaf-at-dawn-7"}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("reset on the web = %d", res.StatusCode)
	}
	refreshApp(ta, u.pair.RefreshToken).problem(t, fiber.StatusUnauthorized)
	if got := ta.MailTo("nobody@example.com", ""); len(got) != 0 {
		t.Errorf("%d emails to an address without an account", len(got))
	}
	if got := ta.MailTo(u.email, models.MailPasswordChanged); len(got) != 1 {
		t.Errorf("%d password changed emails, want 1", len(got))
	}
}

func TestAPIForgotIsLimited(t *testing.T) {
	ta := apptest.New(t)
	for i := range 10 {
		if res := call(ta, fiber.MethodPost, "/api/v1/auth/forgot", map[string]string{"email": fmt.Sprintf("x%d@example.com", i)}, ""); res.StatusCode != fiber.StatusAccepted {
			t.Fatalf("request %d = %d", i+1, res.StatusCode)
		}
	}
	res := call(ta, fiber.MethodPost, "/api/v1/auth/forgot", map[string]string{"email": "y@example.com"}, "")
	res.problem(t, fiber.StatusTooManyRequests)
	if res.Header.Get(fiber.HeaderRetryAfter) == "" {
		t.Error("no Retry-After")
	}
}
