package sessions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"crumb/models"
)

// WebSession is a signed-in browser as the devices page lists it. KeyHash
// is the SHA-256 of the session id, which is also the key the session
// store uses; the id itself is kept nowhere. While a session is used its
// row must exist: a session whose row is gone has been revoked.
type WebSession struct {
	KeyHash     string `gorm:"primaryKey;size:64"`
	UserID      uint   `gorm:"not null;index"`
	DeviceLabel string `gorm:"size:100;not null"`
	IP          string `gorm:"size:64;not null"`
	Remembered  bool   `gorm:"not null"`
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time `gorm:"index"`
}

// webSessions owns the web_sessions table.
type webSessions struct{ db *gorm.DB }

func (s webSessions) create(ctx context.Context, row WebSession) error {
	if err := models.Conn(ctx, s.db).Create(&row).Error; err != nil {
		return fmt.Errorf("web session: %w", err)
	}
	return nil
}

// touch moves a session's idle clock; false when its row is gone.
func (s webSessions) touch(ctx context.Context, keyHash string, seen, expires time.Time) (bool, error) {
	res := models.Conn(ctx, s.db).Model(&WebSession{}).Where("key_hash = ?", keyHash).
		Updates(map[string]any{"last_seen_at": seen, "expires_at": expires})
	if res.Error != nil {
		return false, fmt.Errorf("web session: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// delete removes the session keyHash of userID (any user when userID is
// 0); false when there was none.
func (s webSessions) delete(ctx context.Context, userID uint, keyHash string) (bool, error) {
	q := models.Conn(ctx, s.db).Where("key_hash = ?", keyHash)
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	}
	res := q.Delete(&WebSession{})
	if res.Error != nil {
		return false, fmt.Errorf("web session: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// keys lists the user's sessions but except.
func (s webSessions) keys(ctx context.Context, userID uint, except string) ([]string, error) {
	var keys []string
	err := models.Conn(ctx, s.db).Model(&WebSession{}).Where("user_id = ? AND key_hash <> ?", userID, except).Pluck("key_hash", &keys).Error
	if err != nil {
		return nil, fmt.Errorf("web sessions: %w", err)
	}
	return keys, nil
}

// list lists the user's live sessions, most recent first.
func (s webSessions) list(ctx context.Context, userID uint, now time.Time) ([]WebSession, error) {
	var out []WebSession
	err := models.Conn(ctx, s.db).Where("user_id = ? AND expires_at > ?", userID, now).Order("last_seen_at DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("web sessions: %w", err)
	}
	return out, nil
}

func (s webSessions) sweep(ctx context.Context, now time.Time) (int64, error) {
	res := models.Conn(ctx, s.db).Where("expires_at <= ?", now).Delete(&WebSession{})
	if res.Error != nil {
		return 0, fmt.Errorf("web sessions sweep: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// RememberToken is one device's "keep me signed in". The cookie holds
// selector:validator; only the validator's SHA-256 is kept. The previous
// validator's hash is kept for a short grace window after a rotation, so
// parallel requests that still carry it are not mistaken for theft.
type RememberToken struct {
	ID            uint   `gorm:"primaryKey"`
	Selector      string `gorm:"size:32;not null;uniqueIndex"`
	ValidatorHash string `gorm:"size:64;not null"`
	PreviousHash  string `gorm:"size:64;not null;default:''"`
	RotatedAt     time.Time
	UserID        uint   `gorm:"not null;index"`
	DeviceLabel   string `gorm:"size:100;not null"`
	IP            string `gorm:"size:64;not null"`
	CreatedAt     time.Time
	LastUsedAt    time.Time
	ExpiresAt     time.Time `gorm:"index"`
}

// rememberTokens owns the remember_tokens table.
type rememberTokens struct{ db *gorm.DB }

func (s rememberTokens) create(ctx context.Context, tok RememberToken) error {
	if err := models.Conn(ctx, s.db).Create(&tok).Error; err != nil {
		return fmt.Errorf("remember: %w", err)
	}
	return nil
}

// live finds the unexpired token with selector; ok false when there is none.
func (s rememberTokens) live(ctx context.Context, selector string, now time.Time) (RememberToken, bool, error) {
	var tok RememberToken
	err := models.Conn(ctx, s.db).Where("selector = ? AND expires_at > ?", selector, now).Take(&tok).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return RememberToken{}, false, nil
	}
	if err != nil {
		return RememberToken{}, false, fmt.Errorf("remember: %w", err)
	}
	return tok, true, nil
}

// byID finds a token by id; ok false when it is gone.
func (s rememberTokens) byID(ctx context.Context, id uint) (RememberToken, bool, error) {
	var tok RememberToken
	err := models.Conn(ctx, s.db).Where("id = ?", id).Take(&tok).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return RememberToken{}, false, nil
	}
	if err != nil {
		return RememberToken{}, false, fmt.Errorf("remember: %w", err)
	}
	return tok, true, nil
}

// rotate replaces tok's validator with newHash if nobody has since (a
// conditional update: of parallel rotations exactly one wins).
func (s rememberTokens) rotate(ctx context.Context, tok RememberToken, newHash, ip string, now, expires time.Time) (bool, error) {
	res := models.Conn(ctx, s.db).Model(&RememberToken{}).
		Where("id = ? AND validator_hash = ?", tok.ID, tok.ValidatorHash).
		Updates(map[string]any{
			"validator_hash": newHash, "previous_hash": tok.ValidatorHash, "rotated_at": now,
			"last_used_at": now, "expires_at": expires, "ip": ip,
		})
	if res.Error != nil {
		return false, fmt.Errorf("remember: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

func (s rememberTokens) deleteSelector(ctx context.Context, selector string) error {
	if err := models.Conn(ctx, s.db).Where("selector = ?", selector).Delete(&RememberToken{}).Error; err != nil {
		return fmt.Errorf("remember: %w", err)
	}
	return nil
}

// deleteOne removes one of the user's tokens; false when there was none.
func (s rememberTokens) deleteOne(ctx context.Context, userID, id uint) (bool, error) {
	res := models.Conn(ctx, s.db).Where("user_id = ? AND id = ?", userID, id).Delete(&RememberToken{})
	if res.Error != nil {
		return false, fmt.Errorf("remember: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// deleteAll removes every token of the user but the one with except.
func (s rememberTokens) deleteAll(ctx context.Context, userID uint, except string) error {
	if err := models.Conn(ctx, s.db).Where("user_id = ? AND selector <> ?", userID, except).Delete(&RememberToken{}).Error; err != nil {
		return fmt.Errorf("remember: %w", err)
	}
	return nil
}

// list lists the user's remembered devices, most recently used first.
func (s rememberTokens) list(ctx context.Context, userID uint, now time.Time) ([]RememberToken, error) {
	var out []RememberToken
	err := models.Conn(ctx, s.db).Where("user_id = ? AND expires_at > ?", userID, now).Order("last_used_at DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("remember tokens: %w", err)
	}
	return out, nil
}

func (s rememberTokens) sweep(ctx context.Context, now time.Time) (int64, error) {
	res := models.Conn(ctx, s.db).Where("expires_at <= ?", now).Delete(&RememberToken{})
	if res.Error != nil {
		return 0, fmt.Errorf("remember tokens sweep: %w", res.Error)
	}
	return res.RowsAffected, nil
}
