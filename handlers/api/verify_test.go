package api_test

import (
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/api"
	"crumb/internal/apptest"
	"crumb/models"
)

// An account that has not followed its verification link places no order
// from the app either: a 403 problem of a documented type, and the link
// again on request.
func TestAPIOrderNeedsAVerifiedEmail(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		web := ta.Browser()
		web.SignUp("Ana", "ana@example.com", apptest.Password, nil)
		pair := signInApp(t, ta, "ana@example.com", apptest.Password)

		var me struct {
			Email    string `json:"email"`
			Verified bool   `json:"email_verified"`
		}
		call(ta, fiber.MethodGet, "/api/v1/me", nil, pair.AccessToken).decode(t, &me)
		if me.Email != "ana@example.com" || me.Verified {
			t.Errorf("/me = %+v; want the email, not verified", me)
		}

		before := ta.Stock("carrot-cake")
		addToCartAPI(t, ta, pair.AccessToken, "carrot-cake", 2)
		p := placeOrderAPI(ta, pair.AccessToken, "order-1", orderRequest(string(models.PayOnDelivery))).problem(t, fiber.StatusForbidden)
		if p.Type != api.ProblemEmailUnverified || !strings.Contains(p.Detail, "confirm your email address") {
			t.Errorf("problem %+v", p)
		}
		if ta.Stock("carrot-cake") != before || len(cartAPI(t, ta, pair.AccessToken).Items) != 1 {
			t.Error("the refused order took stock or emptied the cart")
		}
		if res := call(ta, fiber.MethodGet, "/api/v1/orders", nil, pair.AccessToken); !strings.Contains(res.Text, `"total":0`) {
			t.Errorf("orders after the refusal: %s", res.Text)
		}

		// The app asks for the link again; the shopper follows it on the web.
		res := call(ta, fiber.MethodPost, "/api/v1/me/verification", nil, pair.AccessToken)
		var accepted struct {
			Verified bool   `json:"email_verified"`
			Detail   string `json:"detail"`
		}
		res.decode(t, &accepted)
		if res.StatusCode != fiber.StatusAccepted || accepted.Verified || !strings.Contains(accepted.Detail, "A new link is on its way to ana@example.com") {
			t.Errorf("asking for the link = %d: %s", res.StatusCode, res.Text)
		}
		if n := len(ta.MailTo("ana@example.com", models.MailVerifyEmail)); n != 2 {
			t.Errorf("%d verification emails, want 2 (sign-up and the app's ask)", n)
		}
		ta.Browser().VerifyEmail("ana@example.com")

		call(ta, fiber.MethodGet, "/api/v1/me", nil, pair.AccessToken).decode(t, &me)
		if !me.Verified {
			t.Error("/me does not say the email is verified")
		}
		if res := placeOrderAPI(ta, pair.AccessToken, "order-1", orderRequest(string(models.PayOnDelivery))); res.StatusCode != fiber.StatusCreated {
			t.Fatalf("the order once verified = %d: %s", res.StatusCode, res.Text)
		}
		if ta.Stock("carrot-cake") != before-2 {
			t.Error("the order did not take its stock")
		}
		res = call(ta, fiber.MethodPost, "/api/v1/me/verification", nil, pair.AccessToken)
		res.decode(t, &accepted)
		if res.StatusCode != fiber.StatusAccepted || !accepted.Verified {
			t.Errorf("asking once verified = %d: %s", res.StatusCode, res.Text)
		}
	})
}

// The type is part of the API: apps compare it as written in openapi.json.
func TestEmailUnverifiedTypeIsStable(t *testing.T) {
	if api.ProblemEmailUnverified != "urn:crumb:problem:email-unverified" {
		t.Errorf("ProblemEmailUnverified = %q", api.ProblemEmailUnverified)
	}
}

func TestAPIResendIsLimited(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("Ana", "ana@example.com", apptest.Password, nil)
	pair := signInApp(t, ta, "ana@example.com", apptest.Password)
	var details []string
	for range 4 {
		res := call(ta, fiber.MethodPost, "/api/v1/me/verification", nil, pair.AccessToken)
		if res.StatusCode != fiber.StatusAccepted {
			t.Fatalf("ask = %d: %s", res.StatusCode, res.Text)
		}
		details = append(details, res.Text)
	}
	for _, d := range details {
		if d != details[0] {
			t.Errorf("the answers differ once the hourly limit is reached: %q", details)
		}
	}
	if n := len(ta.MailTo("ana@example.com", models.MailVerifyEmail)); n != models.LinkMailsPerHour {
		t.Errorf("%d verification emails, want %d", n, models.LinkMailsPerHour)
	}
	for range 6 {
		call(ta, fiber.MethodPost, "/api/v1/me/verification", nil, pair.AccessToken)
	}
	res := call(ta, fiber.MethodPost, "/api/v1/me/verification", nil, pair.AccessToken)
	res.problem(t, fiber.StatusTooManyRequests)
}
