package models

import (
	"encoding/json"
	"fmt"
	"time"
)

// Kinds of email Crumb sends. Each has its templates under views/mail.
const (
	MailOrderPlaced     = "order_placed"
	MailOrderShipped    = "order_shipped"
	MailOrderCancelled  = "order_cancelled"
	MailPasswordReset   = "password_reset"
	MailPasswordChanged = "password_changed"
	MailVerifyEmail     = "verify_email"
	MailAccountDeleted  = "account_deleted"
)

// MailKinds lists every kind, so a test can check that each has templates.
func MailKinds() []string {
	return []string{MailOrderPlaced, MailOrderShipped, MailOrderCancelled, MailPasswordReset, MailPasswordChanged, MailVerifyEmail, MailAccountDeleted}
}

// LinkMailsPerHour is how many emails with a link that opens an account
// (password reset and email verification, together) one address is sent
// in an hour at most, whatever asked for them: asking more often sends
// nothing more, and is answered the same.
const LinkMailsPerHour = 3

// Outbox limits.
const (
	// MaxMailAttempts is how many times a message is tried before the
	// outbox gives up on it (about 13 hours of retries; see storage.Outbox).
	MaxMailAttempts = 20
	// KeepSentMail is how long a sent message stays in the outbox: as
	// long as an account's data lists it.
	KeepSentMail = MailsShown
)

// OutboxMessage is one email waiting to be sent, or sent. Data is what its
// templates show (JSON of MailData); Secret is a one-time token the message
// carries (a reset or verification link's), cleared once the message is
// sent.
type OutboxMessage struct {
	ID            uint
	Kind          string
	Recipient     string
	Data          string
	Secret        string
	Attempts      int
	NextAttemptAt time.Time
	Claim         *string
	ClaimedUntil  *time.Time
	SentAt        *time.Time
	LastError     string
	CreatedAt     time.Time
}

// TableName is the outbox table.
func (OutboxMessage) TableName() string { return "outbox" }

// Mail decodes the message's data.
func (m OutboxMessage) Mail() (MailData, error) {
	var d MailData
	if err := json.Unmarshal([]byte(m.Data), &d); err != nil {
		return MailData{}, fmt.Errorf("outbox message %d: %w", m.ID, err)
	}
	return d, nil
}

// MailData is what a message's templates show; each kind fills its part.
type MailData struct {
	Name  string     `json:"name"`            // the shopper's name
	Lang  Language   `json:"lang,omitempty"`  // the account's, the email's; none in mail queued before emails spoke it
	At    time.Time  `json:"at"`              // when it happened (a reset link: when it expires)
	Order *OrderMail `json:"order,omitempty"` // the order kinds
	// A deleted account's: how many of its orders the bakery keeps, and
	// for how many years.
	OrdersKept int `json:"orders_kept,omitempty"`
	KeptYears  int `json:"kept_years,omitempty"`
}
