package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"crumb/internal/apptest"
)

// inKorean is a browser that asks for Korean pages.
func inKorean(ta *apptest.App) *apptest.Browser {
	b := ta.Browser()
	b.Headers = http.Header{"Accept-Language": {"ko"}}
	return b
}

func text(res apptest.Response) string { return html.UnescapeString(res.Text) }

// TestTheCatalogInKorean: a Korean shopper reads products and categories
// in Korean (the cards, the navigation, a category's page, a product's
// page, the cart's lines) and none of their English; an English shopper
// reads the English, as before.
func TestTheCatalogInKorean(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		ko, en := inKorean(ta), ta.Browser()
		for _, tt := range []struct {
			path            string
			korean, english []string
		}{
			{"/", []string{"버터 크루아상", "식사빵", "페이스트리"}, []string{"Butter Croissant", ">Bread<", ">Pastries<"}},
			{"/products?category=pastries", []string{"페이스트리", "발효 버터로 한 겹 한 겹", "퀸아망", "식사빵"},
				[]string{"Laminated by hand with cultured butter.", "Kouign-Amann", ">Bread<"}},
			{"/products/butter-croissant", []string{"<h1>버터 크루아상</h1>", "82% 발효 버터로 결결이 바삭하게 구운 크루아상이에요.", "페이스트리"},
				[]string{"Butter Croissant", "Flaky, honeycombed croissant", ">Pastries<"}},
		} {
			k, e := text(ko.Get(tt.path)), text(en.Get(tt.path))
			for _, w := range tt.korean {
				if !strings.Contains(k, w) {
					t.Errorf("%s in Korean lacks %q", tt.path, w)
				}
				if strings.Contains(e, w) {
					t.Errorf("%s in English shows the Korean %q", tt.path, w)
				}
			}
			for _, w := range tt.english {
				if !strings.Contains(e, w) {
					t.Errorf("%s in English lacks %q", tt.path, w)
				}
				if strings.Contains(k, w) {
					t.Errorf("%s in Korean shows the English %q", tt.path, w)
				}
			}
		}

		ko.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"2"}})
		if cart := text(ko.Get("/cart")); !strings.Contains(cart, "바게트") || strings.Contains(cart, ">Baguette<") {
			t.Error("the Korean cart does not name its line in Korean")
		}
	})
}

// TestSearchingInKorean: /products?q= finds products by their Korean
// names as by their English ones, and shows them in the shopper's
// language.
func TestSearchingInKorean(t *testing.T) {
	ta := apptest.New(t)
	ko := text(inKorean(ta).Get("/products?q=" + url.QueryEscape("크루아상")))
	for _, want := range []string{"버터 크루아상", "아몬드 크루아상"} {
		if !strings.Contains(ko, want) {
			t.Errorf("크루아상 in Korean does not find %q", want)
		}
	}
	if strings.Contains(ko, "바게트") {
		t.Error("크루아상 finds the baguette")
	}
	en := text(ta.Browser().Get("/products?q=croissant"))
	if !strings.Contains(en, "Butter Croissant") || !strings.Contains(en, "Almond Croissant") || strings.Contains(en, "버터 크루아상") {
		t.Error("croissant in English no longer finds the croissants in English")
	}
	if ko := text(inKorean(ta).Get("/products?q=croissant")); !strings.Contains(ko, "버터 크루아상") || strings.Contains(ko, "Butter Croissant") {
		t.Error("croissant on a Korean page does not find the croissants, in Korean")
	}
	if en := text(ta.Browser().Get("/products?q=" + url.QueryEscape("크루아상"))); !strings.Contains(en, "Butter Croissant") || strings.Contains(en, "버터 크루아상") {
		t.Error("크루아상 on an English page does not find the croissants, in English")
	}
}

// TestCheckoutNamesTheLinesInKorean: the checkout's summary names what is
// bought in the shopper's language.
func TestCheckoutNamesTheLinesInKorean(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUpVerified("Min", "min@example.com", "rye-and-butter-42", nil)
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
	if page := text(b.Get("/checkout")); !strings.Contains(page, "1 × Baguette") {
		t.Error("the English checkout does not name the baguette")
	}
	if res := b.Post("/language", url.Values{"lang": {"ko"}, "next": {"/checkout"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch = %d", res.StatusCode)
	}
	if page := text(b.Get("/checkout")); !strings.Contains(page, "1 × 바게트") || strings.Contains(page, "Baguette") {
		t.Error("the Korean checkout does not name the baguette in Korean")
	}
}
