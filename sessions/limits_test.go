package sessions

import (
	"testing"
	"time"

	"crumb/internal/testkit"
	"crumb/storage"
)

func TestLimits(t *testing.T) {
	db := testkit.SQLite(t)
	clock := testkit.NewClock(testkit.Start.Add(20 * time.Second))
	l := NewLimits(storage.NewKV(db, clock.Now), 3, clock.Now)
	for i := range 3 {
		if err := l.Attempt("signin", "192.0.2.1"); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	err := l.Attempt("signin", "192.0.2.1")
	limited, ok := err.(*TooManyAttempts)
	if !ok || limited.Wait != 40*time.Second {
		t.Fatalf("4th attempt = %v, want to wait the 40 s left of the minute", err)
	}
	if err := l.Attempt("signup", "192.0.2.1"); err != nil {
		t.Error("another kind of attempt was limited")
	}
	for range 3 {
		_ = l.SignInFailed("ivy@example.com", "192.0.2.1")
	}
	if err := l.SignInAllowed("ivy@example.com", "192.0.2.1"); err == nil {
		t.Error("3 failures for an account from one address did not limit it")
	}
	if err := l.SignInAllowed("ivy@example.com", "192.0.2.2"); err != nil {
		t.Errorf("another address was limited for the account: %v", err)
	}
	for i := range 27 { // 30 in all: the ceiling of ten times 3
		_ = l.SignInFailed("ivy@example.com", "198.51.100."+string(rune('a'+i)))
	}
	if err := l.SignInAllowed("ivy@example.com", "203.0.113.1"); err == nil {
		t.Error("30 failures from everywhere did not reach the account's ceiling")
	}
	clock.Advance(time.Minute)
	if err := l.SignInAllowed("ivy@example.com", "192.0.2.1"); err != nil {
		t.Errorf("still limited in the next minute: %v", err)
	}
}
