package handlers_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"crumb/config"
	"crumb/internal/apptest"
	"crumb/internal/testkit"
)

// TestWhenRedisFails: with the Redis that keeps the sessions stopped, and
// then hanging, every page that needs a session answers a 503 page within
// two seconds, /readyz says which store is down, and guests browse and
// fill their cookie cart as usual. Nobody is signed out by the outage,
// and when Redis is back everything works again without a restart.
func TestWhenRedisFails(t *testing.T) {
	redis := testkit.StartRedis(t)
	ta := apptest.New(t, apptest.WithConfig(func(cfg *config.Config) { cfg.SessionStore = redis.URL() }))
	email := "outage-" + apptest.RandomSuffix() + "@example.com"
	member := ta.Browser()
	member.SignUp("Oona", email, apptest.Password, nil)
	memberCSRF := member.CSRF()
	remembered := ta.Browser() // will come back with its remember-me cookie only
	remembered.LogIn(email, apptest.Password, url.Values{"remember_me": {"1"}})
	remembered.CloseBrowser()
	guest := ta.Browser()
	guestCSRF := guest.CSRF()
	baguette := ta.ProductID("baguette")

	// timed runs a request and fails the test if it took two seconds or more.
	timed := func(what string, do func() apptest.Response) apptest.Response {
		t.Helper()
		start := time.Now()
		res := do()
		if took := time.Since(start); took >= 2*time.Second {
			t.Errorf("%s took %v", what, took)
		}
		return res
	}
	unavailable := func(what string, res apptest.Response) {
		t.Helper()
		if res.StatusCode != 503 || !strings.Contains(res.Text, "Signing in is paused for a moment") ||
			!strings.Contains(res.Text, "your cart and orders are safe") || res.Header.Get("Retry-After") == "" {
			t.Errorf("%s = %d (Retry-After %q), want the 503 page:\n%s", what, res.StatusCode, res.Header.Get("Retry-After"), res.Text)
		}
		for _, c := range res.Cookies() {
			if c.Name == "crumb_session" && c.MaxAge < 0 {
				t.Errorf("%s cleared the session cookie", what)
			}
		}
	}
	guestBrowses := func(when string) {
		t.Helper()
		for _, path := range []string{"/", "/products?category=bread", "/products/baguette", "/cookies"} {
			if res := timed(when+": guest "+path, func() apptest.Response { return guest.Get(path) }); res.StatusCode != 200 {
				t.Errorf("%s: a guest's %s = %d", when, path, res.StatusCode)
			}
		}
		res := timed(when+": guest adds to cart", func() apptest.Response {
			return guest.Post("/cart/items", url.Values{"_csrf": {guestCSRF}, "product_id": {baguette}, "quantity": {"1"}})
		})
		if res.StatusCode != 303 {
			t.Errorf("%s: a guest's add to cart = %d: %s", when, res.StatusCode, res.Text)
		}
	}
	sessionPagesRefused := func(when string) {
		t.Helper()
		unavailable(when+": signed-in /account", timed(when+": signed-in /account", func() apptest.Response { return member.Get("/account") }))
		unavailable(when+": signed-in /products", timed(when+": signed-in /products", func() apptest.Response { return member.Get("/products") }))
		unavailable(when+": remembered /account", timed(when+": remembered /account", func() apptest.Response { return remembered.Get("/account") }))
		unavailable(when+": sign-in", timed(when+": sign-in", func() apptest.Response {
			return guest.Post("/login", url.Values{"_csrf": {guestCSRF}, "email": {email}, "password": {apptest.Password}})
		}))
		unavailable(when+": sign-out", timed(when+": sign-out", func() apptest.Response {
			return member.Post("/logout", url.Values{"_csrf": {memberCSRF}})
		}))
		res := timed(when+": /readyz", func() apptest.Response { return ta.Get("/readyz") })
		if res.StatusCode != 503 || !strings.Contains(res.Text, "session store (Redis) unreachable") {
			t.Errorf("%s: /readyz = %d %q, want 503 naming the session store", when, res.StatusCode, res.Text)
		}
	}

	redis.Stop()
	sessionPagesRefused("Redis stopped")
	guestBrowses("Redis stopped")

	redis.Start()
	redis.Pause()
	sessionPagesRefused("Redis hanging")
	guestBrowses("Redis hanging")
	redis.Resume()

	// Back: ready again, nobody was signed out (the sign-out above was
	// refused, so the shopper is still signed in), the remember-me cookie
	// rotated during the outage reached the browser (a minute later, past
	// the grace for the previous one, it still signs in and is no theft),
	// and signing in works.
	if res := ta.Get("/readyz"); res.StatusCode != 200 {
		t.Fatalf("/readyz after Redis came back = %d %s", res.StatusCode, res.Text)
	}
	ta.Clock.Advance(time.Minute)
	if !member.SignedIn() {
		t.Error("the signed-in shopper was signed out by the outage")
	}
	if !remembered.SignedIn() {
		t.Error("the remembered browser no longer signs in after the outage")
	}
	if res := ta.Get("/account/security"); strings.Contains(ta.Logs.String(), "stolen token") {
		t.Errorf("the outage looked like a stolen token (%d):\n%s", res.StatusCode, ta.Logs.String())
	}
	fresh := ta.Browser()
	if res := fresh.LogIn(email, apptest.Password, nil); res.StatusCode != 303 || !fresh.SignedIn() {
		t.Errorf("sign-in after Redis came back = %d", res.StatusCode)
	}
	if cart := guest.Get("/cart"); !strings.Contains(cart.Text, "Baguette") {
		t.Error("the guest's cart lost its baguettes")
	}
}
