package mail_test

import (
	"context"
	"encoding/json"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"crumb/internal/smtptest"
	"crumb/internal/testkit"
	"crumb/mail"
	"crumb/models"
	"crumb/views"
)

var shop, _ = url.Parse("https://shop.example.com")

func renderer(t *testing.T) *mail.Renderer {
	t.Helper()
	zone, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	r, err := mail.NewRenderer(views.FS, shop, zone)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func smtpTo(t *testing.T, rawURL string, srv *smtptest.Server) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(rawURL, "Crumb Bakery <orders@crumb.test>", srv.CertPool())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// order is an order paid by bank transfer, as its emails carry it.
var order = &models.OrderMail{
	Number: "CR-7K3M9Q2XWP", Status: models.StatusPlaced, PlacedAt: testkit.Start, Currency: "USD",
	Lines: []models.OrderMailLine{
		{Name: "Baguette", Quantity: 2, UnitPrice: 400, LineTotal: 800},
		{Name: "Carrot Cake", Quantity: 1, UnitPrice: 3200, LineTotal: 3200},
	},
	Subtotal: 4000, Total: 4000, PaymentMethod: models.PayByTransfer,
	Shipping: models.Shipping{Name: "Ada Baker", Phone: "+1 555 0100", Address1: "1 Flour St", Address2: "Apt 2", PostalCode: "10001", Country: "US"},
}

func message(t *testing.T, id uint, kind string, data models.MailData, secret string) models.OutboxMessage {
	t.Helper()
	m := models.OutboxMessage{ID: id, Kind: kind, Recipient: "ada@example.com", Secret: secret, CreatedAt: testkit.Start}
	body, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	m.Data = string(body)
	return m
}

func TestEveryKindIsDeliveredWithBothParts(t *testing.T) {
	srv := smtptest.Start(t)
	r, s := renderer(t), smtpTo(t, srv.URL(), srv)
	orderLines := []string{"CR-7K3M9Q2XWP", "2 × Baguette", "$8.00", "Carrot Cake", "$40.00"}
	address := []string{"Ada Baker", "1 Flour St", "Apt 2", "10001 US", "+1 555 0100"}
	tests := map[string]struct {
		data    models.MailData
		secret  string
		subject string
		want    []string // in both parts
	}{
		models.MailOrderPlaced: {
			models.MailData{Name: "Ada", Order: order}, "", "Your Crumb order CR-7K3M9Q2XWP",
			append([]string{"Please transfer $40.00 to Crumb Bakery, IBAN GB00 CRUM 0000 0000 0000 00, with reference CR-7K3M9Q2XWP.",
				"https://shop.example.com/orders/CR-7K3M9Q2XWP", "7 Mar 2026 10:00 EST"}, append(orderLines, address...)...),
		},
		models.MailOrderShipped: {
			models.MailData{Name: "Ada", Order: order}, "", "Your Crumb order CR-7K3M9Q2XWP is on its way",
			append([]string{"on its way"}, append(orderLines, address...)...),
		},
		models.MailOrderCancelled: {
			models.MailData{Name: "Ada", Order: order}, "", "Your Crumb order CR-7K3M9Q2XWP is cancelled",
			append([]string{"is cancelled", "send the $40.00 back"}, orderLines...),
		},
		models.MailPasswordReset: {
			models.MailData{Name: "Ada", At: testkit.Start.Add(30 * time.Minute)}, "tok_en-123", "Reset your Crumb password",
			[]string{"https://shop.example.com/password/reset?token=tok_en-123", "works once, until 7 Mar 2026 10:30 EST"},
		},
		models.MailPasswordChanged: {
			models.MailData{Name: "Ada", At: testkit.Start}, "", "Your Crumb password was changed",
			[]string{"was changed on 7 Mar 2026 10:00 EST", "signed out", "https://shop.example.com/password/forgot"},
		},
		models.MailVerifyEmail: {
			models.MailData{Name: "Ada", At: testkit.Start.Add(24 * time.Hour)}, "tok_en-456", "Confirm your email for Crumb",
			[]string{"https://shop.example.com/account/verify?token=tok_en-456", "works once, until 8 Mar 2026 11:00 EDT"},
		},
	}
	for i, kind := range models.MailKinds() {
		tt, ok := tests[kind]
		if !ok {
			t.Errorf("no test for the %s email", kind)
			continue
		}
		msg, err := r.Render(message(t, uint(i+1), kind, tt.data, tt.secret))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if err := s.Send(context.Background(), msg); err != nil {
			t.Fatalf("%s: send: %v", kind, err)
		}
		got := srv.Messages()[i]
		if got.Subject != tt.subject || got.From != "orders@crumb.test" || strings.Join(got.To, ",") != "ada@example.com" {
			t.Errorf("%s: subject %q from %q to %q", kind, got.Subject, got.From, got.To)
		}
		if got.Header.Get("Message-Id") != "<"+msg.ID+">" || !strings.HasSuffix(msg.ID, "@shop.example.com") {
			t.Errorf("%s: Message-ID %q, want <%s>", kind, got.Header.Get("Message-Id"), msg.ID)
		}
		if got.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("%s: Auto-Submitted = %q", kind, got.Header.Get("Auto-Submitted"))
		}
		if !strings.HasPrefix(got.Text, "Hello Ada,") || !strings.Contains(got.HTML, "<p>Hello Ada,</p>") {
			t.Errorf("%s: no greeting:\n%s", kind, got.Text)
		}
		for _, want := range tt.want {
			if !strings.Contains(got.Text, want) {
				t.Errorf("%s: the text part lacks %q:\n%s", kind, want, got.Text)
			}
			if !strings.Contains(html.UnescapeString(got.HTML), want) {
				t.Errorf("%s: the HTML part lacks %q", kind, want)
			}
		}
	}
}

