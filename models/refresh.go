package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// RefreshFamily is one sign-in of the mobile app: every refresh token
// issued since that sign-in belongs to it. It ends 30 days after the
// sign-in however often it is used, or earlier when revoked (sign-out,
// password change, or a spent token presented again).
type RefreshFamily struct {
	ID          uint   `gorm:"primaryKey"`
	UserID      uint   `gorm:"not null;index"`
	DeviceLabel string `gorm:"size:100;not null"`
	IP          string `gorm:"size:64;not null"`
	CreatedAt   time.Time
	LastUsedAt  time.Time
	ExpiresAt   time.Time `gorm:"index"`
	RevokedAt   *time.Time
	Tokens      []RefreshToken `gorm:"foreignKey:FamilyID;constraint:OnDelete:CASCADE"`
}

// RefreshToken is one refresh token of a family. Only its SHA-256 is kept.
// It can be spent once (UsedAt); SuccessorID is the token issued in its
// place, which decides whether presenting it again is a retry or a replay.
type RefreshToken struct {
	ID          uint   `gorm:"primaryKey"`
	FamilyID    uint   `gorm:"not null;index"`
	TokenHash   string `gorm:"size:64;not null;uniqueIndex"`
	CreatedAt   time.Time
	UsedAt      *time.Time
	SuccessorID *uint
}

// UserRefreshFamilies lists the app sign-ins of a user that are still
// live, most recently used first.
func UserRefreshFamilies(ctx context.Context, db *gorm.DB, userID uint, now time.Time) ([]RefreshFamily, error) {
	var out []RefreshFamily
	err := db.WithContext(ctx).
		Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", userID, now.UTC()).
		Order("last_used_at DESC, id DESC").
		Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("refresh families: %w", err)
	}
	return out, nil
}
