package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// WebSession indexes a signed-in browser session so the shopper can see
// and revoke it. KeyHash is the SHA-256 of the session id, which is also
// the key the session store uses; the id itself is kept nowhere.
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

// UserWebSessions lists a user's live sessions, most recent first.
func UserWebSessions(ctx context.Context, db *gorm.DB, userID uint, now time.Time) ([]WebSession, error) {
	var out []WebSession
	err := db.WithContext(ctx).Where("user_id = ? AND expires_at > ?", userID, now).Order("last_seen_at DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("web sessions: %w", err)
	}
	return out, nil
}

// UserRememberTokens lists a user's remembered devices, most recent first.
func UserRememberTokens(ctx context.Context, db *gorm.DB, userID uint, now time.Time) ([]RememberToken, error) {
	var out []RememberToken
	err := db.WithContext(ctx).Where("user_id = ? AND expires_at > ?", userID, now).Order("last_used_at DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("remember tokens: %w", err)
	}
	return out, nil
}
