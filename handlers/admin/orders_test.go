package admin_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/internal/apptest"
	"crumb/models"
)

var orderNumber = regexp.MustCompile(`^/orders/(CR-[2-9A-HJKMNP-Z]{10})$`)

// placeOrder signs up a shopper, puts qty of slug in the cart and checks
// out; it returns the shopper and the order number.
func placeOrder(t *testing.T, ta *apptest.App, email, slug string, qty int, payment string) (*apptest.Browser, string) {
	t.Helper()
	b := ta.Browser()
	b.SignUpVerified("Shopper", email, apptest.Password, nil)
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID(slug)}, "quantity": {apptest.Itoa(uint(qty))}})
	tok := regexp.MustCompile(`name="checkout_token" value="([^"]+)"`).FindStringSubmatch(b.Get("/checkout").Text)[1]
	res := b.Post("/checkout", url.Values{"checkout_token": {tok}, "name": {"Pat Shopper"}, "phone": {"555 0100"}, "address1": {"1 Flour St"},
		"postal_code": {"10001"}, "country": {"US"}, "payment_method": {payment}})
	m := orderNumber.FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		t.Fatalf("checkout = %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	return b, m[1]
}

// TestOrderGoesThroughItsSteps: placed -> paid -> shipped -> delivered,
// each shown to the shopper on the web and in the app; any other move is
// refused with a message; every move is in the audit log.
func TestOrderGoesThroughItsSteps(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		shopper, number := placeOrder(t, ta, "quinn@example.com", "baguette", 2, "bank_transfer")
		if page := b.Get("/admin/orders?status=placed").Text; !strings.Contains(page, number) {
			t.Fatal("the new order is not among the placed ones")
		}
		if page := b.Get("/admin/orders?status=paid").Text; strings.Contains(page, number) {
			t.Fatal("the new order is among the paid ones")
		}
		move := func(to string) apptest.Response {
			return b.Post("/admin/orders/"+number+"/status", url.Values{"status": {to}})
		}
		if res := move("shipped"); res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "An order that is placed cannot become shipped") {
			t.Errorf("placed -> shipped = %d", res.StatusCode)
		}
		if res := move("lost"); res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "Choose one of the statuses offered") {
			t.Errorf("placed -> lost = %d", res.StatusCode)
		}
		pair := signInAppOf(t, ta, "quinn@example.com")
		for _, to := range []string{"paid", "shipped"} {
			if res := move(to); res.StatusCode != fiber.StatusSeeOther {
				t.Fatalf("-> %s = %d: %s", to, res.StatusCode, res.Text)
			}
			if page := shopper.Get("/orders/" + number).Text; !strings.Contains(page, `status-`+to+`">`+to) {
				t.Errorf("the shopper's order page does not say %s", to)
			}
			api := ta.Browser()
			api.Headers.Set("Authorization", "Bearer "+pair)
			if res := api.Get("/api/v1/orders/" + number); !strings.Contains(res.Text, `"status":"`+to+`"`) {
				t.Errorf("the app does not say %s: %s", to, res.Text)
			}
		}
		if res := move("cancelled"); res.StatusCode != fiber.StatusUnprocessableEntity {
			t.Errorf("shipped -> cancelled = %d, want refused", res.StatusCode)
		}
		if res := shopper.Post("/orders/"+number+"/cancel", nil); res.StatusCode != fiber.StatusConflict {
			t.Errorf("the shopper cancelling a shipped order = %d", res.StatusCode)
		}
		if mails := ta.MailTo("quinn@example.com", models.MailOrderShipped); len(mails) != 1 || !strings.Contains(mails[0], number) {
			t.Errorf("the shopper was sent %d emails saying the order is shipped", len(mails))
		}
		if res := move("delivered"); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("-> delivered = %d", res.StatusCode)
		}
		detail := b.Get("/admin/orders/" + number).Text
		if !strings.Contains(detail, "it has no next step") || strings.Contains(detail, "Mark ") {
			t.Error("a delivered order still offers moves")
		}
		audit := html.UnescapeString(b.Get("/admin/audit").Text)
		for _, step := range []string{"placed -> paid", "paid -> shipped", "shipped -> delivered"} {
			from, to, _ := strings.Cut(step, " -> ")
			if !regexp.MustCompile(`order\.status</td>\s*<td><a href="/admin/orders/` + number + `">` + number + `</a></td>\s*<td>` + from + `</td>\s*<td>` + to + `</td>`).MatchString(audit) {
				t.Errorf("the audit log lacks %s", step)
			}
		}
		if res := b.Get("/admin/orders/CR-2222222222"); res.StatusCode != fiber.StatusNotFound {
			t.Errorf("no such order = %d", res.StatusCode)
		}
	})
}

// TestCancellingReturnsStock: cancelling a paid order puts its items back.
func TestCancellingReturnsStock(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		_, number := placeOrder(t, ta, "rita@example.com", "lemon-tart", 3, "cod")
		if ta.Stock("lemon-tart") != 5 {
			t.Fatalf("stock after the order = %d, want 5", ta.Stock("lemon-tart"))
		}
		b.Post("/admin/orders/"+number+"/status", url.Values{"status": {"paid"}})
		if res := b.Post("/admin/orders/"+number+"/status", url.Values{"status": {"cancelled"}}); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("paid -> cancelled = %d", res.StatusCode)
		}
		if ta.Stock("lemon-tart") != 8 {
			t.Errorf("stock after cancelling = %d, want 8", ta.Stock("lemon-tart"))
		}
		if mails := ta.MailTo("rita@example.com", models.MailOrderCancelled); len(mails) != 1 || !strings.Contains(mails[0], number) {
			t.Errorf("the shopper was sent %d emails saying the order is cancelled", len(mails))
		}
		if !strings.Contains(ta.Get("/products/lemon-tart").Text, "Only 8 left") {
			t.Error("the shop does not show the stock returned")
		}
	})
}

// TestDashboard: today's orders and total, what waits for each step, and
// what is low on stock.
func TestDashboard(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		_, first := placeOrder(t, ta, "sam@example.com", "baguette", 2, "cod")    // $7.00
		_, second := placeOrder(t, ta, "tess@example.com", "pecan-pie", 2, "cod") // $52.00, leaves 4
		b.Post("/admin/orders/"+second+"/status", url.Values{"status": {"paid"}})
		page := html.UnescapeString(b.Get("/admin").Text)
		for _, want := range []string{`id="orders-today">2<`, `id="total-today">$59.00<`, "1 placed</a>, to be paid", "1 paid</a>, to be shipped",
			"0 shipped</a>, to be delivered", "Pecan Pie</a>: 4 left"} {
			if !strings.Contains(page, want) {
				t.Errorf("the dashboard lacks %q", want)
			}
		}
		// Tomorrow, in the store's time zone, today's count starts again.
		ta.Clock.Advance(24 * time.Hour)
		b = owner(t, ta) // the session of yesterday has ended
		if page := b.Get("/admin").Text; !strings.Contains(page, `id="orders-today">0<`) {
			t.Errorf("yesterday's orders are counted today: %s", regexp.MustCompile(`(?s)<main.*</main>`).FindString(page))
		}
		_ = first
	})
}
