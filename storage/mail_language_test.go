package storage_test

import (
	"context"
	"net/url"
	"regexp"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/mail"
	"crumb/models"
	"crumb/storage"
	"crumb/views"
)

var hangul = regexp.MustCompile(`\p{Hangul}`)

// TestMailIsInTheAccountsLanguage: every email is written in the
// language the account keeps, whatever queued it and whoever asked: the
// link of a sign-up in Korean, a reset asked for by someone signed out
// (no request, no language but the account's), the note of a password
// changed, an order's confirmation and the notes the back office's
// status changes send. An account that reads English gets English.
func TestMailIsInTheAccountsLanguage(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		base, _ := url.Parse("https://shop.example.com")
		render, err := mail.NewRenderer(views.FS, base, time.UTC)
		if err != nil {
			t.Fatal(err)
		}

		signUp := func(name, email string, lang models.Language) models.User {
			u, err := s.verify.SignUp(ctx, name, email, "rye-and-butter-42", lang)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.users.MarkEmailVerified(ctx, u.ID, s.clock.Now()); err != nil {
				t.Fatal(err)
			}
			return u
		}
		ko, ada := signUp("김하늘", "haneul@example.com", models.Korean), signUp("Ada", "ada@example.com", models.English)
		shipped := map[uint]string{}
		for _, u := range []models.User{ko, ada} {
			placed := s.placeFor(t, u, models.PayByTransfer)
			if _, err := s.orders.Cancel(ctx, u.ID, placed.Number, s.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if err := s.carts.User(u.ID).Add(ctx, s.product(t, "baguette").ID, 1); err != nil {
				t.Fatal(err)
			}
			second, _, err := s.orders.Place(ctx, models.PlaceOrderInput{UserID: u.ID, Key: "second", Payment: models.PayOnDelivery, Shipping: shipTo})
			if err != nil {
				t.Fatal(err)
			}
			for _, to := range []string{models.StatusPaid, models.StatusShipped} {
				if _, _, err := s.orders.SetStatus(ctx, second.Number, to, s.clock.Now()); err != nil {
					t.Fatal(err)
				}
			}
			shipped[u.ID] = second.Number
			if err := s.resets.Request(ctx, u.Email); err != nil {
				t.Fatal(err)
			}
			if _, err := s.resets.Reset(ctx, s.issuedToken(t, u.Email), "a-brand-new-loaf"); err != nil {
				t.Fatal(err)
			}
		}

		want := map[string]models.Language{ko.Email: models.Korean, ada.Email: models.English}
		kinds := map[string]map[string]bool{}
		mails := s.mail(t)
		// Deleting an account forgets the mail sent to it and queues its
		// last one, in its language too.
		accounts := storage.NewAccounts(s.db, s.users, s.orders, s.carts, s.outbox, s.resets, s.verify, storage.NewAudit(s.db), s.clock.Now, 5*365*24*time.Hour)
		for _, u := range []models.User{ko, ada} {
			if _, _, err := s.orders.SetStatus(ctx, shipped[u.ID], models.StatusDelivered, s.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if err := storage.InTransaction(ctx, s.db, func(ctx context.Context) error { return accounts.Delete(ctx, u, storage.NewTombstone()) }); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range s.mail(t) {
			if m.Kind != models.MailAccountDeleted {
				t.Errorf("%s to %s kept after the account was deleted", m.Kind, m.Recipient)
			}
			mails = append(mails, m)
		}
		for _, m := range mails {
			data, err := m.Mail()
			if err != nil {
				t.Fatal(err)
			}
			if data.Lang != want[m.Recipient] {
				t.Errorf("%s to %s was queued in %q, want %q", m.Kind, m.Recipient, data.Lang, want[m.Recipient])
			}
			msg, err := render.Render(m)
			if err != nil {
				t.Fatal(err)
			}
			if korean := hangul.MatchString(msg.Subject + msg.Text); korean != (want[m.Recipient] == models.Korean) {
				t.Errorf("%s to %s: Korean %v:\n%s\n%s", m.Kind, m.Recipient, korean, msg.Subject, msg.Text)
			}
			if kinds[m.Recipient] == nil {
				kinds[m.Recipient] = map[string]bool{}
			}
			kinds[m.Recipient][m.Kind] = true
		}
		for _, email := range []string{ko.Email, ada.Email} {
			if len(kinds[email]) != len(models.MailKinds()) {
				t.Errorf("%s was sent %v, want every kind", email, kinds[email])
			}
		}
	})
}

// TestTheLanguageIsTheAccountsAsItIsNow: an account that switched to
// Korean gets its next email in Korean, though it signed up in English
// and the reset was asked for by someone signed out.
func TestTheLanguageIsTheAccountsAsItIsNow(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "ada@example.com")
		if err := s.users.SetLanguage(ctx, u.ID, models.Korean); err != nil {
			t.Fatal(err)
		}
		if err := s.resets.Request(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		s.issuedToken(t, u.Email)
		data, err := s.mail(t)[0].Mail()
		if err != nil {
			t.Fatal(err)
		}
		if data.Lang != models.Korean || data.Name != "Shopper" {
			t.Errorf("the reset link was queued for %q in %q, want Korean", data.Name, data.Lang)
		}
	})
}
