package api_test

import (
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/internal/apptest"
	"crumb/models"
)

// TestAPIOrderLinesInTheRequestLanguage: an order's lines are named in
// the language of Accept-Language wherever the app reads the order (as
// placed, listed, shown and cancelled); a line with no Korean name gives
// its English.
func TestAPIOrderLinesInTheRequestLanguage(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		u := newAppUser(t, ta, "Jiwoo")
		addToCartAPI(t, ta, u.pair.AccessToken, "baguette", 2)
		names := func(res apiResponse) []string {
			t.Helper()
			var o apiOrder
			res.decode(t, &o)
			var out []string
			for _, l := range o.Items {
				out = append(out, l.Name)
			}
			return out
		}
		want := func(what string, got []string, name string) {
			t.Helper()
			if len(got) != 1 || got[0] != name {
				t.Errorf("%s names its lines %q, want %q", what, got, name)
			}
		}

		res := call(ta, fiber.MethodPost, "/api/v1/orders", orderRequest("cod"), u.pair.AccessToken, inLanguage("ko"))
		if res.StatusCode != fiber.StatusCreated {
			t.Fatalf("place = %d: %s", res.StatusCode, res.Text)
		}
		var placed apiOrder
		res.decode(t, &placed)
		want("the order placed in Korean", names(res), "바게트")
		path := "/api/v1/orders/" + placed.ID
		want("the order in Korean", names(call(ta, fiber.MethodGet, path, nil, u.pair.AccessToken, inLanguage("ko"))), "바게트")
		want("the order in English", names(call(ta, fiber.MethodGet, path, nil, u.pair.AccessToken, inLanguage("en"))), "Baguette")

		var list struct{ Items []apiOrder }
		call(ta, fiber.MethodGet, "/api/v1/orders", nil, u.pair.AccessToken, inLanguage("ko")).decode(t, &list)
		if len(list.Items) != 1 || len(list.Items[0].Items) != 1 || list.Items[0].Items[0].Name != "바게트" {
			t.Errorf("the Korean order list: %+v", list.Items)
		}

		want("the order cancelled in Korean", names(call(ta, fiber.MethodPost, path+"/cancel", nil, u.pair.AccessToken, inLanguage("ko"))), "바게트")

		if err := ta.DB.Model(&models.OrderLine{}).Where("1 = 1").Update("name_ko", "").Error; err != nil {
			t.Fatal(err)
		}
		want("an order with no Korean names, in Korean", names(call(ta, fiber.MethodGet, path, nil, u.pair.AccessToken, inLanguage("ko"))), "Baguette")
	})
}
