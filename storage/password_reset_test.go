package storage_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/models"
	"crumb/secret"
	"crumb/storage"
)

// issuedToken issues pending links and returns the newest token emailed to email.
func (s shop) issuedToken(t *testing.T, email string) string {
	t.Helper()
	if _, err := s.resets.Issue(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, m := range s.mail(t) {
		if m.Kind == models.MailPasswordReset && m.Recipient == email {
			return m.Secret
		}
	}
	t.Fatalf("no reset email to %s", email)
	return ""
}

func TestPasswordResetLinks(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "ada@example.com")
		for _, email := range []string{"ada@example.com", "nobody@example.com"} {
			if err := s.resets.Request(ctx, email); err != nil {
				t.Fatal(err)
			}
		}
		var rows []storage.PasswordReset
		db.Find(&rows)
		if len(rows) != 2 || rows[0].TokenHash != nil || rows[1].TokenHash != nil {
			t.Fatalf("asking wrote %+v; want two pending requests alike", rows)
		}
		token := s.issuedToken(t, "ada@example.com")
		if len(token) != 43 || !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(token) {
			t.Errorf("token %q is not 256 random bits", token)
		}
		db.Find(&rows)
		if len(rows) != 1 || *rows[0].TokenHash != secret.Hash(token) || *rows[0].UserID != u.ID {
			t.Fatalf("after issuing: %+v; want one link, stored as the token's hash", rows)
		}
		if msgs := s.mail(t); len(msgs) != 1 {
			t.Errorf("%d emails, want one (none for the unknown email)", len(msgs))
		}
		data, _ := s.mail(t)[0].Mail()
		if !data.At.Equal(testkit.Start.Add(storage.ResetLinkLifetime)) {
			t.Errorf("the email says the link works until %v", data.At)
		}

		if got, err := s.resets.Check(ctx, token); err != nil || got.ID != u.ID {
			t.Fatalf("Check = %v, %v", got.ID, err)
		}
		if _, err := s.resets.Check(ctx, token+"x"); !errors.Is(err, storage.ErrResetLinkInvalid) {
			t.Errorf("Check of another token = %v", err)
		}
		if _, err := s.resets.Reset(ctx, token, "a-brand-new-loaf"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.users.Authenticate(ctx, u.Email, "a-brand-new-loaf"); err != nil {
			t.Error("the new password does not work")
		}
		if _, err := s.resets.Reset(ctx, token, "yet-another-loaf"); !errors.Is(err, storage.ErrResetLinkInvalid) {
			t.Errorf("a second use = %v, want ErrResetLinkInvalid", err)
		}
		if msgs := s.mail(t); msgs[0].Kind != models.MailPasswordChanged {
			t.Errorf("newest email is %s, want password_changed", msgs[0].Kind)
		}

		// Expiry, by the clock.
		if err := s.resets.Request(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		token = s.issuedToken(t, u.Email)
		s.clock.Advance(storage.ResetLinkLifetime)
		if _, err := s.resets.Reset(ctx, token, "late-loaf-of-rye"); !errors.Is(err, storage.ErrResetLinkInvalid) {
			t.Errorf("an expired link = %v", err)
		}
		if n, err := s.resets.Sweep(ctx); err != nil || n != 1 {
			t.Errorf("swept %d, %v; want the expired link", n, err)
		}
	})
}

// TestPasswordResetRaces: instances issuing the same requests at once send
// one link; the same link used twice at once works once.
func TestPasswordResetRaces(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "ada@example.com")
		for range 3 {
			if err := s.resets.Request(ctx, u.Email); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if _, err := s.resets.Issue(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if msgs := s.mail(t); len(msgs) != 1 {
			t.Fatalf("%d reset emails for three requests issued at once, want 1", len(msgs))
		}
		token := s.mail(t)[0].Secret

		var mu sync.Mutex
		var ok, refused int
		for i := range 6 {
			wg.Go(func() {
				_, err := s.resets.Reset(ctx, token, "racing-loaf-"+string(rune('a'+i)))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, storage.ErrResetLinkInvalid):
					refused++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok != 1 || refused != 5 {
			t.Errorf("%d resets worked and %d were refused, want 1 and 5", ok, refused)
		}
	})
}

func TestSignInEndsResetLinks(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "ada@example.com")
		if err := s.resets.Request(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		token := s.issuedToken(t, u.Email)
		if err := s.resets.Request(ctx, u.Email); err != nil { // still pending
			t.Fatal(err)
		}
		if err := s.resets.EndFor(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := s.resets.Check(ctx, token); !errors.Is(err, storage.ErrResetLinkInvalid) {
			t.Errorf("the link after a sign-in: %v", err)
		}
		if n, _ := s.resets.Issue(ctx); n != 0 {
			t.Error("a request pending at the sign-in was issued after it")
		}
	})
}
