package models

import "time"

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
