package mail_test

import (
	"context"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
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

// mailCase is one kind of email as a test sends it and what it must say.
type mailCase struct {
	data    models.MailData
	secret  string
	subject string
	want    []string // in both parts
}

// deliverEach renders and sends the email of every kind in cases through
// a real SMTP server, checks what every email has (its subject, sender,
// recipient and headers, the greeting, the HTML's language, the wanted
// words in both parts) and returns what arrived, by kind.
func deliverEach(t *testing.T, r *mail.Renderer, cases map[string]mailCase, greeting, lang string) map[string]smtptest.Message {
	t.Helper()
	srv := smtptest.Start(t)
	s := smtpTo(t, srv.URL(), srv)
	got := map[string]smtptest.Message{}
	for i, kind := range models.MailKinds() {
		tt, ok := cases[kind]
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
		m := srv.Messages()[len(got)]
		got[kind] = m
		if m.Subject != tt.subject || m.From != "orders@crumb.test" || strings.Join(m.To, ",") != "ada@example.com" {
			t.Errorf("%s: subject %q from %q to %q", kind, m.Subject, m.From, m.To)
		}
		if m.Header.Get("Message-Id") != "<"+msg.ID+">" || !strings.HasSuffix(msg.ID, "@shop.example.com") {
			t.Errorf("%s: Message-ID %q, want <%s>", kind, m.Header.Get("Message-Id"), msg.ID)
		}
		if m.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("%s: Auto-Submitted = %q", kind, m.Header.Get("Auto-Submitted"))
		}
		if !strings.HasPrefix(m.Text, greeting) || !strings.Contains(m.HTML, "<p>"+greeting+"</p>") {
			t.Errorf("%s: no greeting %q:\n%s", kind, greeting, m.Text)
		}
		if !strings.Contains(m.HTML, `<html lang="`+lang+`">`) {
			t.Errorf("%s: the HTML part is not marked as %s", kind, lang)
		}
		for _, want := range tt.want {
			if !strings.Contains(m.Text, want) {
				t.Errorf("%s: the text part lacks %q:\n%s", kind, want, m.Text)
			}
			if !strings.Contains(html.UnescapeString(m.HTML), want) {
				t.Errorf("%s: the HTML part lacks %q", kind, want)
			}
		}
	}
	return got
}

// A message queued before emails spoke the account's language names none:
// these are such messages, and they read in English, as they were written.
func TestEveryKindIsDeliveredWithBothParts(t *testing.T) {
	orderLines := []string{"CR-7K3M9Q2XWP", "2 × Baguette", "$8.00", "Carrot Cake", "$40.00"}
	address := []string{"Ada Baker", "1 Flour St", "Apt 2", "10001 US", "+1 555 0100"}
	got := deliverEach(t, renderer(t), map[string]mailCase{
		models.MailOrderPlaced: {
			models.MailData{Name: "Ada", Order: order}, "", "Your Crumb order CR-7K3M9Q2XWP",
			append([]string{"Please transfer $40.00 to Crumb Bakery, IBAN GB00 CRUM 0000 0000 0000 00, with reference CR-7K3M9Q2XWP.",
				"https://shop.example.com/orders/CR-7K3M9Q2XWP", "is placed (7 Mar 2026, 10:00 AM)", "Delivery to", "at $4.00", "Total"},
				append(orderLines, address...)...),
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
			[]string{"https://shop.example.com/password/reset?token=tok_en-123", "works once, until 7 Mar 2026, 10:30 AM."},
		},
		models.MailPasswordChanged: {
			models.MailData{Name: "Ada", At: testkit.Start}, "", "Your Crumb password was changed",
			[]string{"was changed on 7 Mar 2026, 10:00 AM,", "signed out", "https://shop.example.com/password/forgot"},
		},
		models.MailVerifyEmail: {
			models.MailData{Name: "Ada", At: testkit.Start.Add(24 * time.Hour)}, "tok_en-456", "Confirm your email for Crumb",
			[]string{"https://shop.example.com/account/verify?token=tok_en-456", "works once, until 8 Mar 2026, 11:00 AM."},
		},
		models.MailAccountDeleted: {
			models.MailData{Name: "Ada", At: testkit.Start, OrdersKept: 2, KeptYears: 5}, "", "Your Crumb account is deleted",
			[]string{"was deleted on 7 Mar 2026, 10:00 AM", "2 orders of yours stay in the bakery's books for 5 years", "without your email", "sign up again"},
		},
	}, "Hello Ada,", "en")
	for kind, m := range got {
		if hangul.MatchString(m.Subject + m.Text + m.HTML) {
			t.Errorf("%s: Korean in an English email:\n%s", kind, m.Text)
		}
	}
}

var (
	hangul = regexp.MustCompile(`\p{Hangul}`)
	latin  = regexp.MustCompile(`[A-Za-z][A-Za-z0-9-]*`)
	links  = regexp.MustCompile(`https://\S+`)
	tags   = regexp.MustCompile(`<[^>]*>`)
)

