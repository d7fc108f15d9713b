package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/internal/apptest"
	"crumb/models"
)

var (
	checkoutToken = regexp.MustCompile(`name="checkout_token" value="([0-9a-f]+)"`)
	quoteField    = regexp.MustCompile(`name="quote" value="([0-9:,]*)"`)
	orderNumber   = regexp.MustCompile(`^/orders/(CR-[2-9A-HJKMNP-Z]{10})$`)
)

func shipping(token, quote string) url.Values {
	return url.Values{
		"name": {"Ana Baker"}, "phone": {"+1 555 0100"}, "address1": {"1 Flour St"}, "address2": {""},
		"postal_code": {"10001"}, "country": {"US"}, "payment_method": {"cod"},
		"checkout_token": {token}, "quote": {quote},
	}
}

// readyToCheckout signs a shopper up (following the link that verifies
// the email) with items in the cart and returns the checkout form's token
// and quote.
func readyToCheckout(t *testing.T, ta *apptest.App, b *apptest.Browser, email string, items map[string]string) (string, string) {
	t.Helper()
	b.SignUpVerified("Ana Baker", email, apptest.Password, nil)
	for slug, qty := range items {
		if res := b.Post("/cart/items", url.Values{"product_id": {ta.ProductID(slug)}, "quantity": {qty}}); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("add %s = %d", slug, res.StatusCode)
		}
	}
	page := b.Get("/checkout")
	if page.StatusCode != 200 {
		t.Fatalf("checkout = %d", page.StatusCode)
	}
	return checkoutToken.FindStringSubmatch(page.Text)[1], quoteField.FindStringSubmatch(page.Text)[1]
}

func TestCheckoutNeedsSignIn(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"2"}})
	res := b.Get("/checkout")
	if res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fcheckout" {
		t.Fatalf("guest checkout = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Signing in brings the guest cart along and returns to checkout.
	res = b.SignUp("Bo", "bo@example.com", apptest.Password, url.Values{"next": {"/checkout"}})
	if res.Header.Get("Location") != "/checkout" {
		t.Fatalf("after sign-up: %q", res.Header.Get("Location"))
	}
	// A new account confirms its email first, then orders.
	if page := b.Get("/checkout"); !strings.Contains(page.Text, "2 × Baguette") || strings.Contains(page.Text, "Place order") {
		t.Errorf("an unverified account's checkout shows the form, or not the cart:\n%s", page.Text)
	}
	b.VerifyEmail("bo@example.com")
	page := b.Get("/checkout")
	for _, want := range []string{"2 × Baguette", "$7.00", `name="checkout_token"`, `value="cod"`, `value="bank_transfer"`, "Place order"} {
		if !strings.Contains(page.Text, want) {
			t.Errorf("checkout lacks %q", want)
		}
	}
	if page.Header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("checkout Cache-Control = %q", page.Header.Get("Cache-Control"))
	}
}

func TestPlaceOrder(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	token, quote := readyToCheckout(t, ta, b, "cy@example.com", map[string]string{"baguette": "2", "carrot-cake": "1"})
	before := ta.Stock("carrot-cake")

	res := b.Post("/checkout", shipping(token, quote))
	m := orderNumber.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != fiber.StatusSeeOther || m == nil {
		t.Fatalf("place order = %d to %q: %s", res.StatusCode, res.Header.Get("Location"), res.Text)
	}
	page := b.Get("/orders/" + m[1])
	for _, want := range []string{"Order " + m[1], "2 × Baguette", "1 × Carrot Cake", "$39.00", "Ana Baker", "1 Flour St", "10001", "placed", "cash on delivery", "Cancel this order"} {
		if !strings.Contains(page.Text, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
	if ta.Stock("carrot-cake") != before-1 {
		t.Error("stock not decremented")
	}
	if cart := b.Get("/cart"); !strings.Contains(cart.Text, "Your cart is empty") {
		t.Error("the cart was not emptied")
	}
	// The catalog shown to shoppers follows the change.
	if p, _ := ta.Catalog.ProductBySlug("carrot-cake"); p.Stock != before-1 {
		t.Error("catalog snapshot not refreshed after checkout")
	}
	// Prices paid are kept even if the price changes later.
	ta.SetProduct("baguette", "price_amount", 999)
	if page := b.Get("/orders/" + m[1]); !strings.Contains(page.Text, "$39.00") {
		t.Error("order total changed with the catalog price")
	}
	if list := b.Get("/orders"); !strings.Contains(list.Text, m[1]) {
		t.Error("order missing from /orders")
	}
	if account := b.Get("/account"); !strings.Contains(account.Text, m[1]) {
		t.Error("order missing from the account page")
	}
}

func TestSameCheckoutTokenGivesOneOrder(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	token, quote := readyToCheckout(t, ta, b, "di@example.com", map[string]string{"pecan-pie": "2"})
	before := ta.Stock("pecan-pie")
	csrf := b.CSRF()
	form := shipping(token, quote)
	form.Set("_csrf", csrf)

	var wg sync.WaitGroup
	locations := make([]string, 5)
	for i := range locations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := b.Post("/checkout", form)
			locations[i] = res.Header.Get("Location")
		}()
	}
	wg.Wait()
	for _, loc := range locations {
		if loc != locations[0] || orderNumber.FindStringSubmatch(loc) == nil {
			t.Fatalf("double submits went to %v", locations)
		}
	}
	// Back and resubmit later, even with another address: the same order.
	form.Set("address1", "2 Yeast Ave")
	if res := b.Post("/checkout", form); res.Header.Get("Location") != locations[0] {
		t.Errorf("resubmit went to %q", res.Header.Get("Location"))
	}
	var orders int64
	ta.DB.Model(&models.Order{}).Count(&orders)
	if orders != 1 || ta.Stock("pecan-pie") != before-2 {
		t.Errorf("%d orders, stock %d (was %d)", orders, ta.Stock("pecan-pie"), before)
	}
}

