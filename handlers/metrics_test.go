package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/internal/apptest"
)

var (
	checkoutToken = regexp.MustCompile(`name="checkout_token" value="([0-9a-f]+)"`)
	quoteField    = regexp.MustCompile(`name="quote" value="([0-9:,]*)"`)
)

// TestMetrics: the metrics listener counts requests by route pattern
// (never the path asked for) and status, sign-ins, remember-me restores,
// stolen tokens, checkouts, the database pool and the Go runtime; the
// public port does not serve them.
func TestMetrics(t *testing.T) {
	ta := apptest.New(t)
	public := ta.Listen()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- ta.ServeMetrics(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("ServeMetrics: %v", err)
		}
	})
	scrape := func() string {
		t.Helper()
		res, err := http.Get("http://" + ln.Addr().String() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET /metrics = %d", res.StatusCode)
		}
		return string(body)
	}

	// Browsing: two products, one unknown, a form without its token.
	b := ta.Browser()
	b.Get("/products/baguette")
	b.Get("/products/sourdough-loaf")
	if res := b.Get("/products/no-such-bun"); res.StatusCode != 404 {
		t.Fatalf("unknown product = %d", res.StatusCode)
	}
	if res := b.Post("/cart/items", url.Values{"_csrf": {"forged"}}); res.StatusCode != 403 {
		t.Fatalf("a forged form = %d", res.StatusCode)
	}
	text := scrape()
	for _, want := range []string{
		`crumb_http_requests_total{method="GET",route="/products/:slug",status="200"} 2`,
		`crumb_http_requests_total{method="GET",route="/products/:slug",status="404"} 1`,
		`crumb_http_requests_total{method="POST",route="/*",status="403"} 1`,
		`crumb_http_request_duration_seconds_count{method="GET",route="/products/:slug"} 3`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the metrics lack %s", want)
		}
	}

	// Sign-ins on the web and in the app, one failing each, by two
	// shoppers (each stolen token below signs its account out everywhere).
	email := "metrics-" + apptest.RandomSuffix() + "@example.com"
	ta.Browser().SignUpVerified("Mae", email, apptest.Password, nil)
	appEmail := "metrics-app-" + apptest.RandomSuffix() + "@example.com"
	ta.Browser().SignUp("Abe", appEmail, apptest.Password, nil)
	if code := b.FailLogin(email); code != 422 {
		t.Fatalf("wrong password = %d", code)
	}
	if res := b.LogIn(email, apptest.Password, url.Values{"remember_me": {"1"}}); res.StatusCode != 303 {
		t.Fatalf("sign-in = %d", res.StatusCode)
	}
	app := ta.Browser()
	if res := app.PostJSON("/api/v1/auth/token", map[string]string{"email": appEmail, "password": "not-the-password-9"}); res.StatusCode != 401 {
		t.Fatalf("app sign-in with a wrong password = %d", res.StatusCode)
	}
	res := app.PostJSON("/api/v1/auth/token", map[string]string{"email": appEmail, "password": apptest.Password})
	var pair struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal([]byte(res.Text), &pair); err != nil || res.StatusCode != 200 {
		t.Fatalf("app sign-in = %d: %s", res.StatusCode, res.Text)
	}

	// A checkout, and the same form sent again.
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
	page := b.Get("/checkout").Text
	form := url.Values{
		"name": {"Mae Baker"}, "phone": {"+1 555 0100"}, "address1": {"1 Flour St"}, "postal_code": {"10001"},
		"country": {"US"}, "payment_method": {"cod"},
		"checkout_token": {checkoutToken.FindStringSubmatch(page)[1]}, "quote": {quoteField.FindStringSubmatch(page)[1]},
	}
	for range 2 {
		if res := b.Post("/checkout", form); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("checkout = %d", res.StatusCode)
		}
	}

	// Back from the remember-me cookie; then that cookie's copy, and a
	// spent refresh token, come back after their grace: stolen.
	copied := b.CopyCookie("crumb_remember")
	b.CloseBrowser()
	if !b.SignedIn() {
		t.Fatal("not signed back in from the remember-me cookie")
	}
	app.PostJSON("/api/v1/auth/refresh", map[string]string{"refresh_token": pair.RefreshToken})
	ta.Clock.Advance(time.Minute)
	thief := ta.Browser()
	thief.Cookies["crumb_remember"] = copied
	thief.Get("/account")
	if res := app.PostJSON("/api/v1/auth/refresh", map[string]string{"refresh_token": pair.RefreshToken}); res.StatusCode != 401 {
		t.Fatalf("a reused refresh token = %d", res.StatusCode)
	}

	text = scrape()
	for _, want := range []string{
		`crumb_http_requests_total{method="POST",route="/checkout",status="303"} 2`,
		`crumb_sign_ins_total{channel="web",result="failure"} 1`,
		`crumb_sign_ins_total{channel="web",result="success"} 1`,
		`crumb_sign_ins_total{channel="app",result="failure"} 1`,
		`crumb_sign_ins_total{channel="app",result="success"} 1`,
		"crumb_remember_me_restores_total 1",
		`crumb_stolen_tokens_total{token="remember_me"} 1`,
		`crumb_stolen_tokens_total{token="refresh"} 1`,
		`crumb_checkouts_total{channel="web",result="placed"} 1`,
		`crumb_checkouts_total{channel="web",result="repeated"} 1`,
		`go_sql_max_open_connections{db_name="crumb"} 16`,
		"go_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the metrics lack %s", want)
		}
	}
	for _, raw := range []string{"baguette", "sourdough", "no-such-bun", email, appEmail} {
		if strings.Contains(text, raw) {
			t.Errorf("a raw path or value is in the metrics: %q", raw)
		}
	}

	// The public port has no /metrics.
	res2, err := http.Get(public + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res2.Body)
	res2.Body.Close()
	if res2.StatusCode != 404 || strings.Contains(string(body), "crumb_http_requests_total") {
		t.Errorf("GET /metrics on the public port = %d", res2.StatusCode)
	}
}