// TestEveryKindInKorean: an account that reads Korean gets every email in
// Korean, subject, text and HTML, as a Korean shop writes it. The only
// Latin words are those of the data: the brand, the products, the
// address, the order number, the bank account, the links.
func TestEveryKindInKorean(t *testing.T) {
	ko := func(d models.MailData) models.MailData { d.Name, d.Lang = "김하늘", models.Korean; return d }
	orderLines := []string{"CR-7K3M9Q2XWP", "Baguette 2개", "(개당 US$4.00)", "US$8.00", "Carrot Cake 1개", "합계", "US$40.00"}
	address := []string{"Ada Baker", "1 Flour St", "Apt 2", "10001 US", "+1 555 0100"}
	got := deliverEach(t, renderer(t), map[string]mailCase{
		models.MailOrderPlaced: {
			ko(models.MailData{Order: order}), "", "[Crumb] 주문이 접수되었습니다 (주문번호 CR-7K3M9Q2XWP)",
			append([]string{"주문해 주셔서 감사합니다.", "2026년 3월 7일 오전 10:00에 접수되었습니다", "배송지", "입금 계좌: Crumb Bakery, IBAN GB00 CRUM 0000 0000 0000 00 / 입금 금액: US$40.00",
				"입금 메모: CR-7K3M9Q2XWP", "https://shop.example.com/orders/CR-7K3M9Q2XWP"}, append(orderLines, address...)...),
		},
		models.MailOrderShipped: {
			ko(models.MailData{Order: order}), "", "[Crumb] 주문하신 상품이 발송되었습니다 (주문번호 CR-7K3M9Q2XWP)",
			append([]string{"빵집을 떠나 아래 배송지로 출발했습니다"}, append(orderLines, address...)...),
		},
		models.MailOrderCancelled: {
			ko(models.MailData{Order: order}), "", "[Crumb] 주문이 취소되었습니다 (주문번호 CR-7K3M9Q2XWP)",
			append([]string{"취소되어 상품은 배송되지 않습니다.", "입금하신 금액(US$40.00)을 보내 주신 계좌로 돌려 드립니다."}, orderLines...),
		},
		models.MailPasswordReset: {
			ko(models.MailData{At: testkit.Start.Add(30 * time.Minute)}), "tok_en-123", "[Crumb] 비밀번호 재설정 안내",
			[]string{"새 비밀번호를 설정해 주세요", "https://shop.example.com/password/reset?token=tok_en-123", "2026년 3월 7일 오전 10:30까지 한 번만"},
		},
		models.MailPasswordChanged: {
			ko(models.MailData{At: testkit.Start}), "", "[Crumb] 비밀번호가 변경되었습니다",
			[]string{"2026년 3월 7일 오전 10:00에 Crumb 계정의 비밀번호가 변경되었습니다", "로그아웃되었습니다", "https://shop.example.com/password/forgot"},
		},
		models.MailVerifyEmail: {
			ko(models.MailData{At: testkit.Start.Add(24 * time.Hour)}), "tok_en-456", "[Crumb] 이메일 주소를 인증해 주세요",
			[]string{"인증을 마치시면 주문하실 수 있고", "https://shop.example.com/account/verify?token=tok_en-456", "2026년 3월 8일 오전 11:00까지 한 번만"},
		},
		models.MailAccountDeleted: {
			ko(models.MailData{At: testkit.Start, OrdersKept: 1, KeptYears: 5}), "", "[Crumb] 계정이 삭제되었습니다",
			[]string{"2026년 3월 7일 오전 10:00에 Crumb 계정이 삭제되었습니다", "주문 1건은 배송지와 함께 5년 동안 보관되며", "다시 가입하실 수 있으며"},
		},
	}, "김하늘님, 안녕하세요.", "ko")
	data := []string{"Crumb", models.BankAccount, order.Number, order.Shipping.Name, order.Shipping.Address1, order.Shipping.Address2, order.Shipping.Country}
	for _, l := range order.Lines {
		data = append(data, l.Name)
	}
	allowed := map[string]bool{}
	for _, w := range latin.FindAllString(strings.Join(data, " "), -1) {
		allowed[w] = true
	}
	for kind, m := range got {
		for part, s := range map[string]string{"subject": m.Subject, "text": m.Text, "HTML": html.UnescapeString(tags.ReplaceAllString(m.HTML, " "))} {
			for _, w := range latin.FindAllString(links.ReplaceAllString(s, " "), -1) {
				if !allowed[w] {
					t.Errorf("%s: the %s says %q in a Korean email:\n%s", kind, part, w, s)
				}
			}
		}
	}
	if raw := got[models.MailOrderPlaced].Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?") || hangul.MatchString(raw) {
		t.Errorf("the Korean subject went as %q, not as RFC 2047 encoded words", raw)
	}
}
