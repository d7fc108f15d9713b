package handlers

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"

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

// readyToCheckout signs a shopper in with items in the cart and returns
// the checkout form's token and quote.
func readyToCheckout(t *testing.T, ta *testApp, b *browser, email string, items map[string]string) (string, string) {
	t.Helper()
	b.signUp("Ana Baker", email, testPassword, nil)
	for slug, qty := range items {
		if res := b.post("/cart/items", url.Values{"product_id": {ta.productID(slug)}, "quantity": {qty}}); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("add %s = %d", slug, res.StatusCode)
		}
	}
	page := b.get("/checkout")
	if page.StatusCode != 200 {
		t.Fatalf("checkout = %d", page.StatusCode)
	}
	return checkoutToken.FindStringSubmatch(page.body)[1], quoteField.FindStringSubmatch(page.body)[1]
}

func stockOf(t *testing.T, ta *testApp, slug string) int {
	t.Helper()
	var p models.Product
	ta.db.Where("slug = ?", slug).Take(&p)
	return p.Stock
}

func TestCheckoutNeedsSignIn(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	b.post("/cart/items", url.Values{"product_id": {ta.productID("baguette")}, "quantity": {"2"}})
	res := b.get("/checkout")
	if res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fcheckout" {
		t.Fatalf("guest checkout = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Signing in brings the guest cart along and returns to checkout.
	res = b.signUp("Bo", "bo@example.com", testPassword, url.Values{"next": {"/checkout"}})
	if res.Header.Get("Location") != "/checkout" {
		t.Fatalf("after sign-up: %q", res.Header.Get("Location"))
	}
	page := b.get("/checkout")
	for _, want := range []string{"2 × Baguette", "$7.00", `name="checkout_token"`, `value="cod"`, `value="bank_transfer"`, "Place order"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("checkout lacks %q", want)
		}
	}
	if page.Header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("checkout Cache-Control = %q", page.Header.Get("Cache-Control"))
	}
}