func TestCashOnDeliveryNeedsNoPaymentDetails(t *testing.T) {
	cod := *order
	cod.PaymentMethod = models.PayOnDelivery
	msg, err := renderer(t).Render(message(t, 1, models.MailOrderPlaced, models.MailData{Name: "Ada", Order: &cod}, ""))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.Text, "Pay $40.00 in cash on delivery.") || strings.Contains(msg.Text+msg.HTML, "IBAN") {
		t.Errorf("cash on delivery:\n%s", msg.Text)
	}
}

func TestSMTPConnections(t *testing.T) {
	tests := []struct {
		name   string
		server []smtptest.Option
		url    func(*smtptest.Server) string
		tls    bool
		user   string
	}{
		{"plain, for a local catcher", nil, (*smtptest.Server).URL, false, ""},
		{"STARTTLS when offered", []smtptest.Option{smtptest.WithSTARTTLS()}, (*smtptest.Server).URL, true, ""},
		{"STARTTLS and a password", []smtptest.Option{smtptest.WithSTARTTLS(), smtptest.WithAuth("crumb", "s3cret pass")}, (*smtptest.Server).URL, true, "crumb"},
		{"smtps and a password", []smtptest.Option{smtptest.WithImplicitTLS(), smtptest.WithAuth("crumb", "s3cret")}, (*smtptest.Server).URL, true, "crumb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.server...)
			if err := smtpTo(t, tt.url(srv), srv).Send(context.Background(), mail.Message{ID: "1@x", To: "ada@example.com", Subject: "Hi", Text: "hi", HTML: "<p>hi</p>"}); err != nil {
				t.Fatal(err)
			}
			got := srv.Messages()
			if len(got) != 1 || got[0].TLS != tt.tls || got[0].User != tt.user || got[0].Text != "hi" || got[0].HTML != "<p>hi</p>" {
				t.Errorf("delivered %+v, want one over TLS %v by %q", got, tt.tls, tt.user)
			}
		})
	}

	refused := []struct {
		name   string
		server []smtptest.Option
		url    func(*smtptest.Server) string
	}{
		{"a password to a server without TLS", []smtptest.Option{smtptest.WithAuth("crumb", "s3cret")},
			func(s *smtptest.Server) string { return "smtp://crumb:s3cret@" + s.Addr }},
		{"a wrong password", []smtptest.Option{smtptest.WithSTARTTLS(), smtptest.WithAuth("crumb", "s3cret")},
			func(s *smtptest.Server) string { return "smtp://crumb:guess@" + s.Addr }},
		{"no password where one is needed", []smtptest.Option{smtptest.WithSTARTTLS(), smtptest.WithAuth("crumb", "s3cret")},
			func(s *smtptest.Server) string { return "smtp://" + s.Addr }},
		{"an untrusted certificate", []smtptest.Option{smtptest.WithImplicitTLS()}, nil},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.server...)
			var s *mail.SMTP
			if tt.url == nil {
				var err error
				if s, err = mail.NewSMTP(srv.URL(), "orders@crumb.test", nil); err != nil {
					t.Fatal(err)
				}
			} else {
				s = smtpTo(t, tt.url(srv), srv)
			}
			if err := s.Send(context.Background(), mail.Message{ID: "1@x", To: "ada@example.com", Subject: "Hi", Text: "hi", HTML: "<p>hi</p>"}); err == nil {
				t.Error("sent")
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("%d messages delivered", n)
			}
		})
	}
}

func TestNewSMTPRefusesBadSettings(t *testing.T) {
	for _, tt := range []struct{ url, from string }{
		{"http://mail.example.com", "orders@crumb.test"},
		{"smtp://", "orders@crumb.test"},
		{"smtp://mail.example.com:port", "orders@crumb.test"},
		{"smtp://mail.example.com", "not an address"},
	} {
		if _, err := mail.NewSMTP(tt.url, tt.from, nil); err == nil {
			t.Errorf("NewSMTP(%q, %q) accepted", tt.url, tt.from)
		}
	}
}
