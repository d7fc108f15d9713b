package storage_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
)

func TestWebSessions(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := storage.NewWebSessions(db)
		now := testkit.Start
		for _, row := range []models.WebSession{
			{KeyHash: "a", UserID: 1, LastSeenAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)},
			{KeyHash: "b", UserID: 1, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
			{KeyHash: "c", UserID: 1, LastSeenAt: now, ExpiresAt: now.Add(-time.Second)},
			{KeyHash: "d", UserID: 2, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
		} {
			if err := s.Create(ctx, row); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.List(ctx, 1, now)
		if err != nil || len(list) != 2 || list[0].KeyHash != "b" || list[1].KeyHash != "a" {
			t.Errorf("list = %+v, %v; want the live ones, most recent first", list, err)
		}
		if live, _ := s.Touch(ctx, "a", now, now.Add(2*time.Hour)); !live {
			t.Error("touching a live session found no row")
		}
		if keys, _ := s.Keys(ctx, 1, "a"); len(keys) != 2 {
			t.Errorf("keys but a = %v", keys)
		}
		if ok, _ := s.Delete(ctx, 2, "a"); ok {
			t.Error("deleted another user's session")
		}
		if ok, _ := s.Delete(ctx, 1, "a"); !ok {
			t.Error("could not delete a session of the user")
		}
		if live, _ := s.Touch(ctx, "a", now, now.Add(time.Hour)); live {
			t.Error("touching a deleted session found a row")
		}
		if n, _ := s.Sweep(ctx, now); n != 1 {
			t.Errorf("sweep removed %d, want the expired one", n)
		}
	})
}

func TestRememberTokens(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := storage.NewRememberTokens(db)
		now := testkit.Start
		tok := models.RememberToken{Selector: "sel", ValidatorHash: "v1", UserID: 1, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.Create(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, models.RememberToken{Selector: "sel", ValidatorHash: "x", UserID: 2}); err == nil {
			t.Error("two tokens with one selector")
		}
		got, ok, err := s.Live(ctx, "sel", now)
		if err != nil || !ok || got.ValidatorHash != "v1" {
			t.Fatalf("live = %+v, %v, %v", got, ok, err)
		}
		if _, ok, _ := s.Live(ctx, "sel", now.Add(time.Hour)); ok {
			t.Error("an expired token is live")
		}
		if won, _ := s.Rotate(ctx, got, "v2", "192.0.2.1", now, now.Add(time.Hour)); !won {
			t.Fatal("the first rotation lost")
		}
		if won, _ := s.Rotate(ctx, got, "v3", "192.0.2.1", now, now.Add(time.Hour)); won {
			t.Error("a second rotation from the same validator won")
		}
		after, _, _ := s.ByID(ctx, got.ID)
		if after.ValidatorHash != "v2" || after.PreviousHash != "v1" || after.IP != "192.0.2.1" {
			t.Errorf("after rotating: %+v", after)
		}
		_ = s.Create(ctx, models.RememberToken{Selector: "keep", ValidatorHash: "k", UserID: 1, ExpiresAt: now.Add(time.Hour)})
		_ = s.Create(ctx, models.RememberToken{Selector: "theirs", ValidatorHash: "t", UserID: 2, ExpiresAt: now.Add(time.Hour)})
		if err := s.DeleteAll(ctx, 1, "keep"); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.List(ctx, 1, now); len(list) != 1 || list[0].Selector != "keep" {
			t.Errorf("after deleting all but keep: %+v", list)
		}
		if list, _ := s.List(ctx, 2, now); len(list) != 1 {
			t.Error("deleting one user's tokens took another's")
		}
		if ok, _ := s.DeleteOne(ctx, 2, list1(t, s, 1)); ok {
			t.Error("deleted another user's token by id")
		}
		if ok, _ := s.DeleteOne(ctx, 1, list1(t, s, 1)); !ok {
			t.Error("could not delete the user's own token by id")
		}
	})
}

func list1(t *testing.T, s *storage.RememberTokens, userID uint) uint {
	t.Helper()
	list, err := s.List(context.Background(), userID, testkit.Start)
	if err != nil || len(list) == 0 {
		t.Fatalf("no token of user %d", userID)
	}
	return list[0].ID
}
