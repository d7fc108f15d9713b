package cookies_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
)

// csrfApp: GET /form?binding= renders a token; POST /check?binding=&token=
// answers whether it is accepted; POST /login starts a new secret and
// renders a token for the new binding.
func csrfApp(t testing.TB, j *cookies.Jar) *fiber.App {
	app := newApp(t)
	app.Get("/form", func(c *fiber.Ctx) error {
		token, err := j.CSRFToken(c, c.Query("binding"))
		if err != nil {
			return err
		}
		return c.SendString(token)
	})
	app.Post("/check", func(c *fiber.Ctx) error {
		return c.SendString(strconv.FormatBool(j.CheckCSRF(c, c.Query("binding"), c.Query("token"))))
	})
	app.Post("/login", func(c *fiber.Ctx) error {
		if _, err := j.NewCSRFSecret(c); err != nil {
			return err
		}
		token, err := j.CSRFToken(c, c.Query("binding"))
		if err != nil {
			return err
		}
		return c.SendString(token)
	})
	return app
}

func check(b *browser, binding, token string) bool {
	b.t.Helper()
	_, body := b.do(http.MethodPost, "/check?binding="+url.QueryEscape(binding)+"&token="+url.QueryEscape(token))
	return body == "true"
}

func TestCSRF(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run("secure="+strconv.FormatBool(secure), func(t *testing.T) {
			clk := newClock(start)
			j := newJar(t, key('a'), secure, clk, nil)
			app := csrfApp(t, j)
			name := j.CookieName(cookies.CSRF)

			ann := newBrowser(t, app, clk)
			_, token := ann.do(http.MethodGet, "/form")
			if token == "" {
				t.Fatal("empty token")
			}
			if ann.set[name] == nil || ann.cookies[name] == "" {
				t.Fatalf("no %s cookie set with the first form", name)
			}
			if ck := ann.set[name]; ck.MaxAge != 0 || !ck.Expires.IsZero() {
				t.Errorf("%s should end with the browser: Max-Age %d, Expires %v", name, ck.MaxAge, ck.Expires)
			}
			_, again := ann.do(http.MethodGet, "/form")
			ann.mustNotTouch(name)
			if again != token {
				t.Error("a second form in the same browser got a different token: open tabs would break")
			}

			if !check(ann, "", token) {
				t.Fatal("the browser's own token was refused")
			}
			if check(ann, "", "") {
				t.Error("an empty token was accepted")
			}
			if check(ann, "session-1", token) {
				t.Error("a guest's token was accepted for a signed-in session")
			}
			if check(ann, "", token[:len(token)-1]) {
				t.Error("a truncated token was accepted")
			}

			bob := newBrowser(t, app, clk)
			_, bobToken := bob.do(http.MethodGet, "/form")
			if check(ann, "", bobToken) {
				t.Error("another browser's token was accepted")
			}
			noCookie := newBrowser(t, app, clk)
			if check(noCookie, "", token) {
				t.Error("a token was accepted from a browser without the csrf cookie")
			}

			// Signing in starts a new secret: tokens from before stop working.
			_, signedIn := ann.do(http.MethodPost, "/login?binding=session-1")
			if ann.set[name] == nil {
				t.Fatal("NewCSRFSecret set no cookie")
			}
			if check(ann, "", token) || check(ann, "session-1", token) {
				t.Error("a token from before sign-in still works")
			}
			if !check(ann, "session-1", signedIn) {
				t.Error("the token issued with the new secret is refused")
			}
			if check(ann, "session-2", signedIn) {
				t.Error("the token works for another session")
			}
		})
	}
}

func TestCSRFAnotherSecretKey(t *testing.T) {
	clk := newClock(start)
	a := newBrowser(t, csrfApp(t, newJar(t, key('a'), false, clk, nil)), clk)
	_, token := a.do(http.MethodGet, "/form")

	// The same browser, cookie and token, at a store with another key.
	b := newBrowser(t, csrfApp(t, newJar(t, key('b'), false, clk, nil)), clk)
	b.cookies = a.cookies
	if check(b, "", token) {
		t.Error("a token and cookie made with another SECRET_KEY were accepted")
	}
	b.mustClear("crumb_csrf")
}

func TestCSRFSecretOfWrongLength(t *testing.T) {
	clk := newClock(start)
	j := newJar(t, key('a'), false, clk, nil)
	b := newBrowser(t, csrfApp(t, j), clk)
	bad := j.Seal(cookies.CSRF, []byte("short"), time.Time{})
	b.cookies["crumb_csrf"] = bad
	_, token := b.do(http.MethodGet, "/form")
	if b.cookies["crumb_csrf"] == bad || b.cookies["crumb_csrf"] == "" {
		t.Fatal("a csrf cookie holding a short secret was kept")
	}
	if !check(b, "", token) {
		t.Error("the token issued with the replacement secret is refused")
	}
}
