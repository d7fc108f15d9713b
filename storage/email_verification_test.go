package storage_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/models"
	"crumb/secret"
	"crumb/storage"
)

// verifyToken is the token of the newest verification email to email.
func (s shop) verifyToken(t *testing.T, email string) string {
	t.Helper()
	for _, m := range s.mail(t) {
		if m.Kind == models.MailVerifyEmail && m.Recipient == email {
			return m.Secret
		}
	}
	t.Fatalf("no verification email to %s", email)
	return ""
}

// linkMails counts the reset and verification emails queued for email.
func (s shop) linkMails(t *testing.T, email string) int {
	t.Helper()
	n := 0
	for _, m := range s.mail(t) {
		if m.Recipient == email && (m.Kind == models.MailVerifyEmail || m.Kind == models.MailPasswordReset) {
			n++
		}
	}
	return n
}

func TestSignUpQueuesOneLinkStoredHashed(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u, err := s.verify.SignUp(ctx, "Ada", "ada@example.com", "rye-and-butter-42", models.English)
		if err != nil {
			t.Fatal(err)
		}
		if u.EmailVerified() {
			t.Error("a new account's email is verified")
		}
		msgs := s.mail(t)
		if len(msgs) != 1 || msgs[0].Kind != models.MailVerifyEmail || msgs[0].Recipient != "ada@example.com" {
			t.Fatalf("queued %+v; want one verification email", msgs)
		}
		token := msgs[0].Secret
		if len(token) != 43 || !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(token) {
			t.Errorf("token %q is not 256 random bits", token)
		}
		data, _ := msgs[0].Mail()
		if !data.At.Equal(testkit.Start.Add(storage.VerifyLinkLifetime)) {
			t.Errorf("the email says the link works until %v", data.At)
		}
		var links []storage.EmailVerification
		db.Find(&links)
		if len(links) != 1 || links[0].TokenHash != secret.Hash(token) || links[0].UserID != u.ID || links[0].Email != u.Email {
			t.Fatalf("links %+v; want one, kept as the token's SHA-256", links)
		}
		var found int64
		db.Model(&storage.EmailVerification{}).Where("token_hash = ? OR email = ?", token, token).Count(&found)
		if found != 0 {
			t.Error("the token itself is in the table")
		}

		// A taken email makes no account and sends nothing.
		if _, err := s.verify.SignUp(ctx, "Other Ada", "ada@example.com", "rye-and-butter-42", models.English); !errors.Is(err, models.ErrEmailTaken) {
			t.Errorf("a second sign-up with the email = %v", err)
		}
		if len(s.mail(t)) != 1 {
			t.Error("a refused sign-up queued an email")
		}
	})
}

func TestVerifyLinkWorksOnceUntilItExpires(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u, _ := s.verify.SignUp(ctx, "Ada", "ada@example.com", "rye-and-butter-42", models.English)
		token := s.verifyToken(t, u.Email)
		for _, bad := range []string{"", token + "x", "nope"} {
			if _, err := s.verify.Verify(ctx, bad); !errors.Is(err, storage.ErrVerifyLinkInvalid) {
				t.Errorf("Verify(%q) = %v, want ErrVerifyLinkInvalid", bad, err)
			}
		}
		s.clock.Advance(storage.VerifyLinkLifetime - time.Second)
		got, err := s.verify.Verify(ctx, token)
		if err != nil || got.ID != u.ID || !got.EmailVerified() {
			t.Fatalf("Verify a second before expiry = %+v, %v", got, err)
		}
		if stored, _ := s.users.ByID(ctx, u.ID); !stored.EmailVerified() || !stored.EmailVerifiedAt.Equal(s.clock.Now()) {
			t.Errorf("stored: verified at %v", stored.EmailVerifiedAt)
		}
		if _, err := s.verify.Verify(ctx, token); !errors.Is(err, storage.ErrVerifyLinkInvalid) {
			t.Errorf("a second use = %v", err)
		}

		// Expiry, by the clock.
		b, _ := s.verify.SignUp(ctx, "Bea", "bea@example.com", "rye-and-butter-42", models.English)
		late := s.verifyToken(t, b.Email)
		s.clock.Advance(storage.VerifyLinkLifetime)
		if _, err := s.verify.Verify(ctx, late); !errors.Is(err, storage.ErrVerifyLinkInvalid) {
			t.Errorf("an expired link = %v", err)
		}
		if stored, _ := s.users.ByID(ctx, b.ID); stored.EmailVerified() {
			t.Error("an expired link verified the email")
		}
	})
}