func TestCheckoutValidation(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	token, quote := readyToCheckout(t, ta, b, "ed@example.com", map[string]string{"brioche": "1"})
	tests := []struct{ field, value, message string }{
		{"name", " ", "Enter the name"},
		{"phone", "call me", "phone number"},
		{"phone", "12", "phone number"},
		{"address1", "", "street address"},
		{"postal_code", "!", "postal code"},
		{"country", "XX", "country we deliver to"},
		{"payment_method", "card", "cash on delivery or bank transfer"},
		{"checkout_token", "short", "out of date"},
	}
	for _, tt := range tests {
		form := shipping(token, quote)
		form.Set("address2", "Flat 3")
		form.Set(tt.field, tt.value)
		res := b.Post("/checkout", form)
		if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, tt.message) {
			t.Errorf("%s=%q: %d, message %q missing", tt.field, tt.value, res.StatusCode, tt.message)
		}
		if tt.field != "address1" && !strings.Contains(res.Text, `value="1 Flour St"`) || !strings.Contains(res.Text, `value="Flat 3"`) {
			t.Errorf("%s: the shopper's input was lost", tt.field)
		}
	}
	var orders int64
	ta.DB.Model(&models.Order{}).Count(&orders)
	if orders != 0 {
		t.Errorf("%d orders from invalid forms", orders)
	}
}

// TestCheckoutRefusesUntypableShipping: a NUL (a 500 on Postgres once),
// a control character or invalid UTF-8 in any shipping field is a 422
// naming that field, the rest of the form kept, and places no order.
func TestCheckoutRefusesUntypableShipping(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := ta.Browser()
		token, quote := readyToCheckout(t, ta, b, "nul@example.com", map[string]string{"brioche": "1"})
		for _, field := range []string{"name", "phone", "address1", "address2", "postal_code"} {
			for _, bad := range []string{"1\x00", "1\a", "1\r\n2", "\x1b[2J1", "1\xff", strings.Repeat("1", 201)} {
				form := shipping(token, quote)
				form.Set("address2", "Flat 3")
				form.Set(field, form.Get(field)+bad)
				res := b.Post("/checkout", form)
				if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, `id="`+field+`-error"`) {
					t.Errorf("%s=%q: %d, without an error on the field", field, form.Get(field), res.StatusCode)
				}
				if field != "address1" && !strings.Contains(res.Text, `value="1 Flour St"`) {
					t.Errorf("%s=%q: the shopper's input was lost", field, form.Get(field))
				}
			}
		}
		form := shipping(token, quote)
		form.Set("checkout_token", strings.Repeat("a", 20)+"\x00")
		if res := b.Post("/checkout", form); res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "out of date") {
			t.Errorf("a checkout token with a NUL = %d", res.StatusCode)
		}
		var orders int64
		ta.DB.Model(&models.Order{}).Count(&orders)
		if orders != 0 {
			t.Errorf("%d orders from untypable forms", orders)
		}
	})
}

