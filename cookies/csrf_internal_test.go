package cookies

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// TestCSRFTokenNeedsTheKey checks that knowing a browser's secret is not
// enough to make a token: the SECRET_KEY is part of it.
func TestCSRFTokenNeedsTheKey(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 5, 14, 9, 30, 0, 0, time.UTC) }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ours, err := NewJar(bytes.Repeat([]byte{'a'}, 32), false, now, log)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := NewJar(bytes.Repeat([]byte{'b'}, 32), false, now, log)
	if err != nil {
		t.Fatal(err)
	}
	secret := bytes.Repeat([]byte{'s'}, csrfSecretLen)
	cookie := ours.Seal(CSRF, secret, time.Time{})

	app := fiber.New()
	app.Post("/", func(c *fiber.Ctx) error {
		return c.SendString(strconv.FormatBool(ours.CheckCSRF(c, "", c.Query("token"))))
	})
	for _, tt := range []struct {
		name  string
		token string
		want  bool
	}{
		{"made with the store's key", ours.csrfToken(secret, ""), true},
		{"made with another key", theirs.csrfToken(secret, ""), false},
	} {
		req := httptest.NewRequest("POST", "/?token="+tt.token, nil)
		req.Header.Set("Cookie", "crumb_csrf="+cookie)
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if got := string(body) == "true"; got != tt.want {
			t.Errorf("token %s: accepted = %v, want %v", tt.name, got, tt.want)
		}
	}
}