func TestVerifyRaces(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u, _ := s.verify.SignUp(ctx, "Ada", "ada@example.com", "rye-and-butter-42", models.English)
		token := s.verifyToken(t, u.Email)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		for range 6 {
			wg.Go(func() {
				_, err := s.verify.Verify(ctx, token)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, storage.ErrVerifyLinkInvalid):
					refused++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok != 1 || refused != 5 {
			t.Errorf("%d uses worked and %d were refused, want 1 and 5", ok, refused)
		}

		// Ten instances resending at once send the address no more than
		// its hourly share (the sign-up's email was the first).
		b, _ := s.verify.SignUp(ctx, "Bea", "bea@example.com", "rye-and-butter-42", models.English)
		for range 10 {
			wg.Go(func() {
				if _, err := s.verify.Resend(ctx, b.ID); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := s.linkMails(t, b.Email); n != models.LinkMailsPerHour {
			t.Errorf("%d link emails after ten resends at once, want %d", n, models.LinkMailsPerHour)
		}
	})
}

// TestLinkEmailsPerAddressPerHour: password reset and verification
// emails to one address share one budget of LinkMailsPerHour, counted in
// the outbox, whatever asks for them.
func TestLinkEmailsPerAddressPerHour(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u, err := s.users.Create(ctx, "Ada", "ada@example.com", "rye-and-butter-42") // unverified, nothing sent
		if err != nil {
			t.Fatal(err)
		}
		forgot := func() {
			t.Helper()
			if err := s.resets.Request(ctx, u.Email); err != nil {
				t.Fatal(err)
			}
			if _, err := s.resets.Issue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		resend := func() {
			t.Helper()
			if _, err := s.verify.Resend(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		for i, ask := range []func(){forgot, resend, forgot, resend, forgot} {
			ask()
			s.clock.Advance(2600 * time.Millisecond)
			if want := min(i+1, models.LinkMailsPerHour); s.linkMails(t, u.Email) != want {
				t.Fatalf("after %d requests: %d link emails, want %d", i+1, s.linkMails(t, u.Email), want)
			}
		}
		var pending int64
		db.Model(&storage.PasswordReset{}).Where("token_hash IS NULL").Count(&pending)
		if pending != 0 {
			t.Errorf("%d reset requests over the limit are kept pending", pending)
		}
		// The third email (a reset link) still works: a refused request ends no link.
		if _, err := s.resets.Check(ctx, s.issuedToken(t, u.Email)); err != nil {
			t.Errorf("the last link sent, after refused requests: %v", err)
		}

		// An hour after the first, the address may have one more.
		s.clock.Set(testkit.Start.Add(time.Hour))
		forgot()
		if n := s.linkMails(t, u.Email); n != models.LinkMailsPerHour+1 {
			t.Errorf("an hour later: %d link emails, want %d", n, models.LinkMailsPerHour+1)
		}
		// Other addresses have budgets of their own.
		if n := s.linkMails(t, "bea@example.com"); n != 0 {
			t.Errorf("another address has %d", n)
		}
	})
}

func TestResetLinkVerifiesTheAddressItWasMailedTo(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u, _ := s.verify.SignUp(ctx, "Ada", "ada@example.com", "rye-and-butter-42", models.English)
		verifyLink := s.verifyToken(t, u.Email)
		if err := s.resets.Request(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		token := s.issuedToken(t, u.Email)
		if _, err := s.resets.Check(ctx, token); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.users.ByID(ctx, u.ID); !got.EmailVerified() {
			t.Fatal("following the reset link did not verify the email")
		}
		if _, err := s.verify.Verify(ctx, verifyLink); !errors.Is(err, storage.ErrVerifyLinkInvalid) {
			t.Errorf("the verification link after the address was verified = %v", err)
		}

		// A link mailed to an address the account no longer has verifies nothing.
		if err := s.resets.Request(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		old := s.issuedToken(t, u.Email)
		if _, err := s.verify.ChangeEmail(ctx, u.ID, "ada.new@example.com"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.users.ByID(ctx, u.ID); got.EmailVerified() || got.Email != "ada.new@example.com" {
			t.Fatalf("after the change: %s verified %v", got.Email, got.EmailVerified())
		}
		if _, err := s.resets.Reset(ctx, old, "a-brand-new-loaf"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.users.ByID(ctx, u.ID); got.EmailVerified() {
			t.Error("a reset link mailed to the old address verified the new one")
		}
		if _, err := s.verify.Verify(ctx, s.verifyToken(t, "ada.new@example.com")); err != nil {
			t.Errorf("the new address's link: %v", err)
		}
	})
}

func TestChangeEmail(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "ada@example.com") // verified
		if changed, err := s.verify.ChangeEmail(ctx, u.ID, "ada@example.com"); err != nil || changed || len(s.mail(t)) != 0 {
			t.Errorf("changing to the same email: changed %v, %v, %d emails", changed, err, len(s.mail(t)))
		}
		if got, _ := s.users.ByID(ctx, u.ID); !got.EmailVerified() {
			t.Error("changing to the same email unverified it")
		}
		s.user(t, "bea@example.com")
		if _, err := s.verify.ChangeEmail(ctx, u.ID, "bea@example.com"); !errors.Is(err, models.ErrEmailTaken) {
			t.Errorf("taking another account's email = %v", err)
		}
		if got, _ := s.users.ByID(ctx, u.ID); !got.EmailVerified() || got.Email != "ada@example.com" || len(s.mail(t)) != 0 {
			t.Errorf("a refused change changed %+v or sent mail", got)
		}
		if changed, err := s.verify.ChangeEmail(ctx, u.ID, "ada2@example.com"); err != nil || !changed {
			t.Fatalf("ChangeEmail = %v, %v", changed, err)
		}
		if got, _ := s.users.ByID(ctx, u.ID); got.EmailVerified() {
			t.Error("the new address counts as verified")
		}
		if msgs := s.mail(t); len(msgs) != 1 || msgs[0].Kind != models.MailVerifyEmail || msgs[0].Recipient != "ada2@example.com" {
			t.Errorf("queued %+v; want the link to the new address", msgs)
		}
	})
}

func TestOrdersNeedAVerifiedEmail(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u, _ := s.verify.SignUp(ctx, "Ada", "ada@example.com", "rye-and-butter-42", models.English)
		cake := s.product(t, "carrot-cake")
		if err := s.carts.User(u.ID).Add(ctx, cake.ID, 2); err != nil {
			t.Fatal(err)
		}
		in := models.PlaceOrderInput{UserID: u.ID, Key: "web:one", Payment: models.PayOnDelivery,
			Shipping: models.Shipping{Name: "Ada", Phone: "555 0100", Address1: "1 Flour St", PostalCode: "10001", Country: "US"}}
		if _, _, err := s.orders.Place(ctx, in); !errors.Is(err, models.ErrEmailUnverified) {
			t.Fatalf("an unverified account's order = %v", err)
		}
		if got := s.product(t, "carrot-cake").Stock; got != cake.Stock {
			t.Errorf("stock %d after a refused order, want %d", got, cake.Stock)
		}
		if lines, _ := s.carts.User(u.ID).Lines(ctx); len(lines) != 1 {
			t.Error("the refused order changed the cart")
		}
		if _, err := s.verify.Verify(ctx, s.verifyToken(t, u.Email)); err != nil {
			t.Fatal(err)
		}
		if _, created, err := s.orders.Place(ctx, in); err != nil || !created {
			t.Fatalf("the order once verified: %v, %v", created, err)
		}
	})
}

func TestDisabledAccountsLinkDoesNothing(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u, _ := s.verify.SignUp(ctx, "Ada", "ada@example.com", "rye-and-butter-42", models.English)
		at := s.clock.Now()
		if _, err := s.users.SetDisabled(ctx, u.ID, &at); err != nil {
			t.Fatal(err)
		}
		token := s.verifyToken(t, u.Email)
		if _, err := s.verify.Verify(ctx, token); !errors.Is(err, models.ErrDisabled) {
			t.Fatalf("a disabled account's link = %v, want ErrDisabled", err)
		}
		if got, _ := s.users.ByID(ctx, u.ID); got.EmailVerified() {
			t.Error("a disabled account's link verified it")
		}
		if _, err := s.users.SetDisabled(ctx, u.ID, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.verify.Verify(ctx, token); err != nil {
			t.Errorf("the link once the account is enabled: %v", err)
		}
	})
}

