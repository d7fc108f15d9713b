package mail_test

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/app"
	"crumb/config"
	"crumb/database"
	"crumb/internal/apptest"
	"crumb/internal/smtptest"
	"crumb/mail"
	"crumb/models"
	"crumb/storage"
)

// eachDatabase runs test on Crumb built on SQLite and on Postgres.
func eachDatabase(t *testing.T, test func(t *testing.T, db apptest.Option)) {
	t.Run("sqlite", func(t *testing.T) { test(t, apptest.WithConfig(func(*config.Config) {})) })
	t.Run("postgres", func(t *testing.T) { test(t, apptest.WithPostgres(t)) })
}

// withSMTP sends the app's mail to srv.
func withSMTP(srv *smtptest.Server) apptest.Option {
	return apptest.WithConfig(func(cfg *config.Config) { cfg.SMTPURL = srv.URL() })
}

// placeOrder signs in a shopper with email (a verified account made
// without its sign-up email, so the outbox holds only the order's),
// places an order by bank transfer and returns its number and the order
// page's payment details.
func placeOrder(t *testing.T, ta *apptest.App, email string) (number, payment string) {
	t.Helper()
	ta.VerifiedAccount("Ada", email)
	b := ta.Browser()
	if res := b.LogIn(email, apptest.Password, nil); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("sign-in = %d", res.StatusCode)
	}
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"2"}})
	checkout := b.Get("/checkout")
	token := regexp.MustCompile(`name="checkout_token" value="([^"]+)"`).FindStringSubmatch(checkout.Text)
	if token == nil {
		t.Fatalf("no checkout form: %s", checkout.Text)
	}
	res := b.Post("/checkout", url.Values{"name": {"Ada Baker"}, "phone": {"+1 555 0100"}, "address1": {"1 Flour St"},
		"postal_code": {"10001"}, "country": {"US"}, "payment_method": {string(models.PayByTransfer)}, "checkout_token": {token[1]}})
	if res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("checkout = %d: %s", res.StatusCode, res.Text)
	}
	page := b.Get(res.Header.Get("Location"))
	payment = regexp.MustCompile(`Please transfer [^<]+\.`).FindString(html.UnescapeString(page.Text))
	if payment == "" {
		t.Fatalf("no payment details on the order page: %s", page.Text)
	}
	return strings.TrimPrefix(res.Header.Get("Location"), "/orders/"), payment
}

func sendDue(t *testing.T, s *mail.Sender) int {
	t.Helper()
	n, err := s.SendDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMailWaitsWhileTheServerIsDown(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db apptest.Option) {
		srv := smtptest.Start(t)
		srv.Stop()
		ta := apptest.New(t, db, withSMTP(srv))
		number, payment := placeOrder(t, ta, "ada@example.com") // the server is down: the order is placed all the same

		if n := sendDue(t, ta.Sender); n != 0 {
			t.Fatalf("%d sent to a server that is down", n)
		}
		queued := ta.Outbox()
		if len(queued) != 1 || queued[0].Attempts != 1 || queued[0].SentAt != nil || queued[0].LastError == "" {
			t.Fatalf("after a failure: %+v", queued)
		}
		if !queued[0].NextAttemptAt.Equal(ta.Clock.Now().Add(30 * time.Second)) {
			t.Errorf("next attempt at %v, want 30 s later", queued[0].NextAttemptAt)
		}
		if !strings.Contains(ta.Logs.String(), "will try again") {
			t.Error("the failure is not logged")
		}
		ta.Clock.Advance(29 * time.Second)
		sendDue(t, ta.Sender)
		if got := ta.Outbox()[0].Attempts; got != 1 {
			t.Errorf("tried again before its time: %d attempts", got)
		}
		ta.Clock.Advance(time.Second)
		sendDue(t, ta.Sender)
		if got := ta.Outbox()[0].Attempts; got != 2 {
			t.Errorf("%d attempts after 30 s, want 2", got)
		}

		srv.Restart()
		ta.Clock.Advance(59 * time.Second) // the second wait is a minute
		if n := sendDue(t, ta.Sender); n != 0 {
			t.Error("sent before the wait was over")
		}
		ta.Clock.Advance(time.Second)
		if n := sendDue(t, ta.Sender); n != 1 {
			t.Fatalf("sent %d once the server is back, want 1", n)
		}
		for range 3 {
			ta.Clock.Advance(2 * time.Hour)
			sendDue(t, ta.Sender)
		}
		got := srv.Messages()
		if len(got) != 1 || got[0].To[0] != "ada@example.com" || !strings.Contains(got[0].Subject, number) {
			t.Fatalf("delivered %d messages: %+v", len(got), got)
		}
		if !strings.Contains(payment, "IBAN") || !strings.Contains(got[0].Text, payment) {
			t.Errorf("the confirmation lacks the order page's payment details %q:\n%s", payment, got[0].Text)
		}
		if sent := ta.Outbox()[0]; sent.SentAt == nil || sent.Attempts != 3 || sent.LastError != "" {
			t.Errorf("the outbox row after delivery: %+v", sent)
		}
	})
}

