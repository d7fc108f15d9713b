package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/internal/apptest"
	"crumb/models"
)

// TestTheOrderNamesItsLinesInTheReadersLanguage: an order page names what
// was bought in the shopper's language, as the products were named when
// the order was placed; an order placed before lines kept their Korean
// name shows the English on a Korean page.
func TestTheOrderNamesItsLinesInTheReadersLanguage(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := inKorean(ta)
		token, quote := readyToCheckout(t, ta, b, "min@example.com", map[string]string{"baguette": "2"})
		res := b.Post("/checkout", shipping(token, quote))
		if res.StatusCode != fiber.StatusSeeOther || !orderNumber.MatchString(res.Header.Get("Location")) {
			t.Fatalf("place order = %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		order := res.Header.Get("Location")
		// Renamed since: the order keeps the name it was bought under.
		ta.SetProduct("baguette", "name_ko", "전통 바게트")

		if page := text(b.Get(order)); !strings.Contains(page, "2 × 바게트") || strings.Contains(page, "Baguette") || strings.Contains(page, "전통 바게트") {
			t.Errorf("the Korean order page does not name the line 바게트:\n%s", page)
		}
		if res := b.Post("/language", url.Values{"lang": {"en"}, "next": {order}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch = %d", res.StatusCode)
		}
		if page := text(b.Get(order)); !strings.Contains(page, "2 × Baguette") || strings.Contains(page, "바게트") {
			t.Errorf("the English order page does not name the line Baguette:\n%s", page)
		}

		if err := ta.DB.Model(&models.OrderLine{}).Where("1 = 1").Update("name_ko", "").Error; err != nil {
			t.Fatal(err)
		}
		b.Post("/language", url.Values{"lang": {"ko"}, "next": {order}})
		if page := text(b.Get(order)); !strings.Contains(page, "2 × Baguette") {
			t.Errorf("a line with no Korean name does not show its English on a Korean page:\n%s", page)
		}
	})
}

// TestCartNoticesNameTheProductsInTheReadersLanguage: what the cart says
// of a line it left out or reduced, or of an item it refused, names the
// product in Korean on a Korean page (the English page is
// TestCartDropsWhatIsNoLongerSold's).
func TestCartNoticesNameTheProductsInTheReadersLanguage(t *testing.T) {
	ta := apptest.New(t)
	b := inKorean(ta)
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("quiche-lorraine")}, "quantity": {"5"}})
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("focaccia")}, "quantity": {"1"}})
	ta.SetProduct("quiche-lorraine", "stock", 3)
	ta.SetProduct("focaccia", "stock", 0)

	page := text(b.Get("/cart"))
	for _, want := range []string{"키시 로렌 상품이 3개만 남아", "로즈메리 포카치아 상품이 품절되어 제외되었습니다."} {
		if !strings.Contains(page, want) {
			t.Errorf("the Korean cart lacks %q", want)
		}
	}
	for _, english := range []string{"Quiche Lorraine", "Rosemary Focaccia"} {
		if strings.Contains(page, english) {
			t.Errorf("the Korean cart names %q", english)
		}
	}

	res := b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("focaccia")}, "quantity": {"1"}})
	if got := text(res); res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(got, "로즈메리 포카치아 상품이 품절되었습니다.") || strings.Contains(got, "Rosemary Focaccia") {
		t.Errorf("adding a sold-out product in Korean = %d:\n%s", res.StatusCode, got)
	}
	res = ta.Browser().Post("/cart/items", url.Values{"product_id": {ta.ProductID("focaccia")}, "quantity": {"1"}})
	if got := text(res); !strings.Contains(got, "Rosemary Focaccia is sold out.") {
		t.Errorf("adding a sold-out product in English = %d:\n%s", res.StatusCode, got)
	}
}

// TestCheckoutConflictsNameTheProductsInTheReadersLanguage: what stops a
// Korean shopper's checkout is named in Korean (the English page is
// TestCheckoutConflicts').
func TestCheckoutConflictsNameTheProductsInTheReadersLanguage(t *testing.T) {
	ta := apptest.New(t)
	b := inKorean(ta)
	token, quote := readyToCheckout(t, ta, b, "fi@example.com", map[string]string{"red-velvet-cake": "3", "lemon-tart": "1", "focaccia": "1"})
	ta.SetProduct("red-velvet-cake", "stock", 2)
	ta.SetProduct("lemon-tart", "price_amount", 2450)
	ta.SetProduct("focaccia", "stock", 0)

	res := b.Post("/checkout", shipping(token, quote))
	if res.StatusCode != fiber.StatusConflict {
		t.Fatalf("status = %d, want 409", res.StatusCode)
	}
	page := text(res)
	for _, want := range []string{"레드벨벳 케이크: 3개를 담으셨지만 2개만 남았습니다.", "레몬 타르트: 가격이 바뀌었습니다", "로즈메리 포카치아: 품절되었습니다."} {
		if !strings.Contains(page, want) {
			t.Errorf("the Korean conflict lacks %q", want)
		}
	}
	for _, english := range []string{"Red Velvet Cake", "Lemon Tart", "Rosemary Focaccia"} {
		if strings.Contains(page, english) {
			t.Errorf("the Korean conflict names %q", english)
		}
	}
}
