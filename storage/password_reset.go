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

// ResetLinkLifetime is how long a password reset link works, from the
// moment it was asked for.
const ResetLinkLifetime = 30 * time.Minute

// ErrResetLinkInvalid is returned for a reset token that is unknown, used,
// ended by a newer link or a sign-in, or expired.
var ErrResetLinkInvalid = errors.New("storage: reset link unknown, used or expired")

// PasswordReset is a request for a reset link: pending (no TokenHash)
// until Issue looks up the account, then a link that works once until
// ExpiresAt. Only the SHA-256 of the link's token is kept.
type PasswordReset struct {
	ID        uint
	Email     string // as asked for, normalised
	UserID    *uint
	TokenHash *string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PasswordResets owns the password_resets table: requests for a reset
// link, and the links. Asking does the same work whether or not an
// account uses the email (one row is written); the account is looked up
// later by Issue, off the request's path, so neither the answer nor its
// timing tells who has an account.
type PasswordResets struct {
	db     *gorm.DB
	users  *Users
	outbox *Outbox
	now    func() time.Time
}

// NewPasswordResets builds the reset store; links are sent through outbox.
func NewPasswordResets(db *gorm.DB, users *Users, outbox *Outbox, now func() time.Time) *PasswordResets {
	return &PasswordResets{db: db, users: users, outbox: outbox, now: now}
}

// Request records that someone asked for a reset link for email
// (normalised by NormalizeEmail).
func (s *PasswordResets) Request(ctx context.Context, email string) error {
	now := s.now().UTC()
	if err := Conn(ctx, s.db).Create(&PasswordReset{Email: email, CreatedAt: now, ExpiresAt: now.Add(ResetLinkLifetime)}).Error; err != nil {
		return fmt.Errorf("password reset: %w", err)
	}
	return nil
}

// Issue turns pending requests into links. For a request whose email is
// an account's, a new 256-bit token ends the account's older links and
// its email is queued, in one transaction; a request for an unknown email
// or a disabled account, one a newer request for the same account
// supersedes, or one for an address that had its LinkMailsPerHour this
// hour, is dropped. Safe on every instance at once: each request is taken
// by a conditional update.
func (s *PasswordResets) Issue(ctx context.Context) (int64, error) {
	var pending []PasswordReset
	err := Conn(ctx, s.db).Where("token_hash IS NULL AND expires_at > ?", s.now().UTC()).Order("id").Limit(50).Find(&pending).Error
	if err != nil {
		return 0, fmt.Errorf("password reset: %w", err)
	}
	var issued int64
	for _, r := range pending {
		ok, err := s.issue(ctx, r)
		if err != nil {
			return issued, err
		}
		if ok {
			issued++
		}
	}
	return issued, nil
}

func (s *PasswordResets) issue(ctx context.Context, r PasswordReset) (issued bool, err error) {
	err = Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		user, found, err := s.users.byEmail(tx, r.Email)
		if err != nil {
			return err
		}
		var newer int64
		if found {
			err = tx.Model(&PasswordReset{}).Where("id > ? AND (email = ? OR user_id = ?)", r.ID, r.Email, user.ID).Count(&newer).Error
			if err != nil {
				return err
			}
		}
		allowed := false
		if found && newer == 0 && !user.Disabled() {
			if allowed, err = s.outbox.linkMailAllowed(tx, user.Email); err != nil {
				return err
			}
		}
		if !allowed { // older links, if any, keep working
			return tx.Where("id = ? AND token_hash IS NULL", r.ID).Delete(&PasswordReset{}).Error
		}
		token := secret.Token(32)
		res := tx.Model(&PasswordReset{}).Where("id = ? AND token_hash IS NULL", r.ID).
			Updates(map[string]any{"token_hash": secret.Hash(token), "user_id": user.ID})
		if res.Error != nil || res.RowsAffected != 1 {
			return res.Error // another instance took it
		}
		if err := tx.Where("id < ? AND (email = ? OR user_id = ?)", r.ID, r.Email, user.ID).Delete(&PasswordReset{}).Error; err != nil {
			return err
		}
		issued = true
		return s.outbox.enqueue(tx, models.MailPasswordReset, user, models.MailData{At: r.ExpiresAt.UTC()}, token)
	})
	if err != nil {
		return false, fmt.Errorf("password reset: %w", err)
	}
	return issued, nil
}