func TestSweepDeletesLinksThatNoLongerWork(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		used, _ := s.verify.SignUp(ctx, "Used", "used@example.com", "rye-and-butter-42", models.English)
		if _, err := s.verify.Resend(ctx, used.ID); err != nil { // a second link
			t.Fatal(err)
		}
		if _, err := s.verify.Verify(ctx, s.verifyToken(t, used.Email)); err != nil {
			t.Fatal(err)
		}
		var kept int64
		db.Model(&storage.EmailVerification{}).Where("user_id = ?", used.ID).Count(&kept)
		if kept != 0 {
			t.Errorf("%d links of the account kept once one was used, want none", kept)
		}
		byReset, _ := s.verify.SignUp(ctx, "Reset", "reset@example.com", "rye-and-butter-42", models.English)
		if err := s.resets.Request(ctx, byReset.Email); err != nil {
			t.Fatal(err)
		}
		if _, err := s.resets.Check(ctx, s.issuedToken(t, byReset.Email)); err != nil { // verified another way
			t.Fatal(err)
		}
		moved, _ := s.verify.SignUp(ctx, "Moved", "moved@example.com", "rye-and-butter-42", models.English)
		if err := db.Model(&models.User{}).Where("id = ?", moved.ID).Update("email", "elsewhere@example.com").Error; err != nil {
			t.Fatal(err)
		}
		s.clock.Advance(time.Hour)
		expired, _ := s.verify.SignUp(ctx, "Late", "late@example.com", "rye-and-butter-42", models.English)
		live, _ := s.verify.SignUp(ctx, "Live", "live@example.com", "rye-and-butter-42", models.English)
		s.clock.Advance(storage.VerifyLinkLifetime - 30*time.Minute) // expired's link is past its time, live's is not
		if err := db.Model(&storage.EmailVerification{}).Where("user_id = ?", live.ID).Update("expires_at", s.clock.Now().Add(time.Minute)).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Model(&storage.EmailVerification{}).Where("user_id = ?", expired.ID).Update("expires_at", s.clock.Now()).Error; err != nil {
			t.Fatal(err)
		}
		n, err := s.verify.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var left []storage.EmailVerification
		db.Find(&left)
		if n != 3 || len(left) != 1 || left[0].UserID != live.ID {
			t.Errorf("swept %d and left %+v; want the links of an address verified by a reset link, of one the account left, and the expired one gone; the live one kept", n, left)
		}
	})
}
