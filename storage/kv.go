package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crumb/models"
)

// KVEntry is one key of KV.
type KVEntry struct {
	Key       string `gorm:"column:storage_key;primaryKey;size:128"`
	Value     []byte `gorm:"not null"`
	ExpiresAt int64  `gorm:"not null;index"` // unix seconds; 0: never
}

// TableName keeps the table's name independent of the type's.
func (KVEntry) TableName() string { return "storage_entries" }

// KV is a fiber.Storage on the database, so sessions and rate-limit
// counters work the same on SQLite and Postgres and are shared by every
// instance. Expired entries read as missing and are swept by Sweep.
type KV struct {
	db       *gorm.DB
	now      func() time.Time
	withCart *hotRead
}

// NewKV returns the database storage; now is the clock.
func NewKV(db *gorm.DB, now func() time.Time) *KV {
	return &KV{db: db, now: now, withCart: newHotRead(db, sessionWithCart)}
}

// sessionWithCart reads a session and the cart lines of the account its
// devices-page row names: one row per line, or one with NULL lines.
const sessionWithCart = "SELECT e.value, COALESCE(s.user_id, 0), i.product_id, i.quantity FROM storage_entries e" +
	" LEFT JOIN web_sessions s ON s.key_hash = e.storage_key" +
	" LEFT JOIN carts c ON c.user_id = s.user_id" +
	" LEFT JOIN cart_items i ON i.cart_id = c.id" +
	" WHERE e.storage_key = ? AND (e.expires_at = 0 OR e.expires_at > ?) ORDER BY i.product_id"

// GetWithCart is Get for a session stored under key (the SHA-256 of its
// id, as on the devices page) and, in the same statement, the cart lines
// of the account the session's devices-page row names (userID; 0 when
// there is no such row, and then no lines). A signed-in page needs both,
// and one statement costs half of two.
func (s *KV) GetWithCart(ctx context.Context, key string) (value []byte, userID uint, lines []models.CartLine, err error) {
	rows, err := s.withCart.rows(ctx, key, s.now().Unix())
	if err != nil {
		return nil, 0, nil, fmt.Errorf("storage get: %w", err)
	}
	lines, found, err := scanLines(rows, &value, &userID)
	if err != nil || !found {
		return nil, 0, nil, err
	}
	return value, userID, lines, nil
}

// Get returns the value of key, or nil if it is missing or expired.
// (Every signed-in page reads its session here: the row is scanned
// directly, without a model.)
func (s *KV) Get(key string) ([]byte, error) {
	var value []byte
	err := s.db.Raw("SELECT value FROM storage_entries WHERE storage_key = ? AND (expires_at = 0 OR expires_at > ?)",
		key, s.now().Unix()).Row().Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage get: %w", err)
	}
	return value, nil
}

// Set stores val under key for exp (0: no expiry).
func (s *KV) Set(key string, val []byte, exp time.Duration) error {
	if key == "" || len(val) == 0 {
		return nil
	}
	e := KVEntry{Key: key, Value: val}
	if exp > 0 {
		e.ExpiresAt = s.now().Add(exp).Unix()
	}
	err := s.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "storage_key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "expires_at"}),
	}).Create(&e).Error
	if err != nil {
		return fmt.Errorf("storage set: %w", err)
	}
	return nil
}

// Delete removes key.
func (s *KV) Delete(key string) error {
	if err := s.db.Where("storage_key = ?", key).Delete(&KVEntry{}).Error; err != nil {
		return fmt.Errorf("storage delete: %w", err)
	}
	return nil
}

// Reset removes every key.
func (s *KV) Reset() error {
	if err := s.db.Where("1 = 1").Delete(&KVEntry{}).Error; err != nil {
		return fmt.Errorf("storage reset: %w", err)
	}
	return nil
}

// Close does nothing: the database is closed by its owner.
func (s *KV) Close() error { return nil }

// Sweep deletes expired entries; safe on every instance at once.
func (s *KV) Sweep(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at <> 0 AND expires_at <= ?", s.now().Unix()).Delete(&KVEntry{})
	if res.Error != nil {
		return 0, fmt.Errorf("storage sweep: %w", res.Error)
	}
	return res.RowsAffected, nil
}
