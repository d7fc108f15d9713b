package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crumb/models"
)

// ErrRefreshUnknown is a refresh token that is not live: never issued, or
// of a family that was revoked or has ended.
var ErrRefreshUnknown = errors.New("storage: refresh token unknown, revoked or expired")

// RefreshFamilies owns the app's sign-ins: the refresh_families table and
// the refresh_tokens of each. Tokens are named by their SHA-256 only.
type RefreshFamilies struct{ db *gorm.DB }

// NewRefreshFamilies is the refresh-token tables of db.
func NewRefreshFamilies(db *gorm.DB) *RefreshFamilies { return &RefreshFamilies{db: db} }

// Start records a new family with its first token, tokenHash.
func (s *RefreshFamilies) Start(ctx context.Context, fam models.RefreshFamily, tokenHash string) error {
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&fam).Error; err != nil {
			return err
		}
		_, err := issueRefresh(tx, fam.ID, tokenHash, fam.CreatedAt)
		return err
	})
	if err != nil {
		return fmt.Errorf("refresh start: %w", err)
	}
	return nil
}

// Rotate spends the token hash at now and records nextHash as its
// successor. A token never issued, or of a revoked or ended family, is
// ErrRefreshUnknown. A token already spent is a retry when it was spent
// less than grace ago and its successor is still unused: the successor is
// spent unseen and nextHash issued in its place (a family never has two
// live tokens). Otherwise it is a replay: the family is revoked and
// reused is true. userID is the account the token belongs to.
func (s *RefreshFamilies) Rotate(ctx context.Context, hash, nextHash string, now time.Time, grace time.Duration, ip string) (userID uint, reused bool, err error) {
	err = Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		// Lock the family first (on Postgres; a SQLite transaction holds the
		// write lock already), so rotations and revocations of one family
		// queue behind each other.
		var fam models.RefreshFamily
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("id = (?)", tx.Model(&models.RefreshToken{}).Select("family_id").Where("token_hash = ?", hash)).
			Take(&fam).Error
		if err != nil {
			return notFoundAs(err, ErrRefreshUnknown)
		}
		if fam.RevokedAt != nil || !now.Before(fam.ExpiresAt) {
			return ErrRefreshUnknown
		}
		var tok models.RefreshToken
		if err := tx.Where("token_hash = ?", hash).Take(&tok).Error; err != nil {
			return notFoundAs(err, ErrRefreshUnknown)
		}
		userID = fam.UserID
		if tok.UsedAt == nil {
			won, err := spendRefresh(tx, tok.ID, now)
			if err != nil {
				return err
			}
			if won {
				return replaceRefresh(tx, fam.ID, nextHash, now, ip, tok.ID)
			}
			// Another request spent it first (the conditional update is what
			// guarantees a single winner): judge this one as a repeat.
			tok = models.RefreshToken{}
			if err := tx.Where("token_hash = ?", hash).Take(&tok).Error; err != nil {
				return err
			}
		}
		if tok.UsedAt != nil && tok.SuccessorID != nil && now.Sub(*tok.UsedAt) < grace {
			won, err := spendRefresh(tx, *tok.SuccessorID, now)
			if err != nil {
				return err
			}
			if won {
				// The spent successor keeps no successor of its own: if it
				// turns up after all, its response was not lost, and it is
				// treated as a replay.
				return replaceRefresh(tx, fam.ID, nextHash, now, ip, tok.ID)
			}
		}
		reused = true
		return tx.Model(&models.RefreshFamily{}).Where("id = ? AND revoked_at IS NULL", fam.ID).
			Update("revoked_at", now).Error
	})
	switch {
	case errors.Is(err, ErrRefreshUnknown):
		return 0, false, ErrRefreshUnknown
	case err != nil:
		return 0, false, fmt.Errorf("refresh rotate: %w", err)
	}
	return userID, reused, nil
}

// Revoke ends the family of the token hash at now. An unknown or already
// revoked token is not an error.
func (s *RefreshFamilies) Revoke(ctx context.Context, hash string, now time.Time) error {
	db := Conn(ctx, s.db)
	family := db.Model(&models.RefreshToken{}).Select("family_id").Where("token_hash = ?", hash)
	err := db.Model(&models.RefreshFamily{}).
		Where("id IN (?) AND revoked_at IS NULL", family).
		Update("revoked_at", now).Error
	if err != nil {
		return fmt.Errorf("refresh revoke: %w", err)
	}
	return nil
}

