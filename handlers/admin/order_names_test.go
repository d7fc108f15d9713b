package admin_test

import (
	"html"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/config"
	"crumb/internal/apptest"
	"crumb/models"
)

// TestTheBackOfficeNamesProductsInTheAdminsLanguage: an order's lines and
// the products low on stock are named in the admin's language, whatever
// language the shopper ordered in.
func TestTheBackOfficeNamesProductsInTheAdminsLanguage(t *testing.T) {
	ta := apptest.New(t)
	ko, en := koreanAdmin(t, ta), owner(t, ta)
	_, number := placeOrder(t, ta, "vic@example.com", "baguette", 2, "cod")
	ta.SetProduct("red-velvet-cake", "stock", 3)
	for _, c := range []struct {
		path  string
		words words
	}{
		{"/admin/orders/" + number, words{en: []string{"2 × Baguette"}, ko: []string{"2 × 바게트"}}},
		{"/admin", words{en: []string{">Red Velvet Cake</a>"}, ko: []string{">레드벨벳 케이크</a>"}}},
	} {
		for lang, b := range map[models.Language]*apptest.Browser{models.English: en, models.Korean: ko} {
			res := b.Get(c.path)
			if res.StatusCode != fiber.StatusOK {
				t.Fatalf("%s in %s = %d", c.path, lang, res.StatusCode)
			}
			speaks(t, c.path, lang, res.Text, c.words)
		}
	}
}

// TestThePriceMessageFollowsTheShopsCurrency: a price the product form
// refuses is explained with an example and a maximum in the shop's
// currency, the maximum written as the admin's language writes it; a shop
// in won asks for no cents.
func TestThePriceMessageFollowsTheShopsCurrency(t *testing.T) {
	for _, c := range []struct {
		currency string
		words    words
	}{
		{"USD", words{
			en: []string{"Enter a price such as 4.50, more than zero and at most $100,000.00."},
			ko: []string{"가격을 입력해 주세요(예: 4.50, 0보다 크고 US$100,000.00 이하)."},
		}},
		{"KRW", words{
			en: []string{"Enter a price such as 4500, more than zero and at most ₩10,000,000."},
			ko: []string{"가격을 입력해 주세요(예: 4500, 0보다 크고 10,000,000원 이하)."},
		}},
	} {
		t.Run(c.currency, func(t *testing.T) {
			ta := apptest.New(t, apptest.WithConfig(func(cfg *config.Config) { cfg.Currency = c.currency }))
			for lang, b := range map[models.Language]*apptest.Browser{models.English: owner(t, ta), models.Korean: koreanAdmin(t, ta)} {
				res := postMultipart(t, b, "/admin/products/new", productFields("Yakgwa", "yakgwa", "0", "10"), "", nil)
				if res.StatusCode != fiber.StatusUnprocessableEntity {
					t.Fatalf("a price of 0 in %s = %d", lang, res.StatusCode)
				}
				speaks(t, "the refused price", lang, res.Text, c.words)
				if c.currency == "KRW" && strings.Contains(html.UnescapeString(res.Text), "4.50") {
					t.Errorf("a shop in won asks %s admins for cents", lang)
				}
			}
		})
	}
}