func TestPlaceOrder(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	token, quote := readyToCheckout(t, ta, b, "cy@example.com", map[string]string{"baguette": "2", "carrot-cake": "1"})
	before := stockOf(t, ta, "carrot-cake")

	res := b.post("/checkout", shipping(token, quote))
	m := orderNumber.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != fiber.StatusSeeOther || m == nil {
		t.Fatalf("place order = %d to %q: %s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	page := b.get("/orders/" + m[1])
	for _, want := range []string{"Order " + m[1], "2 × Baguette", "1 × Carrot Cake", "$39.00", "Ana Baker", "1 Flour St", "10001", "placed", "cash on delivery", "Cancel this order"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
	if stockOf(t, ta, "carrot-cake") != before-1 {
		t.Error("stock not decremented")
	}
	if cart := b.get("/cart"); !strings.Contains(cart.body, "Your cart is empty") {
		t.Error("the cart was not emptied")
	}
	// The catalog shown to shoppers follows the change.
	if p, _ := ta.catalog.ProductBySlug("carrot-cake"); p.Stock != before-1 {
		t.Error("catalog snapshot not refreshed after checkout")
	}
	// Prices paid are kept even if the price changes later.
	ta.db.Model(&models.Product{}).Where("slug = ?", "baguette").Update("price_amount", 999)
	if page := b.get("/orders/" + m[1]); !strings.Contains(page.body, "$39.00") {
		t.Error("order total changed with the catalog price")
	}
	if list := b.get("/orders"); !strings.Contains(list.body, m[1]) {
		t.Error("order missing from /orders")
	}
	if account := b.get("/account"); !strings.Contains(account.body, m[1]) {
		t.Error("order missing from the account page")
	}
}

func TestSameCheckoutTokenGivesOneOrder(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	token, quote := readyToCheckout(t, ta, b, "di@example.com", map[string]string{"pecan-pie": "2"})
	before := stockOf(t, ta, "pecan-pie")
	csrf := b.csrf()
	form := shipping(token, quote)
	form.Set("_csrf", csrf)

	var wg sync.WaitGroup
	locations := make([]string, 5)
	for i := range locations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := b.post("/checkout", form)
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
	if res := b.post("/checkout", form); res.Header.Get("Location") != locations[0] {
		t.Errorf("resubmit went to %q", res.Header.Get("Location"))
	}
	var orders int64
	ta.db.Model(&models.Order{}).Count(&orders)
	if orders != 1 || stockOf(t, ta, "pecan-pie") != before-2 {
		t.Errorf("%d orders, stock %d (was %d)", orders, stockOf(t, ta, "pecan-pie"), before)
	}
}

func TestCheckoutValidation(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
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
		res := b.post("/checkout", form)
		if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.body, tt.message) {
			t.Errorf("%s=%q: %d, message %q missing", tt.field, tt.value, res.StatusCode, tt.message)
		}
		if tt.field != "address1" && !strings.Contains(res.body, `value="1 Flour St"`) || !strings.Contains(res.body, `value="Flat 3"`) {
			t.Errorf("%s: the shopper's input was lost", tt.field)
		}
	}
	var orders int64
	ta.db.Model(&models.Order{}).Count(&orders)
	if orders != 0 {
		t.Errorf("%d orders from invalid forms", orders)
	}
}

func TestCheckoutConflicts(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	token, quote := readyToCheckout(t, ta, b, "fi@example.com", map[string]string{"red-velvet-cake": "3", "lemon-tart": "1", "focaccia": "1"})
	ta.db.Model(&models.Product{}).Where("slug = ?", "red-velvet-cake").Update("stock", 2)
	ta.db.Model(&models.Product{}).Where("slug = ?", "lemon-tart").Update("price_amount", 2450)
	ta.db.Model(&models.Product{}).Where("slug = ?", "focaccia").Update("stock", 0)
	stockBefore := stockOf(t, ta, "lemon-tart")

	res := b.post("/checkout", shipping(token, quote))
	if res.StatusCode != fiber.StatusConflict {
		t.Fatalf("status = %d, want 409", res.StatusCode)
	}
	for _, want := range []string{"Only 2 of Red Velvet Cake left; you asked for 3", "Lemon Tart now costs $24.50 (it was $22.00)", "Rosemary Focaccia is sold out", `value="1 Flour St"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("conflict page lacks %q", want)
		}
	}
	var orders int64
	ta.db.Model(&models.Order{}).Count(&orders)
	if orders != 0 || stockOf(t, ta, "lemon-tart") != stockBefore {
		t.Error("something was written despite the conflict")
	}
	if cart := b.get("/cart"); !strings.Contains(cart.body, "Red Velvet Cake") {
		t.Error("the cart was lost")
	}
}

func TestOrdersBelongToTheirOwner(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.browser()
	token, quote := readyToCheckout(t, ta, owner, "gi@example.com", map[string]string{"macarons": "1"})
	number := orderNumber.FindStringSubmatch(owner.post("/checkout", shipping(token, quote)).Header.Get("Location"))[1]

	other := ta.browser()
	other.signUp("Hu", "hu@example.com", testPassword, nil)
	for _, res := range []response{other.get("/orders/" + number), other.post("/orders/"+number+"/cancel", nil), other.get("/orders/CR-2222222222")} {
		if res.StatusCode != fiber.StatusNotFound || !strings.Contains(res.body, "Page not found") {
			t.Errorf("another account's order = %d", res.StatusCode)
		}
	}
	if list := other.get("/orders"); strings.Contains(list.body, number) {
		t.Error("another account lists the order")
	}
}

func TestCancelOrderReturnsStock(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	before := stockOf(t, ta, "cinnamon-roll")
	token, quote := readyToCheckout(t, ta, b, "io@example.com", map[string]string{"cinnamon-roll": "4"})
	number := orderNumber.FindStringSubmatch(b.post("/checkout", shipping(token, quote)).Header.Get("Location"))[1]
	if stockOf(t, ta, "cinnamon-roll") != before-4 {
		t.Fatal("stock not taken")
	}
	if res := b.post("/orders/"+number+"/cancel", nil); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("cancel = %d", res.StatusCode)
	}
	page := b.get("/orders/" + number)
	if !strings.Contains(page.body, "cancelled") || strings.Contains(page.body, "Cancel this order") {
		t.Error("order not shown as cancelled")
	}
	if stockOf(t, ta, "cinnamon-roll") != before {
		t.Error("stock not returned")
	}
	if res := b.post("/orders/"+number+"/cancel", nil); res.StatusCode != fiber.StatusConflict || stockOf(t, ta, "cinnamon-roll") != before {
		t.Errorf("second cancel = %d, stock %d", res.StatusCode, stockOf(t, ta, "cinnamon-roll"))
	}
	ta.db.Model(&models.Order{}).Where("number = ?", number).Update("status", models.StatusShipped)
	if res := b.post("/orders/"+number+"/cancel", nil); res.StatusCode != fiber.StatusConflict || !strings.Contains(res.body, "already shipped") {
		t.Errorf("cancelling a shipped order = %d", res.StatusCode)
	}
}

func TestOrdersArePaginated(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	b.signUp("Jo", "jo@example.com", testPassword, nil)
	var numbers []string
	for range 12 {
		b.post("/cart/items", url.Values{"product_id": {ta.productID("pretzel")}, "quantity": {"1"}})
		page := b.get("/checkout")
		res := b.post("/checkout", shipping(checkoutToken.FindStringSubmatch(page.body)[1], quoteField.FindStringSubmatch(page.body)[1]))
		numbers = append(numbers, orderNumber.FindStringSubmatch(res.Header.Get("Location"))[1])
	}
	first := b.get("/orders")
	if !strings.Contains(first.body, "Page 1 of 2") || !strings.Contains(first.body, numbers[11]) || strings.Contains(first.body, numbers[0]) {
		t.Error("first page is not the newest ten")
	}
	if second := b.get("/orders?page=2"); !strings.Contains(second.body, numbers[0]) || !strings.Contains(second.body, numbers[1]) {
		t.Error("second page lacks the oldest orders")
	}
	if strings.Index(first.body, numbers[11]) > strings.Index(first.body, numbers[10]) {
		t.Error("orders are not newest first")
	}
}