// Check finds the account a reset token opens, without using the token;
// ErrResetLinkInvalid when it opens none. The link reached the address it
// was mailed to, so that address is verified, if the account still has it.
func (s *PasswordResets) Check(ctx context.Context, token string) (models.User, error) {
	db := Conn(ctx, s.db)
	r, err := s.link(db, token)
	if err != nil {
		return models.User{}, err
	}
	if _, err := s.users.markVerified(db, *r.UserID, r.Email, s.now()); err != nil {
		return models.User{}, err
	}
	return s.users.byID(db, *r.UserID)
}

// link is the live link of token; ErrResetLinkInvalid when there is none.
func (s *PasswordResets) link(db *gorm.DB, token string) (PasswordReset, error) {
	var r PasswordReset
	if token == "" {
		return r, ErrResetLinkInvalid
	}
	err := db.Where("token_hash = ? AND user_id IS NOT NULL AND expires_at > ?", secret.Hash(token), s.now().UTC()).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, ErrResetLinkInvalid
	}
	if err != nil {
		return r, fmt.Errorf("password reset: %w", err)
	}
	return r, nil
}

// Reset gives the account of a reset token a new password (checked by
// CheckPassword). In one transaction the token is used up (a conditional
// delete: it works once), the address the link was mailed to verified (as
// Check does), the password replaced, every other link of the account
// ended and the "password changed" email queued.
func (s *PasswordResets) Reset(ctx context.Context, token, password string) (models.User, error) {
	hash := s.users.hash(password)
	var user models.User
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		r, err := s.link(tx, token)
		if err != nil {
			return err
		}
		res := tx.Where("id = ? AND token_hash = ?", r.ID, *r.TokenHash).Delete(&PasswordReset{})
		if res.Error != nil {
			return fmt.Errorf("password reset: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrResetLinkInvalid // used by a request that got there first
		}
		if _, err := s.users.markVerified(tx, *r.UserID, r.Email, s.now()); err != nil {
			return err
		}
		if user, err = s.users.byID(tx, *r.UserID); err != nil {
			return err
		}
		if err := s.users.setPasswordHash(tx, user.ID, hash); err != nil {
			return err
		}
		if err := s.end(tx, user); err != nil {
			return err
		}
		return s.outbox.enqueue(tx, models.MailPasswordChanged, user, models.MailData{At: s.now().UTC()}, "")
	})
	return user, err
}

// EndFor ends every reset link of the account and every request for its
// email still pending: a successful sign-in shows the password is known.
func (s *PasswordResets) EndFor(ctx context.Context, user models.User) error {
	return s.end(Conn(ctx, s.db), user)
}

func (s *PasswordResets) end(db *gorm.DB, user models.User) error {
	if err := db.Where("user_id = ? OR email = ?", user.ID, user.Email).Delete(&PasswordReset{}).Error; err != nil {
		return fmt.Errorf("password reset: %w", err)
	}
	return nil
}

// Sweep deletes expired requests and links. Safe on every instance at once.
func (s *PasswordResets) Sweep(ctx context.Context) (int64, error) {
	res := Conn(ctx, s.db).Where("expires_at <= ?", s.now().UTC()).Delete(&PasswordReset{})
	if res.Error != nil {
		return 0, fmt.Errorf("password resets sweep: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// Changing a password that is known.

// ChangePassword gives user a new password (checked by CheckPassword)
// after the current one was given: in one transaction the password is
// replaced, the account's reset links end (the password is known) and
// the "password changed" email is queued, as after a reset. Signing out
// the account's other sign-ins is the caller's (sessions.Manager).
func (s *PasswordResets) ChangePassword(ctx context.Context, user models.User, password string) error {
	hash := s.users.hash(password)
	return Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if err := s.users.setPasswordHash(tx, user.ID, hash); err != nil {
			return err
		}
		if err := s.end(tx, user); err != nil {
			return err
		}
		return s.outbox.enqueue(tx, models.MailPasswordChanged, user, models.MailData{At: s.now().UTC()}, "")
	})
}
