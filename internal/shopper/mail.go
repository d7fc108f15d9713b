package shopper

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"gorm.io/gorm"

	"crumb/mail"
	"crumb/models"
	"crumb/views"
)

// A Mailbox is where a tool reads the email the shop sent an address.
type Mailbox interface {
	// VerifyLink is the newest email verification link sent to email, or
	// ErrNoMail when none has arrived yet.
	VerifyLink(email string) (string, error)
}

// ErrNoMail is a link not in the mailbox yet.
var ErrNoMail = errors.New("no such email yet")

var verifyLink = regexp.MustCompile(`https?://\S+/account/verify\?token=\S+`)

// Outbox reads the email from the outbox table of the shop's database,
// rendered as the shop renders it for base: where email waits while the
// shop's mail server does not answer (the load and soak runs give the shop
// one where nothing listens), its link's token kept until it is sent.
func Outbox(db *gorm.DB, base string) (Mailbox, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	r, err := mail.NewRenderer(views.FS, u, time.UTC)
	if err != nil {
		return nil, err
	}
	return outbox{db: db, render: r}, nil
}

type outbox struct {
	db     *gorm.DB
	render *mail.Renderer
}

func (o outbox) VerifyLink(email string) (string, error) {
	var m models.OutboxMessage
	err := o.db.Where("kind = ? AND recipient = ?", models.MailVerifyEmail, email).Order("id DESC").Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", ErrNoMail
	}
	if err != nil {
		return "", err
	}
	msg, err := o.render.Render(m)
	if err != nil {
		return "", err
	}
	if link := verifyLink.FindString(msg.Text); link != "" {
		return link, nil
	}
	return "", fmt.Errorf("the verification email to %s has no link (sent already: the outbox keeps no token)", email)
}

// MailServer reads the mailbox of the mail server the shop delivers to
// (internal/smtptest/mailbox, at base: GET /messages?to=ADDRESS).
func MailServer(base string, client *http.Client) Mailbox {
	return mailServer{base: base, client: client}
}

type mailServer struct {
	base   string
	client *http.Client
}

func (m mailServer) VerifyLink(email string) (string, error) {
	res, err := m.client.Get(m.base + "/messages?to=" + url.QueryEscape(email))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var messages []struct{ Text string }
	if err := json.NewDecoder(res.Body).Decode(&messages); err != nil {
		return "", fmt.Errorf("the mailbox at %s: %w", m.base, err)
	}
	for _, msg := range messages { // newest first
		if link := verifyLink.FindString(msg.Text); link != "" {
			return link, nil
		}
	}
	return "", ErrNoMail
}

// Verify follows the newest verification link mb has for email, as its
// owner would, waiting up to 20 seconds for it to arrive: the email is
// verified, and the account may order.
func (s *Shopper) Verify(mb Mailbox, email string) error {
	var link string
	var err error
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if link, err = mb.VerifyLink(email); !errors.Is(err, ErrNoMail) || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("verify %s: %w", email, err)
	}
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Errorf("verify %s: %w", email, err)
	}
	res, err := s.Get(u.RequestURI())
	return expect("verify "+email, res, err, http.StatusSeeOther)
}