func TestRefusedOrUnrenderableMailIsGivenUp(t *testing.T) {
	srv := smtptest.Start(t)
	ta := apptest.New(t, withSMTP(srv))
	placeOrder(t, ta, smtptest.Refused+"@example.com")
	if err := ta.DB.Create(&models.OutboxMessage{Kind: "mystery", Recipient: "ada@example.com", Data: "{}",
		NextAttemptAt: ta.Clock.Now(), CreatedAt: ta.Clock.Now()}).Error; err != nil {
		t.Fatal(err)
	}
	if n := sendDue(t, ta.Sender); n != 0 {
		t.Fatalf("%d sent", n)
	}
	for _, m := range ta.Outbox() {
		if m.Attempts != models.MaxMailAttempts || m.SentAt != nil || m.LastError == "" {
			t.Errorf("%s: %d attempts, error %q; want given up at once", m.Kind, m.Attempts, m.LastError)
		}
	}
	ta.Clock.Advance(24 * time.Hour)
	if n := sendDue(t, ta.Sender); n != 0 || len(srv.Messages()) != 0 {
		t.Error("a message given up on was sent")
	}
	if strings.Count(ta.Logs.String(), "giving up") != 2 {
		t.Errorf("want two 'giving up' errors in the log:\n%s", ta.Logs.String())
	}
}

// TestSendersRaceForTheOutbox runs two instances' senders, two goroutines
// each, on one outbox: every message is delivered exactly once.
func TestSendersRaceForTheOutbox(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db apptest.Option) {
		srv := smtptest.Start(t)
		ta := apptest.New(t, db, withSMTP(srv))
		ctx := context.Background()
		const n = 45
		for i := range n {
			email := fmt.Sprintf("shopper-%d@example.com", i)
			if _, err := ta.Users.Create(ctx, "Shopper", email, apptest.Password); err != nil {
				t.Fatal(err)
			}
			if err := ta.Resets.Request(ctx, email); err != nil {
				t.Fatal(err)
			}
		}
		for {
			issued, err := ta.Resets.Issue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if issued == 0 {
				break
			}
		}
		if got := len(ta.Outbox()); got != n {
			t.Fatalf("%d messages queued, want %d", got, n)
		}

		// A second instance: its own connections to the same database.
		other, err := database.Open(ta.Config.DatabaseURL, ta.Config.SQLitePath())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = database.Close(other) })
		smtp, err := mail.NewSMTP(srv.URL(), ta.Config.MailFrom, nil)
		if err != nil {
			t.Fatal(err)
		}
		second := mail.NewSender(storage.NewOutbox(other, ta.Clock.Now), ta.Mail, smtp, slog.New(slog.DiscardHandler))

		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, s := range []*mail.Sender{ta.Sender, ta.Sender, second, second} {
			wg.Go(func() {
				<-start
				if _, err := s.SendDue(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()

		got := srv.Messages()
		ids, to := map[string]int{}, map[string]int{}
		for _, m := range got {
			ids[m.Header.Get("Message-Id")]++
			to[m.To[0]]++
		}
		if len(got) != n || len(ids) != n || len(to) != n {
			t.Errorf("%d messages delivered (%d distinct, to %d addresses), want %d each once", len(got), len(ids), len(to), n)
		}
		for _, m := range ta.Outbox() {
			if m.SentAt == nil || m.Attempts != 1 || m.Secret != "" {
				t.Errorf("message %d: sent %v after %d attempts, secret kept %v", m.ID, m.SentAt, m.Attempts, m.Secret != "")
			}
		}

		// The link in a delivered email works; the outbox no longer holds it.
		link := regexp.MustCompile(`\S+/password/reset\?token=\S+`).FindString(got[0].Text)
		if link == "" {
			t.Fatalf("no link in:\n%s", got[0].Text)
		}
		if res := ta.Browser().Get(apptest.ResetPath(link)); res.StatusCode != fiber.StatusOK {
			t.Errorf("the delivered link = %d, want 200", res.StatusCode)
		}
	})
}

// TestRunDeliversResetLinks runs Crumb's background work as main does: a
// link asked for on the website arrives by SMTP within moments, and works.
func TestRunDeliversResetLinks(t *testing.T) {
	srv := smtptest.Start(t)
	ta := apptest.New(t, withSMTP(srv), func(_ *config.Config, o *app.Options) { o.MailEvery = 20 * time.Millisecond })
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	ta.Run(ctx)

	ta.Browser().SignUp("Ada", "ada@example.com", apptest.Password, nil)
	b := ta.Browser()
	if res := b.Post("/password/forgot", url.Values{"email": {"ada@example.com"}}); res.StatusCode != fiber.StatusOK {
		t.Fatalf("forgot = %d", res.StatusCode)
	}
	// The sign-up's verification link goes first, then the reset link.
	var got []smtptest.Message
	for deadline := time.Now().Add(10 * time.Second); len(got) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got = srv.Messages()
	}
	if len(got) != 2 || got[0].Subject != "Confirm your email for Crumb" || got[1].Subject != "Reset your Crumb password" || got[1].To[0] != "ada@example.com" {
		t.Fatalf("delivered %+v", got)
	}
	link := regexp.MustCompile(`\S+/password/reset\?token=\S+`).FindString(got[1].Text)
	path := apptest.ResetPath(link)
	token, _ := url.QueryUnescape(path[strings.Index(path, "=")+1:])
	if res := b.Post("/password/reset", url.Values{"token": {token}, "password": {"walnut-loaf-at-dawn-7"}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("reset = %d", res.StatusCode)
	}
	for deadline := time.Now().Add(10 * time.Second); len(got) < 3 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got = srv.Messages()
	}
	if len(got) != 3 || got[2].Subject != "Your Crumb password was changed" {
		t.Errorf("after the reset: %d messages", len(got))
	}
}

