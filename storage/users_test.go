package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
)

func TestUsers(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		users := storage.NewUsers(db, testkit.Passwords)
		ada, err := users.Create(ctx, "Ada", "ada@example.com", "rye-and-butter-42")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := users.Create(ctx, "Other Ada", "ada@example.com", "something-else-9"); !errors.Is(err, models.ErrEmailTaken) {
			t.Errorf("a second account with the same email: %v", err)
		}
		if got, err := users.ByID(ctx, ada.ID); err != nil || got.Email != "ada@example.com" || got.PasswordHash == "rye-and-butter-42" {
			t.Errorf("ByID = %+v, %v", got, err)
		}
		if _, err := users.ByID(ctx, ada.ID+100); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("ByID of no one: %v", err)
		}

		if u, err := users.Authenticate(ctx, "ada@example.com", "rye-and-butter-42"); err != nil || u.ID != ada.ID {
			t.Errorf("right password: %v", err)
		}
		for _, tt := range []struct{ email, password string }{
			{"ada@example.com", "rye-and-butter-43"}, {"nobody@example.com", "rye-and-butter-42"}, {"ada@example.com", ""},
		} {
			if _, err := users.Authenticate(ctx, tt.email, tt.password); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("Authenticate(%s, %q) = %v, want ErrNotFound", tt.email, tt.password, err)
			}
		}

		if err := users.SetPassword(ctx, ada.ID, "new-bread-2027"); err != nil {
			t.Fatal(err)
		}
		if _, err := users.Authenticate(ctx, "ada@example.com", "rye-and-butter-42"); !errors.Is(err, models.ErrNotFound) {
			t.Error("the old password still works")
		}
		if _, err := users.Authenticate(ctx, "ada@example.com", "new-bread-2027"); err != nil {
			t.Errorf("the new password: %v", err)
		}

		verify := storage.NewEmailVerifications(db, users, storage.NewOutbox(db, time.Now), time.Now)
		bea, _ := users.Create(ctx, "Bea", "bea@example.com", "rye-and-butter-42")
		if _, err := verify.ChangeEmail(ctx, bea.ID, "ada@example.com"); !errors.Is(err, models.ErrEmailTaken) {
			t.Errorf("taking another account's email: %v", err)
		}
		if _, err := verify.ChangeEmail(ctx, bea.ID, "bea2@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := users.EnsureUser(ctx, "Bea again", "bea2@example.com", "whatever-123"); err != nil {
			t.Fatal(err)
		}
		if got, _ := users.ByID(ctx, bea.ID); got.Email != "bea2@example.com" || got.Name != "Bea" {
			t.Errorf("after ChangeEmail and EnsureUser: %+v", got)
		}

		// A new account's email is not verified; the demo accounts' is.
		if ada.EmailVerified() {
			t.Error("Create made an account with its email verified")
		}
		if err := users.EnsureUser(ctx, "Demo", "demo@example.com", "rye-and-butter-42"); err != nil {
			t.Fatal(err)
		}
		demo, err := users.Authenticate(ctx, "demo@example.com", "rye-and-butter-42")
		if err != nil || !demo.EmailVerified() {
			t.Errorf("EnsureUser made %+v, %v; want its email verified", demo, err)
		}
	})
}

func TestTheftIsRecordedAndWarnedOnce(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		users := storage.NewUsers(db, testkit.Passwords)
		u, _ := users.Create(ctx, "Cy", "cy@example.com", "rye-and-butter-42")
		if warn, err := users.TakeTheftWarning(ctx, u.ID); err != nil || warn {
			t.Fatalf("a warning before any theft: %v, %v", warn, err)
		}
		at := testkit.Start
		if err := users.RecordTheft(ctx, u.ID, models.TheftRemember, "203.0.113.9", at); err != nil {
			t.Fatal(err)
		}
		if err := users.RecordTheft(ctx, u.ID, models.TheftRefresh, "198.51.100.2", at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if warn, err := users.TakeTheftWarning(ctx, u.ID); err != nil || !warn {
			t.Errorf("no warning after a theft: %v, %v", warn, err)
		}
		if warn, _ := users.TakeTheftWarning(ctx, u.ID); warn {
			t.Error("the warning came twice")
		}
		events, err := users.SecurityEvents(ctx, u.ID, 10)
		if err != nil || len(events) != 2 || events[0].Kind != models.TheftRefresh || events[0].IP != "198.51.100.2" ||
			events[1].Kind != models.TheftRemember || !events[1].CreatedAt.Equal(at) {
			t.Errorf("events = %+v, %v; want the newest first", events, err)
		}
		if others, _ := users.SecurityEvents(ctx, u.ID+1, 10); len(others) != 0 {
			t.Errorf("another account sees %d events", len(others))
		}
	})
}
