package cookies_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
)

func emailApp(t testing.TB, j *cookies.Jar) *fiber.App {
	app := newApp(t)
	app.Post("/remember", func(c *fiber.Ctx) error { return j.RememberEmail(c, c.Query("email")) })
	app.Post("/forget", func(c *fiber.Ctx) error { j.ForgetEmail(c); return nil })
	app.Get("/login", func(c *fiber.Ctx) error { return c.SendString(j.RememberedEmail(c)) })
	return app
}

func TestRememberedEmail(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + ".example"
	for _, email := range []string{"ann@example.com", "o'brien+bread@bakery.example.co.uk", long} {
		for _, secure := range []bool{false, true} {
			t.Run(email[:min(len(email), 20)], func(t *testing.T) {
				clk := newClock(start)
				j := newJar(t, key('a'), secure, clk, nil)
				b := newBrowser(t, emailApp(t, j), clk)
				name := j.CookieName(cookies.Email)

				if _, body := b.do(http.MethodGet, "/login"); body != "" {
					t.Fatalf("a new browser remembers %q", body)
				}
				b.do(http.MethodPost, "/remember?email="+url.QueryEscape(email))
				ck := b.set[name]
				if ck == nil {
					t.Fatalf("no %s cookie set", name)
				}
				if ck.MaxAge != 365*24*60*60 {
					t.Errorf("Max-Age = %d, want one year", ck.MaxAge)
				}
				if strings.Contains(ck.Value, "example") {
					t.Error("the email is readable in the cookie")
				}
				clk.Advance(364 * 24 * time.Hour)
				if _, body := b.do(http.MethodGet, "/login"); body != email {
					t.Errorf("after 364 days the login form shows %q, want %q", body, email)
				}
				clk.Advance(24 * time.Hour)
				if _, body := b.do(http.MethodGet, "/login"); body != "" {
					t.Errorf("after a year the login form still shows %q", body)
				}
				b.mustClear(name)
			})
		}
	}
}

func TestForgetEmail(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk, nil)
	b := newBrowser(t, emailApp(t, j), clk)
	b.do(http.MethodPost, "/remember?email=ann@example.com")
	b.do(http.MethodPost, "/forget")
	b.mustClear("crumb_email")
	if _, body := b.do(http.MethodGet, "/login"); body != "" {
		t.Errorf("after Not you? the login form shows %q", body)
	}
}

func TestRememberedEmailRejectsNonEmail(t *testing.T) {
	for _, value := range []string{"not an email", "", "<script>alert(1)</script>", "ann@"} {
		t.Run(value, func(t *testing.T) {
			clk := newClock(start)
			var logs logBuffer
			j := newJar(t, key('a'), false, clk, slogTo(&logs))
			b := newBrowser(t, emailApp(t, j), clk)
			b.cookies["crumb_email"] = j.Seal(cookies.Email, []byte(value), start.Add(time.Hour))
			if _, body := b.do(http.MethodGet, "/login"); body != "" {
				t.Errorf("the login form shows %q", body)
			}
			b.mustClear("crumb_email")
			if !strings.Contains(logs.String(), "level=WARN") {
				t.Errorf("a sealed non-email was not logged; log: %q", logs.String())
			}
		})
	}
}