// TestMailSpeaksTheAccountsLanguageNotTheAsker: the shop's mail is in
// the language the account keeps, never the one of the browser that
// caused it. Signing up in Korean mails the link in Korean; a password
// reset asked for, signed out, from a browser in the other language,
// comes in the account's.
func TestMailSpeaksTheAccountsLanguageNotTheAsker(t *testing.T) {
	srv := smtptest.Start(t)
	ta := apptest.New(t, withSMTP(srv))
	in := func(lang string) *apptest.Browser {
		b := ta.Browser()
		b.Headers = http.Header{"Accept-Language": {lang}}
		return b
	}
	in("ko").SignUp("김하늘", "haneul@example.com", apptest.Password, nil)
	in("en").SignUp("Ada", "ada@example.com", apptest.Password, nil)
	for email, lang := range map[string]string{"haneul@example.com": "en", "ada@example.com": "ko"} {
		if res := in(lang).Post("/password/forgot", url.Values{"email": {email}}); res.StatusCode >= 400 {
			t.Fatalf("forgot = %d", res.StatusCode)
		}
	}
	ta.IssueResetLinks()
	if n := sendDue(t, ta.Sender); n != 4 {
		t.Fatalf("sent %d, want 4", n)
	}
	want := map[string]string{
		"haneul@example.com " + models.MailVerifyEmail:   "[Crumb] 이메일 주소를 인증해 주세요",
		"haneul@example.com " + models.MailPasswordReset: "[Crumb] 비밀번호 재설정 안내",
		"ada@example.com " + models.MailVerifyEmail:      "Confirm your email for Crumb",
		"ada@example.com " + models.MailPasswordReset:    "Reset your Crumb password",
	}
	for _, m := range srv.Messages() {
		kind := models.MailVerifyEmail
		if strings.Contains(m.Text, "/password/reset?token=") {
			kind = models.MailPasswordReset
		}
		key := m.To[0] + " " + kind
		if m.Subject != want[key] {
			t.Errorf("%s: subject %q, want %q", key, m.Subject, want[key])
		}
		delete(want, key)
		korean := strings.HasPrefix(m.To[0], "haneul")
		if strings.Contains(m.Text, "안녕하세요") != korean || strings.Contains(m.Text, "Hello") == korean {
			t.Errorf("%s in the wrong language:\n%s", key, m.Text)
		}
	}
	if len(want) != 0 {
		t.Errorf("not delivered: %v", want)
	}
}
