package sessions_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"crumb/cookies"
	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/sessions"
)

func TestDeviceLabel(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36":       "Chrome on Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86":         "Edge on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15":    "Safari on macOS",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile/15E148 Safari/604.1":   "Safari on iPhone",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36": "Chrome on Android",
		"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0":                                                "Firefox on Linux",
		"curl/8.5.0": "curl",
		"":           "Unknown browser",
	} {
		if got := sessions.DeviceLabel(ua); got != want {
			t.Errorf("DeviceLabel(%q) = %q, want %q", ua, got, want)
		}
	}
}

// TestSweep removes the devices-page entries of expired sessions and
// expired remember-me tokens, and keeps live ones.
func TestSweep(t *testing.T) {
	db := testkit.SQLite(t)
	clock := testkit.NewClock(testkit.Start)
	now := clock.Now()
	log := slog.New(slog.DiscardHandler)
	jar, err := cookies.NewJar(bytes.Repeat([]byte{1}, 32), false, clock.Now, log)
	if err != nil {
		t.Fatal(err)
	}
	users := models.NewUsers(db, testkit.Passwords)
	m := sessions.New(sessions.Config{
		Storage: database.NewStorage(db, clock.Now), DB: db, Users: users, Jar: jar, Now: clock.Now,
		Idle: 30 * time.Minute, Absolute: 12 * time.Hour, Log: log,
	})
	user, err := users.Create(context.Background(), "Ada", "ada@example.com", "rye-and-butter-42")
	if err != nil {
		t.Fatal(err)
	}
	db.Create(&[]sessions.WebSession{
		{KeyHash: "live", UserID: user.ID, ExpiresAt: now.Add(time.Minute)},
		{KeyHash: "gone", UserID: user.ID, ExpiresAt: now.Add(-time.Minute)},
	})
	db.Create(&[]sessions.RememberToken{
		{Selector: "live", UserID: user.ID, ExpiresAt: now.Add(time.Hour)},
		{Selector: "gone", UserID: user.ID, ExpiresAt: now.Add(-time.Hour)},
	})
	n, err := m.Sweep(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 removed", n, err)
	}
	var sessionsLeft, tokensLeft []string
	db.Model(&sessions.WebSession{}).Pluck("key_hash", &sessionsLeft)
	db.Model(&sessions.RememberToken{}).Pluck("selector", &tokensLeft)
	if len(sessionsLeft) != 1 || sessionsLeft[0] != "live" || len(tokensLeft) != 1 || tokensLeft[0] != "live" {
		t.Errorf("left: sessions %v, tokens %v", sessionsLeft, tokensLeft)
	}
}
