package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"crumb/models"
)

// WebSessions owns the web_sessions table: the signed-in browsers the
// devices page lists.
type WebSessions struct{ db *gorm.DB }

// NewWebSessions is the web_sessions table of db.
func NewWebSessions(db *gorm.DB) *WebSessions { return &WebSessions{db: db} }

// Create records a new session.
func (s *WebSessions) Create(ctx context.Context, row models.WebSession) error {
	if err := Conn(ctx, s.db).Create(&row).Error; err != nil {
		return fmt.Errorf("web session: %w", err)
	}
	return nil
}

// Touch moves a session's idle clock; false when its row is gone.
func (s *WebSessions) Touch(ctx context.Context, keyHash string, seen, expires time.Time) (bool, error) {
	res := Conn(ctx, s.db).Model(&models.WebSession{}).Where("key_hash = ?", keyHash).
		Updates(map[string]any{"last_seen_at": seen, "expires_at": expires})
	if res.Error != nil {
		return false, fmt.Errorf("web session: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Delete removes the session keyHash of userID (any user when userID is
// 0); false when there was none.
func (s *WebSessions) Delete(ctx context.Context, userID uint, keyHash string) (bool, error) {
	q := Conn(ctx, s.db).Where("key_hash = ?", keyHash)
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	}
	res := q.Delete(&models.WebSession{})
	if res.Error != nil {
		return false, fmt.Errorf("web session: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// Keys lists the user's sessions but except.
func (s *WebSessions) Keys(ctx context.Context, userID uint, except string) ([]string, error) {
	var keys []string
	err := Conn(ctx, s.db).Model(&models.WebSession{}).Where("user_id = ? AND key_hash <> ?", userID, except).Pluck("key_hash", &keys).Error
	if err != nil {
		return nil, fmt.Errorf("web sessions: %w", err)
	}
	return keys, nil
}

// List lists the user's live sessions, most recent first.
func (s *WebSessions) List(ctx context.Context, userID uint, now time.Time) ([]models.WebSession, error) {
	var out []models.WebSession
	err := Conn(ctx, s.db).Where("user_id = ? AND expires_at > ?", userID, now).Order("last_seen_at DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("web sessions: %w", err)
	}
	return out, nil
}

// Sweep deletes the sessions past their end and reports how many went.
func (s *WebSessions) Sweep(ctx context.Context, now time.Time) (int64, error) {
	res := Conn(ctx, s.db).Where("expires_at <= ?", now).Delete(&models.WebSession{})
	if res.Error != nil {
		return 0, fmt.Errorf("web sessions sweep: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// RememberTokens owns the remember_tokens table: the devices that keep
// their shopper signed in.
type RememberTokens struct{ db *gorm.DB }

// NewRememberTokens is the remember_tokens table of db.
func NewRememberTokens(db *gorm.DB) *RememberTokens { return &RememberTokens{db: db} }

// Create records a new token.
func (s *RememberTokens) Create(ctx context.Context, tok models.RememberToken) error {
	if err := Conn(ctx, s.db).Create(&tok).Error; err != nil {
		return fmt.Errorf("remember: %w", err)
	}
	return nil
}

// Live finds the unexpired token with selector; ok false when there is none.
func (s *RememberTokens) Live(ctx context.Context, selector string, now time.Time) (models.RememberToken, bool, error) {
	var tok models.RememberToken
	err := Conn(ctx, s.db).Where("selector = ? AND expires_at > ?", selector, now).Take(&tok).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.RememberToken{}, false, nil
	}
	if err != nil {
		return models.RememberToken{}, false, fmt.Errorf("remember: %w", err)
	}
	return tok, true, nil
}

// ByID finds a token by id; ok false when it is gone.
func (s *RememberTokens) ByID(ctx context.Context, id uint) (models.RememberToken, bool, error) {
	var tok models.RememberToken
	err := Conn(ctx, s.db).Where("id = ?", id).Take(&tok).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.RememberToken{}, false, nil
	}
	if err != nil {
		return models.RememberToken{}, false, fmt.Errorf("remember: %w", err)
	}
	return tok, true, nil
}

// Rotate replaces tok's validator with newHash if nobody has since (a
// conditional update: of parallel rotations exactly one wins).
func (s *RememberTokens) Rotate(ctx context.Context, tok models.RememberToken, newHash, ip string, now, expires time.Time) (bool, error) {
	res := Conn(ctx, s.db).Model(&models.RememberToken{}).
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

// DeleteSelector removes the token with selector, if there is one.
func (s *RememberTokens) DeleteSelector(ctx context.Context, selector string) error {
	if err := Conn(ctx, s.db).Where("selector = ?", selector).Delete(&models.RememberToken{}).Error; err != nil {
		return fmt.Errorf("remember: %w", err)
	}
	return nil
}

// DeleteOne removes one of the user's tokens; false when there was none.
func (s *RememberTokens) DeleteOne(ctx context.Context, userID, id uint) (bool, error) {
	res := Conn(ctx, s.db).Where("user_id = ? AND id = ?", userID, id).Delete(&models.RememberToken{})
	if res.Error != nil {
		return false, fmt.Errorf("remember: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// DeleteAll removes every token of the user but the one with except.
func (s *RememberTokens) DeleteAll(ctx context.Context, userID uint, except string) error {
	if err := Conn(ctx, s.db).Where("user_id = ? AND selector <> ?", userID, except).Delete(&models.RememberToken{}).Error; err != nil {
		return fmt.Errorf("remember: %w", err)
	}
	return nil
}

// List lists the user's remembered devices, most recently used first.
func (s *RememberTokens) List(ctx context.Context, userID uint, now time.Time) ([]models.RememberToken, error) {
	var out []models.RememberToken
	err := Conn(ctx, s.db).Where("user_id = ? AND expires_at > ?", userID, now).Order("last_used_at DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("remember tokens: %w", err)
	}
	return out, nil
}

// Sweep deletes the tokens past their end and reports how many went.
func (s *RememberTokens) Sweep(ctx context.Context, now time.Time) (int64, error) {
	res := Conn(ctx, s.db).Where("expires_at <= ?", now).Delete(&models.RememberToken{})
	if res.Error != nil {
		return 0, fmt.Errorf("remember tokens sweep: %w", res.Error)
	}
	return res.RowsAffected, nil
}
