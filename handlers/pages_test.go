package handlers_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/database"
	"crumb/internal/apptest"
)

func TestPages(t *testing.T) {
	ta := apptest.New(t)
	long := strings.Repeat("crois", 2000) // 10 KB
	tests := []struct {
		name, path string
		status     int
		want       []string
		notWant    []string
	}{
		{"home", "/", 200, []string{"<h1", "Crumb", "Featured", "Shop by category", `href="/products?category=bread"`, "Cookies &amp; Biscuits", `id="todays-offer"`}, nil},
		{"all products", "/products", 200, []string{"All products", "36 products", "Page 1 of 3", `rel="next"`}, []string{`rel="prev"`}},
		{"category", "/products?category=bread", 200, []string{"<h1>Bread</h1>", "Sourdough Loaf", "Baguette", "6 products"}, []string{"Butter Croissant"}},
		{"search", "/products?q=croissant", 200, []string{"Butter Croissant", "Almond Croissant", `value="croissant"`}, []string{"Baguette"}},
		{"search ignores case", "/products?q=CROISSANT", 200, []string{"Butter Croissant", "Almond Croissant"}, nil},
		{"search needs every word", "/products?q=almond+croissant", 200, []string{"Almond Croissant", "1 product"}, []string{"Butter Croissant"}},
		{"search in a category", "/products?q=chocolate&category=cakes", 200, []string{"Chocolate Fudge Cake"}, []string{"Pain au Chocolat"}},
		{"search within descriptions", "/products?q=frangipane", 200, []string{"Almond Croissant"}, nil},
		{"no results", "/products?q=pizza", 200, []string{"No products match"}, nil},
		{"second page", "/products?page=2", 200, []string{"Page 2 of 3", `rel="prev"`, `rel="next"`}, nil},
		{"negative page is the first", "/products?page=-4", 200, []string{"Page 1 of 3"}, nil},
		{"page that is not a number", "/products?page=abc", 200, []string{"Page 1 of 3"}, nil},
		{"overflowing page", "/products?page=99999999999999999999999", 200, []string{"Page 1 of 3"}, nil},
		{"page past the end is the last", "/products?page=4000", 200, []string{"Page 3 of 3"}, nil},
		{"query is escaped", "/products?q=" + url.QueryEscape(`<script>alert(1)</script>`), 200, []string{"&lt;script&gt;"}, []string{"<script>alert"}},
		{"invalid UTF-8 query", "/products?q=%ff%fe%fdcake", 200, []string{"Carrot Cake"}, nil},
		{"10 KB query is cut short", "/products?q=" + long, 200, []string{`value="` + long[:100] + `"`, "No products match"}, []string{long[:101]}},
		{"unknown category", "/products?category=pizza", 404, []string{"Page not found", `href="/"`}, nil},
		{"product", "/products/sourdough-loaf", 200, []string{"<h1>Sourdough Loaf</h1>", "$8.50", `action="/cart/items"`, `name="product_id"`, `name="_csrf"`, "Quantity"}, nil},
		{"unknown product", "/products/pizza", 404, []string{"Page not found", "Back to the shop"}, nil},
		{"product slug with invalid UTF-8", "/products/%ff%fe", 404, []string{"Page not found"}, nil},
		{"unknown page", "/no/such/page", 404, []string{"Page not found", "Back to the shop"}, nil},
		{"health", "/healthz", 200, []string{"ok"}, nil},
		{"ready", "/readyz", 200, []string{"ready"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ta.Get(tt.path)
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Text, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(res.Text, w) {
					t.Errorf("body has %q", w)
				}
			}
		})
	}
}

func TestOversizedRequestGetsAPage(t *testing.T) {
	ta := apptest.New(t)
	res, err := http.Get(ta.Listen() + "/products?q=" + strings.Repeat("a", 20*1024))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != fiber.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status = %d, want 431", res.StatusCode)
	}
	if !strings.Contains(string(body), "too long") {
		t.Errorf("the page does not say what went wrong: %q", body)
	}
}

