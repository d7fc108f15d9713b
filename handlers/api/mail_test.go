package api_test

import (
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/internal/apptest"
	"crumb/models"
)

// TestAPIOrderIsConfirmedByEmail: an order placed in the app is emailed
// like one placed on the website, once however often it is retried.
func TestAPIOrderIsConfirmedByEmail(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Ana")
	addToCartAPI(t, ta, u.pair.AccessToken, "baguette", 2)
	var placed struct {
		ID string `json:"id"`
	}
	for range 2 { // a retry with the same key returns the same order
		res := placeOrderAPI(ta, u.pair.AccessToken, "order-key-1", orderRequest(string(models.PayByTransfer)))
		if res.StatusCode != fiber.StatusCreated {
			t.Fatalf("order = %d: %s", res.StatusCode, res.Text)
		}
		res.decode(t, &placed)
	}
	mail := ta.MailTo(u.email, models.MailOrderPlaced)
	if len(mail) != 1 {
		t.Fatalf("%d confirmations, want 1", len(mail))
	}
	for _, want := range []string{placed.ID, "2 × Baguette", "1 Flour St", "IBAN", "with reference " + placed.ID} {
		if !strings.Contains(mail[0], want) {
			t.Errorf("the confirmation lacks %q:\n%s", want, mail[0])
		}
	}
}
