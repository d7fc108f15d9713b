package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/internal/apptest"
)

// TestCatalogInTheRequestsLanguage: products and categories are named in
// the language Accept-Language names, else the shop's default, and the
// answer says which; a search looks in that language.
func TestCatalogInTheRequestsLanguage(t *testing.T) {
	ta := apptest.New(t)
	get := func(path, acceptLanguage string) (string, map[string]any) {
		req := httptest.NewRequest(fiber.MethodGet, path, nil)
		if acceptLanguage != "" {
			req.Header.Set(fiber.HeaderAcceptLanguage, acceptLanguage)
		}
		res := ta.Do(req)
		var body map[string]any
		if err := json.Unmarshal([]byte(res.Text), &body); err != nil || res.StatusCode != fiber.StatusOK {
			t.Fatalf("%s = %d: %s", path, res.StatusCode, res.Text)
		}
		return res.Header.Get(fiber.HeaderContentLanguage), body
	}
	firstName := func(body map[string]any) string {
		items := body["items"].([]any)
		if len(items) == 0 {
			return ""
		}
		return items[0].(map[string]any)["name"].(string)
	}
	for _, tt := range []struct{ accept, lang, category string }{
		{"ko-KR,ko;q=0.9", "ko", "식사빵"}, {"en-US", "en", "Bread"}, {"fr", "en", "Bread"}, {"", "en", "Bread"},
	} {
		cl, body := get("/api/v1/categories", tt.accept)
		if cl != tt.lang || firstName(body) != tt.category {
			t.Errorf("categories for %q: %q in %q, want %q in %q", tt.accept, firstName(body), cl, tt.category, tt.lang)
		}
	}
	if _, body := get("/api/v1/products?q="+url.QueryEscape("크루아상")+"&per_page=50", "ko"); body["total"] != float64(3) {
		t.Errorf("크루아상 in Korean finds %v products, want the 3 croissants", body["total"])
	}
	if _, body := get("/api/v1/products?q=croissant", "en"); body["total"] != float64(3) || firstName(body) != "Almond Croissant" {
		t.Errorf("croissant in English finds %v, first %q", body["total"], firstName(body))
	}
	_, body := get("/api/v1/products/"+ta.ProductID("baguette"), "ko")
	if body["name"] != "바게트" || body["price"].(map[string]any)["currency"] != "USD" {
		t.Errorf("the baguette in Korean = %v", body)
	}
}
