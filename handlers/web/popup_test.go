package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"crumb/internal/apptest"

	"github.com/gofiber/fiber/v2"
)

func TestPopupHiddenUntilLocalMidnight(t *testing.T) {
	tests := []struct {
		name     string
		now      time.Time // when the shopper clicks
		tz       string
		midnight string // the next local midnight, RFC 3339
	}{
		{"Seoul evening", time.Date(2026, 6, 10, 13, 30, 0, 0, time.UTC), "Asia/Seoul", "2026-06-11T00:00:00+09:00"},
		{"Seoul just after midnight", time.Date(2026, 6, 10, 15, 5, 0, 0, time.UTC), "Asia/Seoul", "2026-06-12T00:00:00+09:00"},
		{"New York afternoon", time.Date(2026, 6, 10, 19, 0, 0, 0, time.UTC), "America/New_York", "2026-06-11T00:00:00-04:00"},
		{"New York on the day DST starts", time.Date(2026, 3, 8, 15, 0, 0, 0, time.UTC), "America/New_York", "2026-03-09T00:00:00-04:00"},
		{"New York on the day DST ends", time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC), "America/New_York", "2026-11-02T00:00:00-05:00"},
		{"no zone: the store's (New York)", time.Date(2026, 6, 10, 19, 0, 0, 0, time.UTC), "", "2026-06-11T00:00:00-04:00"},
		{"invalid zone: the store's", time.Date(2026, 6, 10, 19, 0, 0, 0, time.UTC), "Mars/Olympus_Mons", "2026-06-11T00:00:00-04:00"},
		{"path-like zone: the store's", time.Date(2026, 6, 10, 19, 0, 0, 0, time.UTC), "../../etc/passwd", "2026-06-11T00:00:00-04:00"},
		{"Local is not a shopper's zone", time.Date(2026, 6, 10, 19, 0, 0, 0, time.UTC), "Local", "2026-06-11T00:00:00-04:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := apptest.New(t)
			ta.Clock.Set(tt.now)
			b := ta.Browser()
			if page := b.Get("/"); !strings.Contains(page.Text, `id="todays-offer"`) {
				t.Fatal("the offer is not shown before dismissing")
			}
			res := b.Post("/popup/dismiss", url.Values{"tz": {tt.tz}})
			if res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Location") != "/" {
				t.Fatalf("dismiss = %d to %q", res.StatusCode, res.Header.Get("Location"))
			}
			ck := b.Cookies["crumb_popup_hidden"]
			if ck == nil {
				t.Fatal("no crumb_popup_hidden cookie")
			}
			midnight, _ := time.Parse(time.RFC3339, tt.midnight)
			if want := int(midnight.Sub(tt.now).Seconds()); ck.MaxAge != want {
				t.Errorf("Max-Age = %d s, want %d s (until %s)", ck.MaxAge, want, tt.midnight)
			}
			if !ck.HttpOnly || ck.SameSite != 2 {
				t.Errorf("popup cookie flags: httponly %v samesite %v", ck.HttpOnly, ck.SameSite)
			}

			ta.Clock.Set(midnight.Add(-time.Second))
			if page := b.Get("/"); strings.Contains(page.Text, `id="todays-offer"`) {
				t.Error("the offer is back before midnight")
			}
			// Even a browser that keeps the cookie too long sees the offer after midnight.
			ta.Clock.Set(midnight)
			if page := b.Get("/"); !strings.Contains(page.Text, `id="todays-offer"`) {
				t.Error("the offer is still hidden at midnight")
			}
		})
	}
}

func TestPopupDismissWithScript(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.Headers.Set("Accept", "application/json")
	if res := b.Post("/popup/dismiss", url.Values{"tz": {"Asia/Seoul"}}); res.StatusCode != fiber.StatusNoContent {
		t.Fatalf("dismiss with script = %d, want 204", res.StatusCode)
	}
	if page := b.Get("/"); strings.Contains(page.Text, `id="todays-offer"`) {
		t.Error("the offer still shows")
	}
}

func TestPopupCloseOnlyHidesThisView(t *testing.T) {
	ta := apptest.New(t)
	page := ta.Get("/")
	// Close is a dialog form: the browser closes it, nothing reaches the server.
	if !strings.Contains(page.Text, `<form method="dialog">`) {
		t.Fatal("the offer has no plain close")
	}
	if !strings.Contains(ta.Get("/").Text, `id="todays-offer"`) {
		t.Error("the offer is gone on the next view")
	}
}
