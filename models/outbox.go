package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"crumb/secret"
)

// Kinds of email Crumb sends. Each has its templates under views/mail.
const (
	MailOrderPlaced     = "order_placed"
	MailOrderShipped    = "order_shipped"
	MailOrderCancelled  = "order_cancelled"
	MailPasswordReset   = "password_reset"
	MailPasswordChanged = "password_changed"
	MailVerifyEmail     = "verify_email"
)

// MailKinds lists every kind, so a test can check that each has templates.
func MailKinds() []string {
	return []string{MailOrderPlaced, MailOrderShipped, MailOrderCancelled, MailPasswordReset, MailPasswordChanged, MailVerifyEmail}
}

// LinkMailsPerHour is how many emails with a link that opens an account
// (password reset and email verification, together) one address is sent
// in an hour at most, whatever asked for them: asking more often sends
// nothing more, and is answered the same.
const LinkMailsPerHour = 3

// linkMailKinds are the kinds LinkMailsPerHour counts.
var linkMailKinds = []string{MailPasswordReset, MailVerifyEmail}

// Outbox limits.
const (
	// MaxMailAttempts is how many times a message is tried before the
	// outbox gives up on it (about 13 hours of retries; see retryAfter).
	MaxMailAttempts = 20
	// KeepSentMail is how long a sent message stays in the outbox.
	KeepSentMail = 14 * 24 * time.Hour
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
	At    time.Time  `json:"at"`              // when it happened (a reset link: when it expires)
	Order *OrderMail `json:"order,omitempty"` // the order kinds
}

// Outbox owns the outbox table: email queued in the same transaction as
// what caused it, and claimed, sent and retried by mail.Sender. A claim is
// a conditional update, so any number of senders can share one outbox and
// each message is sent once.
type Outbox struct {
	db  *gorm.DB
	now func() time.Time
}

// NewOutbox builds the outbox store.
func NewOutbox(db *gorm.DB, now func() time.Time) *Outbox { return &Outbox{db: db, now: now} }

// enqueue queues a message in tx, due now.
func (o *Outbox) enqueue(tx *gorm.DB, kind, to string, data MailData, oneTimeSecret string) error {
	body, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	now := o.now().UTC()
	msg := OutboxMessage{Kind: kind, Recipient: to, Data: string(body), Secret: oneTimeSecret, NextAttemptAt: now, CreatedAt: now}
	if err := tx.Create(&msg).Error; err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// linkMailAllowed reports, in tx, whether to may be sent one more email
// with a link now: fewer than LinkMailsPerHour of them were queued for it
// in the last hour, on any instance. On Postgres the address stays locked
// until tx ends, so two instances cannot both send the last one; SQLite
// transactions take the write lock as they begin.
func (o *Outbox) linkMailAllowed(tx *gorm.DB, to string) (bool, error) {
	if tx.Dialector.Name() == "postgres" {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "crumb link mail:"+to).Error; err != nil {
			return false, fmt.Errorf("outbox: %w", err)
		}
	}
	var n int64
	err := tx.Model(&OutboxMessage{}).Where("recipient = ? AND kind IN ? AND created_at > ?", to, linkMailKinds, o.now().UTC().Add(-time.Hour)).
		Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("outbox: %w", err)
	}
	return n < LinkMailsPerHour, nil
}

// Claim takes up to limit due messages for one sender for lease: no other
// sender gets them until they are marked sent or failed, or the lease runs
// out (the sender died). Each claim counts as an attempt. On Postgres,
// rows another sender is claiming at this moment are skipped, not waited
// for; SQLite runs one writer at a time.
func (o *Outbox) Claim(ctx context.Context, limit int, lease time.Duration) ([]OutboxMessage, error) {
	now := o.now().UTC()
	lock := ""
	if o.db.Dialector.Name() == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []OutboxMessage
	err := Conn(ctx, o.db).Raw(`UPDATE outbox SET claim = ?, claimed_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox
			WHERE sent_at IS NULL AND attempts < ? AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
			ORDER BY id LIMIT ?`+lock+`)
		RETURNING *`, secret.Hex(16), now.Add(lease), MaxMailAttempts, now, now, limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("outbox claim: %w", err)
	}
	return out, nil
}

// MarkSent records that m was delivered and forgets its secret. False when
// m's claim was lost (its lease ran out and another sender took it).
func (o *Outbox) MarkSent(ctx context.Context, m OutboxMessage) (bool, error) {
	res := Conn(ctx, o.db).Model(&OutboxMessage{}).Where("id = ? AND claim = ?", m.ID, m.Claim).
		Updates(map[string]any{"sent_at": o.now().UTC(), "secret": "", "claim": nil, "claimed_until": nil, "last_error": ""})
	if res.Error != nil {
		return false, fmt.Errorf("outbox: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// MarkFailed records why m was not delivered and when to try again:
// later after each failure (see retryAfter), never again when permanent
// or after MaxMailAttempts. It reports whether m will be tried again.
func (o *Outbox) MarkFailed(ctx context.Context, m OutboxMessage, cause string, permanent bool) (bool, error) {
	attempts := m.Attempts
	if permanent {
		attempts = MaxMailAttempts
	}
	if len(cause) > 500 {
		cause = cause[:500]
	}
	res := Conn(ctx, o.db).Model(&OutboxMessage{}).Where("id = ? AND claim = ?", m.ID, m.Claim).
		Updates(map[string]any{
			"attempts": attempts, "next_attempt_at": o.now().UTC().Add(retryAfter(attempts)),
			"claim": nil, "claimed_until": nil, "last_error": cause,
		})
	if res.Error != nil {
		return false, fmt.Errorf("outbox: %w", res.Error)
	}
	return attempts < MaxMailAttempts, nil
}

// retryAfter is the wait after the given number of failed attempts: 30
// seconds, doubling each time, at most an hour.
func retryAfter(attempts int) time.Duration {
	wait := 30 * time.Second
	for i := 1; i < attempts && wait < time.Hour; i++ {
		wait *= 2
	}
	return min(wait, time.Hour)
}

// Recent lists the newest messages first, sent or not (the development
// mailbox).
func (o *Outbox) Recent(ctx context.Context, limit int) ([]OutboxMessage, error) {
	var out []OutboxMessage
	if err := Conn(ctx, o.db).Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}

// ByID loads one message; ErrNotFound when there is none.
func (o *Outbox) ByID(ctx context.Context, id uint) (OutboxMessage, error) {
	var m OutboxMessage
	err := Conn(ctx, o.db).Take(&m, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("outbox: %w", err)
	}
	return m, nil
}

// Sweep deletes messages sent more than KeepSentMail ago, and those given
// up on as long ago. Safe on every instance at once.
func (o *Outbox) Sweep(ctx context.Context) (int64, error) {
	before := o.now().UTC().Add(-KeepSentMail)
	res := Conn(ctx, o.db).Where("sent_at < ? OR (sent_at IS NULL AND attempts >= ? AND created_at < ?)", before, MaxMailAttempts, before).
		Delete(&OutboxMessage{})
	if res.Error != nil {
		return 0, fmt.Errorf("outbox sweep: %w", res.Error)
	}
	return res.RowsAffected, nil
}
