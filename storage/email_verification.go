package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"crumb/models"
	"crumb/secret"
)

// VerifyLinkLifetime is how long an email verification link works.
const VerifyLinkLifetime = 24 * time.Hour

// ErrVerifyLinkInvalid is returned for a verification token that is
// unknown, used, expired, or for an address the account no longer has or
// has verified since.
var ErrVerifyLinkInvalid = errors.New("storage: verification link unknown, used or expired")

// EmailVerification is a link that verifies one address of one account.
// It works once, until ExpiresAt, while the account still has Email and
// has not verified it. Only the SHA-256 of the link's token is kept.
type EmailVerification struct {
	ID        uint
	UserID    uint
	Email     string
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// EmailVerifications owns the email_verifications table: the links that
// prove an account's email is its owner's. Signing up and changing the
// email write the account (through Users) and queue its link in one
// transaction; following a link marks the email verified. Every link
// email counts towards LinkMailsPerHour for its address.
type EmailVerifications struct {
	db     *gorm.DB
	users  *Users
	outbox *Outbox
	now    func() time.Time
}

// NewEmailVerifications builds the verification store; links are sent
// through outbox.
func NewEmailVerifications(db *gorm.DB, users *Users, outbox *Outbox, now func() time.Time) *EmailVerifications {
	return &EmailVerifications{db: db, users: users, outbox: outbox, now: now}
}

// SignUp creates an account, its email not verified yet, reading the shop
// in lang, and queues the link that verifies it, in one transaction; name,
// email and password must have been checked (CheckName, NormalizeEmail,
// CheckPassword). ErrEmailTaken if an account has the email.
func (s *EmailVerifications) SignUp(ctx context.Context, name, email, password string, lang models.Language) (models.User, error) {
	u := s.users.newUser(name, email, password)
	u.Language = lang
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		var err error
		if u, err = s.users.insert(tx, u); err != nil {
			return err
		}
		_, err = s.issue(tx, u)
		return err
	})
	return u, err
}

// ChangeEmail gives the account a new email (normalised by
// NormalizeEmail), not verified: the links to its old address end and a
// link to the new one is queued, in one transaction. changed is false
// when the account already had that email; ErrEmailTaken if another
// account has it.
func (s *EmailVerifications) ChangeEmail(ctx context.Context, userID uint, email string) (changed bool, err error) {
	err = Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if changed, err = s.users.setEmail(tx, userID, email); err != nil || !changed {
			return err
		}
		if err := tx.Where("user_id = ?", userID).Delete(&EmailVerification{}).Error; err != nil {
			return fmt.Errorf("email verification: %w", err)
		}
		user, err := s.users.byID(tx, userID)
		if err != nil {
			return err
		}
		_, err = s.issue(tx, user)
		return err
	})
	return changed, err
}

// Resend queues another link to the account's email, unless it is
// verified already, and returns the account as it is. Whether a link
// went depends on LinkMailsPerHour, and is not told: the shopper is
// answered the same either way. Earlier links keep working.
func (s *EmailVerifications) Resend(ctx context.Context, userID uint) (models.User, error) {
	var user models.User
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		var err error
		if user, err = s.users.byID(tx, userID); err != nil || user.EmailVerified() {
			return err
		}
		_, err = s.issue(tx, user)
		return err
	})
	return user, err
}

// issue writes a new link for user's email and queues its email in tx,
// unless the address had its LinkMailsPerHour this hour; it reports
// whether a link went.
func (s *EmailVerifications) issue(tx *gorm.DB, user models.User) (bool, error) {
	ok, err := s.outbox.linkMailAllowed(tx, user.Email)
	if err != nil || !ok {
		return false, err
	}
	token := secret.Token(32)
	now := s.now().UTC()
	link := EmailVerification{UserID: user.ID, Email: user.Email, TokenHash: secret.Hash(token), CreatedAt: now, ExpiresAt: now.Add(VerifyLinkLifetime)}
	if err := tx.Create(&link).Error; err != nil {
		return false, fmt.Errorf("email verification: %w", err)
	}
	if err := s.outbox.enqueue(tx, models.MailVerifyEmail, user, models.MailData{At: link.ExpiresAt}, token); err != nil {
		return false, err
	}
	return true, nil
}

// Verify uses a verification link: in one transaction the link is used
// up (a conditional delete: it works once), the account's email is
// marked verified and every other link of the account ends. It returns
// the account; ErrVerifyLinkInvalid when the link works no more, and
// ErrDisabled, using nothing, when the bakery disabled the account.
func (s *EmailVerifications) Verify(ctx context.Context, token string) (models.User, error) {
	var user models.User
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		link, err := s.link(tx, token)
		if err != nil {
			return err
		}
		if user, err = s.users.byID(tx, link.UserID); err != nil {
			return err
		}
		if user.Disabled() {
			return models.ErrDisabled
		}
		res := tx.Where("id = ? AND token_hash = ?", link.ID, link.TokenHash).Delete(&EmailVerification{})
		if res.Error != nil {
			return fmt.Errorf("email verification: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrVerifyLinkInvalid // used by a request that got there first
		}
		now := s.now().UTC()
		if ok, err := s.users.markVerified(tx, user.ID, link.Email, now); err != nil || !ok {
			if err == nil {
				err = ErrVerifyLinkInvalid
			}
			return err
		}
		user.EmailVerifiedAt = &now
		if err := tx.Where("user_id = ?", user.ID).Delete(&EmailVerification{}).Error; err != nil {
			return fmt.Errorf("email verification: %w", err)
		}
		return nil
	})
	return user, err
}

// link is the live link of token: not expired, for the address the
// account has now, not verified yet; ErrVerifyLinkInvalid when there is
// none.
func (s *EmailVerifications) link(db *gorm.DB, token string) (EmailVerification, error) {
	var link EmailVerification
	if token == "" {
		return link, ErrVerifyLinkInvalid
	}
	err := db.Where("token_hash = ? AND expires_at > ?", secret.Hash(token), s.now().UTC()).
		Where("EXISTS (SELECT 1 FROM users WHERE users.id = email_verifications.user_id AND users.email = email_verifications.email AND users.email_verified_at IS NULL)").
		Take(&link).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return link, ErrVerifyLinkInvalid
	}
	if err != nil {
		return link, fmt.Errorf("email verification: %w", err)
	}
	return link, nil
}

// Sweep deletes the links that can no longer be used: expired, or for an
// address that is verified (by this link or another) or that the account
// no longer has. Safe on every instance at once.
func (s *EmailVerifications) Sweep(ctx context.Context) (int64, error) {
	res := Conn(ctx, s.db).Where("expires_at <= ? OR NOT EXISTS (SELECT 1 FROM users WHERE users.id = email_verifications.user_id AND users.email = email_verifications.email AND users.email_verified_at IS NULL)", s.now().UTC()).
		Delete(&EmailVerification{})
	if res.Error != nil {
		return 0, fmt.Errorf("email verifications sweep: %w", res.Error)
	}
	return res.RowsAffected, nil
}