// RevokeUser ends every app sign-in of the user at now.
func (s *RefreshFamilies) RevokeUser(ctx context.Context, userID uint, now time.Time) error {
	err := Conn(ctx, s.db).Model(&models.RefreshFamily{}).
		Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", now).Error
	if err != nil {
		return fmt.Errorf("refresh revoke user: %w", err)
	}
	return nil
}

// RevokeFamily ends one of the user's app sign-ins at now. It reports
// false when the family is not the user's or was already revoked.
func (s *RefreshFamilies) RevokeFamily(ctx context.Context, userID, familyID uint, now time.Time) (bool, error) {
	res := Conn(ctx, s.db).Model(&models.RefreshFamily{}).
		Where("id = ? AND user_id = ? AND revoked_at IS NULL", familyID, userID).
		Update("revoked_at", now)
	if res.Error != nil {
		return false, fmt.Errorf("refresh revoke family: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// Live lists the user's app sign-ins not revoked or ended at now, most
// recently used first.
func (s *RefreshFamilies) Live(ctx context.Context, userID uint, now time.Time) ([]models.RefreshFamily, error) {
	var out []models.RefreshFamily
	err := Conn(ctx, s.db).
		Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", userID, now).
		Order("last_used_at DESC, id DESC").
		Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("refresh families: %w", err)
	}
	return out, nil
}

// Sweep deletes the families ended by now, revoked or not, with their
// tokens, and reports how many families went. Safe to run on every
// instance at once.
func (s *RefreshFamilies) Sweep(ctx context.Context, now time.Time) (int64, error) {
	var swept int64
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		ended := tx.Model(&models.RefreshFamily{}).Select("id").Where("expires_at <= ?", now)
		if err := tx.Where("family_id IN (?)", ended).Delete(&models.RefreshToken{}).Error; err != nil {
			return err
		}
		res := tx.Where("expires_at <= ?", now).Delete(&models.RefreshFamily{})
		swept = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("refresh sweep: %w", err)
	}
	return swept, nil
}

// FamilyOf is the family of the token hash; ErrRefreshUnknown when no
// token has it.
func (s *RefreshFamilies) FamilyOf(ctx context.Context, hash string) (uint, error) {
	var tok models.RefreshToken
	err := Conn(ctx, s.db).Select("family_id").Where("token_hash = ?", hash).Take(&tok).Error
	if err != nil {
		return 0, notFoundAs(err, ErrRefreshUnknown)
	}
	return tok.FamilyID, nil
}

// spendRefresh marks a token used if nobody has yet; exactly one of any
// number of concurrent callers wins.
func spendRefresh(tx *gorm.DB, id uint, now time.Time) (bool, error) {
	res := tx.Model(&models.RefreshToken{}).Where("id = ? AND used_at IS NULL", id).Update("used_at", now)
	return res.RowsAffected == 1, res.Error
}

// replaceRefresh issues the family's next token, records it as the
// successor of the token presented and notes the use on the family.
func replaceRefresh(tx *gorm.DB, familyID uint, nextHash string, now time.Time, ip string, presented uint) error {
	id, err := issueRefresh(tx, familyID, nextHash, now)
	if err != nil {
		return err
	}
	if err := tx.Model(&models.RefreshToken{}).Where("id = ?", presented).Update("successor_id", id).Error; err != nil {
		return err
	}
	return tx.Model(&models.RefreshFamily{}).Where("id = ?", familyID).
		Updates(map[string]any{"last_used_at": now, "ip": ip}).Error
}

func issueRefresh(tx *gorm.DB, familyID uint, hash string, now time.Time) (uint, error) {
	row := models.RefreshToken{FamilyID: familyID, TokenHash: hash, CreatedAt: now}
	if err := tx.Create(&row).Error; err != nil {
		return 0, err
	}
	return row.ID, nil
}

func notFoundAs(err, sentinel error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sentinel
	}
	return err
}