// A body over the limit is refused without being read, while the client is
// still sending it: the shopper must get the 413, not a reset connection.
func TestOversizedBodyIsAnsweredNotReset(t *testing.T) {
	ta := apptest.New(t)
	base := ta.Listen()
	for i := range 5 {
		res, err := http.Post(base+"/cart/items", fiber.MIMEApplicationForm,
			strings.NewReader("product_id=1&filler="+strings.Repeat("a", 2<<20)))
		if err != nil {
			t.Fatalf("attempt %d: no answer: %v", i+1, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != fiber.StatusRequestEntityTooLarge || !strings.Contains(string(body), "too large") {
			t.Fatalf("attempt %d: %d %q, want the 413 page", i+1, res.StatusCode, body)
		}
	}
}

func TestServerErrorHidesInternals(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	token := b.CSRF()
	if err := database.Close(ta.DB); err != nil {
		t.Fatal(err)
	}
	res := b.Post("/cart/items", url.Values{"_csrf": {token}, "product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
	if res.StatusCode != 500 {
		t.Fatalf("status = %d, want 500", res.StatusCode)
	}
	if !strings.Contains(res.Text, "Something went wrong on our side") || !strings.Contains(res.Text, "try again") {
		t.Errorf("500 page does not say what to do: %q", res.Text)
	}
	for _, leak := range []string{"sql", "database is closed", "gorm", ".go:"} {
		if strings.Contains(strings.ToLower(res.Text), leak) {
			t.Errorf("500 page leaks %q", leak)
		}
	}
	logs := ta.Logs.String()
	if !strings.Contains(logs, "request failed") || !strings.Contains(logs, "method=POST") || !strings.Contains(logs, "path=/cart/items") {
		t.Errorf("500 not logged with method and path: %s", logs)
	}
	if got := ta.Get("/readyz"); got.StatusCode != 503 {
		t.Errorf("readyz with the database gone = %d, want 503", got.StatusCode)
	}
	if got := ta.Get("/healthz"); got.StatusCode != 200 {
		t.Errorf("healthz with the database gone = %d, want 200", got.StatusCode)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	ta := apptest.New(t)
	css := stylesheetURL(t, ta)
	for _, path := range []string{"/", "/products?q=x", "/cart", "/nope", "/healthz", css, "/static/css/app.0000000000000000.css"} {
		res := ta.Get(path)
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe code: %q", path, csp)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", path, got)
		}
		if got := res.Header.Get("Referrer-Policy"); got == "" {
			t.Errorf("%s: no Referrer-Policy", path)
		}
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent over plain http", path)
		}
	}
	secure := apptest.New(t, apptest.WithBaseURL("https://shop.example.com"))
	if got := secure.Get("/").Header.Get("Strict-Transport-Security"); !strings.Contains(got, "max-age=") {
		t.Errorf("HSTS over https = %q", got)
	}
}

func TestRequestID(t *testing.T) {
	ta := apptest.New(t)
	res := ta.Get("/healthz")
	id := res.Header.Get("X-Request-Id")
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
		t.Errorf("generated X-Request-Id = %q", id)
	}
	if !strings.Contains(ta.Logs.String(), "id="+id) {
		t.Errorf("request log lacks the id %s", id)
	}
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("X-Request-Id", "lb-1234")
	if got := ta.Do(req).Header.Get("X-Request-Id"); got != "lb-1234" {
		t.Errorf("incoming id not kept: %q", got)
	}
	req.Header.Set("X-Request-Id", "bad id\"<>")
	if got := ta.Do(req).Header.Get("X-Request-Id"); got == "bad id\"<>" || got == "" {
		t.Errorf("unsafe incoming id kept: %q", got)
	}
}

func TestHTMLIsRevalidated(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	first := b.Get("/products?category=cakes")
	if got := first.Header.Get("Cache-Control"); !strings.Contains(got, "no-cache") || strings.Contains(got, "immutable") || strings.Contains(got, "public") {
		t.Errorf("page Cache-Control = %q, want no-cache and not shared", got)
	}
	etag := first.Header.Get("ETag")
	if etag == "" || strings.HasPrefix(etag, "W/") {
		t.Fatalf("page ETag = %q, want a strong ETag", etag)
	}
	req := httptest.NewRequest("GET", "/products?category=cakes", nil)
	req.Header.Set("If-None-Match", etag)
	again := b.Do(req)
	if again.StatusCode != http.StatusNotModified || again.Text != "" {
		t.Errorf("revalidation = %d with %d bytes, want 304 and no body", again.StatusCode, len(again.Text))
	}
	req = httptest.NewRequest("GET", "/products?category=bread", nil)
	req.Header.Set("If-None-Match", etag)
	if other := b.Do(req); other.StatusCode != 200 {
		t.Errorf("another page with the same ETag = %d, want 200", other.StatusCode)
	}
}

var stylesheetHref = regexp.MustCompile(`href="(/static/css/app\.[0-9a-f]{16}\.css)"`)

func stylesheetURL(t *testing.T, ta *apptest.App) string {
	t.Helper()
	m := stylesheetHref.FindStringSubmatch(ta.Get("/").Text)
	if m == nil {
		t.Fatal("home page links no fingerprinted stylesheet")
	}
	return m[1]
}
