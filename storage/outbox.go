package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"crumb/models"
	"crumb/secret"
)

// linkMailKinds are the kinds LinkMailsPerHour counts.
var linkMailKinds = []string{models.MailPasswordReset, models.MailVerifyEmail}

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

// enqueue queues a message to the account user in tx, due now. It goes to
// the account's email, greets its name and is written in its language,
// whoever caused it: a shopper signed out, the back office, a background
// job.
func (o *Outbox) enqueue(tx *gorm.DB, kind string, user models.User, data models.MailData, oneTimeSecret string) error {
	msg, err := o.message(kind, user, data, oneTimeSecret)
	if err != nil {
		return err
	}
	return o.insert(tx, msg)
}

// message is the outbox row of an email enqueue would queue.
func (o *Outbox) message(kind string, user models.User, data models.MailData, oneTimeSecret string) (models.OutboxMessage, error) {
	data.Name, data.Lang = user.Name, user.Language
	body, err := json.Marshal(data)
	if err != nil {
		return models.OutboxMessage{}, fmt.Errorf("outbox: %w", err)
	}
	now := o.now().UTC()
	return models.OutboxMessage{Kind: kind, Recipient: user.Email, Data: string(body), Secret: oneTimeSecret, NextAttemptAt: now, CreatedAt: now}, nil
}

// insert queues msg in tx.
func (o *Outbox) insert(tx *gorm.DB, msg models.OutboxMessage) error {
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
	err := tx.Model(&models.OutboxMessage{}).Where("recipient = ? AND kind IN ? AND created_at > ?", to, linkMailKinds, o.now().UTC().Add(-time.Hour)).
		Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("outbox: %w", err)
	}
	return n < models.LinkMailsPerHour, nil
}

// Claim takes up to limit due messages for one sender for lease: no other
// sender gets them until they are marked sent or failed, or the lease runs
// out (the sender died). Each claim counts as an attempt. On Postgres,
// rows another sender is claiming at this moment are skipped, not waited
// for; SQLite runs one writer at a time.
func (o *Outbox) Claim(ctx context.Context, limit int, lease time.Duration) ([]models.OutboxMessage, error) {
	now := o.now().UTC()
	lock := ""
	if o.db.Dialector.Name() == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []models.OutboxMessage
	err := Conn(ctx, o.db).Raw(`UPDATE outbox SET claim = ?, claimed_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox
			WHERE sent_at IS NULL AND attempts < ? AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
			ORDER BY id LIMIT ?`+lock+`)
		RETURNING *`, secret.Hex(16), now.Add(lease), models.MaxMailAttempts, now, now, limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("outbox claim: %w", err)
	}
	return out, nil
}

// MarkSent records that m was delivered and forgets its secret. False when
// m's claim was lost (its lease ran out and another sender took it).
//
// The last email to a deleted account's address is deleted once sent:
// Crumb keeps nothing of the address after it.
func (o *Outbox) MarkSent(ctx context.Context, m models.OutboxMessage) (bool, error) {
	sent := Conn(ctx, o.db).Model(&models.OutboxMessage{}).Where("id = ? AND claim = ?", m.ID, m.Claim)
	if m.Kind == models.MailAccountDeleted {
		res := sent.Delete(&models.OutboxMessage{})
		if res.Error != nil {
			return false, fmt.Errorf("outbox: %w", res.Error)
		}
		return res.RowsAffected == 1, nil
	}
	res := sent.Updates(map[string]any{"sent_at": o.now().UTC(), "secret": "", "claim": nil, "claimed_until": nil, "last_error": ""})
	if res.Error != nil {
		return false, fmt.Errorf("outbox: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// MarkFailed records why m was not delivered and when to try again:
// later after each failure (see retryAfter), never again when permanent
// or after MaxMailAttempts. It reports whether m will be tried again.
func (o *Outbox) MarkFailed(ctx context.Context, m models.OutboxMessage, cause string, permanent bool) (bool, error) {
	attempts := m.Attempts
	if permanent {
		attempts = models.MaxMailAttempts
	}
	if len(cause) > 500 {
		cause = cause[:500]
	}
	res := Conn(ctx, o.db).Model(&models.OutboxMessage{}).Where("id = ? AND claim = ?", m.ID, m.Claim).
		Updates(map[string]any{
			"attempts": attempts, "next_attempt_at": o.now().UTC().Add(retryAfter(attempts)),
			"claim": nil, "claimed_until": nil, "last_error": cause,
		})
	if res.Error != nil {
		return false, fmt.Errorf("outbox: %w", res.Error)
	}
	return attempts < models.MaxMailAttempts, nil
}

// Release hands back the messages of claim that were neither sent nor
// failed, their attempt not counted: due again at once for any sender.
// A sender that stops releases what it claimed and will not get to.
func (o *Outbox) Release(ctx context.Context, claim string) error {
	err := Conn(ctx, o.db).Exec(`UPDATE outbox SET claim = NULL, claimed_until = NULL, attempts = attempts - 1 WHERE claim = ?`, claim).Error
	if err != nil {
		return fmt.Errorf("outbox release: %w", err)
	}
	return nil
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
func (o *Outbox) Recent(ctx context.Context, limit int) ([]models.OutboxMessage, error) {
	var out []models.OutboxMessage
	if err := Conn(ctx, o.db).Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}

// ByID loads one message; ErrNotFound when there is none.
func (o *Outbox) ByID(ctx context.Context, id uint) (models.OutboxMessage, error) {
	var m models.OutboxMessage
	err := Conn(ctx, o.db).Take(&m, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, models.ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("outbox: %w", err)
	}
	return m, nil
}

// Sweep deletes messages sent more than KeepSentMail ago, and those given
// up on as long ago (the last email to a deleted account's address as
// soon as it is given up on). Safe on every instance at once.
func (o *Outbox) Sweep(ctx context.Context) (int64, error) {
	before := o.now().UTC().Add(-models.KeepSentMail)
	res := Conn(ctx, o.db).Where("sent_at < ? OR (sent_at IS NULL AND attempts >= ? AND (created_at < ? OR kind = ?))",
		before, models.MaxMailAttempts, before, models.MailAccountDeleted).
		Delete(&models.OutboxMessage{})
	if res.Error != nil {
		return 0, fmt.Errorf("outbox sweep: %w", res.Error)
	}
	return res.RowsAffected, nil
}
