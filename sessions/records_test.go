package sessions

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/internal/testkit"
)

func TestWebSessions(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := webSessions{db}
		now := testkit.Start
		for _, row := range []WebSession{
			{KeyHash: "a", UserID: 1, LastSeenAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)},
			{KeyHash: "b", UserID: 1, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
			{KeyHash: "c", UserID: 1, LastSeenAt: now, ExpiresAt: now.Add(-time.Second)},
			{KeyHash: "d", UserID: 2, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
		} {
			if err := s.create(ctx, row); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.list(ctx, 1, now)
		if err != nil || len(list) != 2 || list[0].KeyHash != "b" || list[1].KeyHash != "a" {
			t.Errorf("list = %+v, %v; want the live ones, most recent first", list, err)
		}
		if live, _ := s.touch(ctx, "a", now, now.Add(2*time.Hour)); !live {
			t.Error("touching a live session found no row")
		}
		if keys, _ := s.keys(ctx, 1, "a"); len(keys) != 2 {
			t.Errorf("keys but a = %v", keys)
		}
		if ok, _ := s.delete(ctx, 2, "a"); ok {
			t.Error("deleted another user's session")
		}
		if ok, _ := s.delete(ctx, 1, "a"); !ok {
			t.Error("could not delete a session of the user")
		}
		if live, _ := s.touch(ctx, "a", now, now.Add(time.Hour)); live {
			t.Error("touching a deleted session found a row")
		}
		if n, _ := s.sweep(ctx, now); n != 1 {
			t.Errorf("sweep removed %d, want the expired one", n)
		}
	})
}

func TestRememberTokens(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := rememberTokens{db}
		now := testkit.Start
		tok := RememberToken{Selector: "sel", ValidatorHash: "v1", UserID: 1, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.create(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if err := s.create(ctx, RememberToken{Selector: "sel", ValidatorHash: "x", UserID: 2}); err == nil {
			t.Error("two tokens with one selector")
		}
		got, ok, err := s.live(ctx, "sel", now)
		if err != nil || !ok || got.ValidatorHash != "v1" {
			t.Fatalf("live = %+v, %v, %v", got, ok, err)
		}
		if _, ok, _ := s.live(ctx, "sel", now.Add(time.Hour)); ok {
			t.Error("an expired token is live")
		}
		if won, _ := s.rotate(ctx, got, "v2", "192.0.2.1", now, now.Add(time.Hour)); !won {
			t.Fatal("the first rotation lost")
		}
		if won, _ := s.rotate(ctx, got, "v3", "192.0.2.1", now, now.Add(time.Hour)); won {
			t.Error("a second rotation from the same validator won")
		}
		after, _, _ := s.byID(ctx, got.ID)
		if after.ValidatorHash != "v2" || after.PreviousHash != "v1" || after.IP != "192.0.2.1" {
			t.Errorf("after rotating: %+v", after)
		}
		_ = s.create(ctx, RememberToken{Selector: "keep", ValidatorHash: "k", UserID: 1, ExpiresAt: now.Add(time.Hour)})
		_ = s.create(ctx, RememberToken{Selector: "theirs", ValidatorHash: "t", UserID: 2, ExpiresAt: now.Add(time.Hour)})
		if err := s.deleteAll(ctx, 1, "keep"); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.list(ctx, 1, now); len(list) != 1 || list[0].Selector != "keep" {
			t.Errorf("after deleting all but keep: %+v", list)
		}
		if list, _ := s.list(ctx, 2, now); len(list) != 1 {
			t.Error("deleting one user's tokens took another's")
		}
		if ok, _ := s.deleteOne(ctx, 2, list1(t, s, 1)); ok {
			t.Error("deleted another user's token by id")
		}
		if ok, _ := s.deleteOne(ctx, 1, list1(t, s, 1)); !ok {
			t.Error("could not delete the user's own token by id")
		}
	})
}

func list1(t *testing.T, s rememberTokens, userID uint) uint {
	t.Helper()
	list, err := s.list(context.Background(), userID, testkit.Start)
	if err != nil || len(list) == 0 {
		t.Fatalf("no token of user %d", userID)
	}
	return list[0].ID
}

func TestLimits(t *testing.T) {
	db := testkit.SQLite(t)
	clock := testkit.NewClock(testkit.Start.Add(20 * time.Second))
	l := NewLimits(database.NewStorage(db, clock.Now), 3, clock.Now)
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