func TestCheckoutConflicts(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	token, quote := readyToCheckout(t, ta, b, "fi@example.com", map[string]string{"red-velvet-cake": "3", "lemon-tart": "1", "focaccia": "1"})
	ta.SetProduct("red-velvet-cake", "stock", 2)
	ta.SetProduct("lemon-tart", "price_amount", 2450)
	ta.SetProduct("focaccia", "stock", 0)
	stockBefore := ta.Stock("lemon-tart")

	res := b.Post("/checkout", shipping(token, quote))
	if res.StatusCode != fiber.StatusConflict {
		t.Fatalf("status = %d, want 409", res.StatusCode)
	}
	for _, want := range []string{"Only 2 of Red Velvet Cake left; you asked for 3", "Lemon Tart now costs $24.50 (it was $22.00)", "Rosemary Focaccia is sold out", `value="1 Flour St"`} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("conflict page lacks %q", want)
		}
	}
	var orders int64
	ta.DB.Model(&models.Order{}).Count(&orders)
	if orders != 0 || ta.Stock("lemon-tart") != stockBefore {
		t.Error("something was written despite the conflict")
	}
	if cart := b.Get("/cart"); !strings.Contains(cart.Text, "Red Velvet Cake") {
		t.Error("the cart was lost")
	}
}

func TestOrdersBelongToTheirOwner(t *testing.T) {
	ta := apptest.New(t)
	owner := ta.Browser()
	token, quote := readyToCheckout(t, ta, owner, "gi@example.com", map[string]string{"macarons": "1"})
	number := orderNumber.FindStringSubmatch(owner.Post("/checkout", shipping(token, quote)).Header.Get("Location"))[1]

	other := ta.Browser()
	other.SignUp("Hu", "hu@example.com", apptest.Password, nil)
	for _, res := range []apptest.Response{other.Get("/orders/" + number), other.Post("/orders/"+number+"/cancel", nil), other.Get("/orders/CR-2222222222")} {
		if res.StatusCode != fiber.StatusNotFound || !strings.Contains(res.Text, "Page not found") {
			t.Errorf("another account's order = %d", res.StatusCode)
		}
	}
	if list := other.Get("/orders"); strings.Contains(list.Text, number) {
		t.Error("another account lists the order")
	}
}

func TestCancelOrderReturnsStock(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	before := ta.Stock("cinnamon-roll")
	token, quote := readyToCheckout(t, ta, b, "io@example.com", map[string]string{"cinnamon-roll": "4"})
	number := orderNumber.FindStringSubmatch(b.Post("/checkout", shipping(token, quote)).Header.Get("Location"))[1]
	if ta.Stock("cinnamon-roll") != before-4 {
		t.Fatal("stock not taken")
	}
	if res := b.Post("/orders/"+number+"/cancel", nil); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("cancel = %d", res.StatusCode)
	}
	page := b.Get("/orders/" + number)
	if !strings.Contains(page.Text, "cancelled") || strings.Contains(page.Text, "Cancel this order") {
		t.Error("order not shown as cancelled")
	}
	if ta.Stock("cinnamon-roll") != before {
		t.Error("stock not returned")
	}
	if res := b.Post("/orders/"+number+"/cancel", nil); res.StatusCode != fiber.StatusConflict || ta.Stock("cinnamon-roll") != before {
		t.Errorf("second cancel = %d, stock %d", res.StatusCode, ta.Stock("cinnamon-roll"))
	}
	ta.DB.Model(&models.Order{}).Where("number = ?", number).Update("status", models.StatusShipped)
	if res := b.Post("/orders/"+number+"/cancel", nil); res.StatusCode != fiber.StatusConflict || !strings.Contains(res.Text, "already shipped") {
		t.Errorf("cancelling a shipped order = %d", res.StatusCode)
	}
}

func TestOrdersArePaginated(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUpVerified("Jo", "jo@example.com", apptest.Password, nil)
	var numbers []string
	for range 12 {
		b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("pretzel")}, "quantity": {"1"}})
		page := b.Get("/checkout")
		res := b.Post("/checkout", shipping(checkoutToken.FindStringSubmatch(page.Text)[1], quoteField.FindStringSubmatch(page.Text)[1]))
		numbers = append(numbers, orderNumber.FindStringSubmatch(res.Header.Get("Location"))[1])
	}
	first := b.Get("/orders")
	if !strings.Contains(first.Text, "Page 1 of 2") || !strings.Contains(first.Text, numbers[11]) || strings.Contains(first.Text, numbers[0]) {
		t.Error("first page is not the newest ten")
	}
	if second := b.Get("/orders?page=2"); !strings.Contains(second.Text, numbers[0]) || !strings.Contains(second.Text, numbers[1]) {
		t.Error("second page lacks the oldest orders")
	}
	if strings.Index(first.Text, numbers[11]) > strings.Index(first.Text, numbers[10]) {
		t.Error("orders are not newest first")
	}
}
