package tokens

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crumb/models"
	"crumb/secret"
)

// RefreshLifetime is how long an app sign-in lasts. It does not slide:
// rotating a refresh token never moves its family's end.
const RefreshLifetime = 30 * 24 * time.Hour

// RefreshGrace is how long after a refresh token was spent presenting it
// again counts as a retry whose response was lost rather than a replay,
// provided the token issued in its place has not been used yet.
const RefreshGrace = 10 * time.Second

// Errors Rotate returns for a refresh token it does not accept. Both mean
// the app must sign in again; ErrRefreshReused also means the family was
// revoked because a spent token came back.
var (
	ErrInvalidRefresh = errors.New("tokens: invalid refresh token")
	ErrRefreshReused  = errors.New("tokens: refresh token reused; sign-in revoked")
)

// refreshBytes is the size of a refresh token's randomness (256 bits).
const refreshBytes = 32

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

// Refresh issues and rotates the app's refresh tokens. A token is 256
// random bits in base64url; only its SHA-256 is kept. Each token can be
// spent once, for its successor in the same family; presenting a spent
// token again revokes the family, except for a retry within RefreshGrace.
type Refresh struct {
	db  *gorm.DB
	now func() time.Time
}

// NewRefresh builds the refresh-token store on db.
func NewRefresh(db *gorm.DB, now func() time.Time) *Refresh {
	return &Refresh{db: db, now: now}
}

func (r *Refresh) clock() time.Time { return r.now().UTC() }

// Start begins a new family for a sign-in from the app and returns its
// first refresh token.
func (r *Refresh) Start(ctx context.Context, userID uint, deviceLabel, ip string) (string, error) {
	now := r.clock()
	var token string
	err := models.Conn(ctx, r.db).Transaction(func(tx *gorm.DB) error {
		fam := RefreshFamily{
			UserID: userID, DeviceLabel: clip(deviceLabel, 100), IP: clip(ip, 64),
			CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(RefreshLifetime),
		}
		if err := tx.Create(&fam).Error; err != nil {
			return err
		}
		var err error
		token, _, err = issueRefresh(tx, fam.ID, now)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("refresh start: %w", err)
	}
	return token, nil
}

// Rotate spends token and returns the user it belongs to with the token
// that replaces it. A token of a revoked or expired family, or one never
// issued, is ErrInvalidRefresh. A token already spent revokes its family
// and is ErrRefreshReused, unless it was spent less than RefreshGrace ago
// and its successor is still unused: that is a retry whose response was
// lost, so the successor is spent unseen and a new one returned in its
// place (a family never has two live tokens). With ErrRefreshReused,
// userID is the account whose token was reused.
func (r *Refresh) Rotate(ctx context.Context, token, ip string) (userID uint, next string, err error) {
	if !wellFormedRefresh(token) {
		return 0, "", ErrInvalidRefresh
	}
	now, hash := r.clock(), hashRefresh(token)
	reused := false
	err = models.Conn(ctx, r.db).Transaction(func(tx *gorm.DB) error {
		// Lock the family first (on Postgres; a SQLite transaction holds the
		// write lock already), so rotations and revocations of one family
		// queue behind each other.
		var fam RefreshFamily
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("id = (?)", tx.Model(&RefreshToken{}).Select("family_id").Where("token_hash = ?", hash)).
			Take(&fam).Error
		if err != nil {
			return notFoundAs(err, ErrInvalidRefresh)
		}
		if fam.RevokedAt != nil || !now.Before(fam.ExpiresAt) {
			return ErrInvalidRefresh
		}
		var tok RefreshToken
		if err := tx.Where("token_hash = ?", hash).Take(&tok).Error; err != nil {
			return notFoundAs(err, ErrInvalidRefresh)
		}
		userID = fam.UserID
		if tok.UsedAt == nil {
			won, err := spendRefresh(tx, tok.ID, now)
			if err != nil {
				return err
			}
			if won {
				next, err = replaceRefresh(tx, fam.ID, now, ip, tok.ID)
				return err
			}
			// Another request spent it first (the conditional update is what
			// guarantees a single winner): judge this one as a repeat.
			tok = RefreshToken{}
			if err := tx.Where("token_hash = ?", hash).Take(&tok).Error; err != nil {
				return err
			}
		}
		if tok.UsedAt != nil && tok.SuccessorID != nil && now.Sub(*tok.UsedAt) < RefreshGrace {
			won, err := spendRefresh(tx, *tok.SuccessorID, now)
			if err != nil {
				return err
			}
			if won {
				// The spent successor keeps no successor of its own: if it
				// turns up after all, its response was not lost, and it is
				// treated as a replay.
				next, err = replaceRefresh(tx, fam.ID, now, ip, tok.ID)
				return err
			}
		}
		reused = true
		return tx.Model(&RefreshFamily{}).Where("id = ? AND revoked_at IS NULL", fam.ID).
			Update("revoked_at", now).Error
	})
	switch {
	case errors.Is(err, ErrInvalidRefresh):
		return 0, "", ErrInvalidRefresh
	case err != nil:
		return 0, "", fmt.Errorf("refresh rotate: %w", err)
	case reused:
		return userID, "", ErrRefreshReused
	}
	return userID, next, nil
}

// Revoke ends the family of token. An unknown, malformed or already
// revoked token is not an error (RFC 7009).
func (r *Refresh) Revoke(ctx context.Context, token string) error {
	if !wellFormedRefresh(token) {
		return nil
	}
	family := r.db.Model(&RefreshToken{}).Select("family_id").Where("token_hash = ?", hashRefresh(token))
	err := models.Conn(ctx, r.db).Model(&RefreshFamily{}).
		Where("id IN (?) AND revoked_at IS NULL", family).
		Update("revoked_at", r.clock()).Error
	if err != nil {
		return fmt.Errorf("refresh revoke: %w", err)
	}
	return nil
}

// RevokeUser ends every app sign-in of the user, as when the password
// changes.
func (r *Refresh) RevokeUser(ctx context.Context, userID uint) error {
	err := models.Conn(ctx, r.db).Model(&RefreshFamily{}).
		Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", r.clock()).Error
	if err != nil {
		return fmt.Errorf("refresh revoke user: %w", err)
	}
	return nil
}

// RevokeFamily ends one of the user's app sign-ins. It reports false when
// the family is not the user's or was already revoked.
func (r *Refresh) RevokeFamily(ctx context.Context, userID, familyID uint) (bool, error) {
	res := models.Conn(ctx, r.db).Model(&RefreshFamily{}).
		Where("id = ? AND user_id = ? AND revoked_at IS NULL", familyID, userID).
		Update("revoked_at", r.clock())
	if res.Error != nil {
		return false, fmt.Errorf("refresh revoke family: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// Families lists the user's live app sign-ins, most recently used first.
func (r *Refresh) Families(ctx context.Context, userID uint) ([]RefreshFamily, error) {
	var out []RefreshFamily
	err := models.Conn(ctx, r.db).
		Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", userID, r.clock()).
		Order("last_used_at DESC, id DESC").
		Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("refresh families: %w", err)
	}
	return out, nil
}

// Sweep deletes the families past their end, revoked or not, with their
// tokens, and reports how many families went. Safe to run on every
// instance at once.
func (r *Refresh) Sweep(ctx context.Context) (int64, error) {
	now := r.clock()
	var swept int64
	err := models.Conn(ctx, r.db).Transaction(func(tx *gorm.DB) error {
		ended := tx.Model(&RefreshFamily{}).Select("id").Where("expires_at <= ?", now)
		if err := tx.Where("family_id IN (?)", ended).Delete(&RefreshToken{}).Error; err != nil {
			return err
		}
		res := tx.Where("expires_at <= ?", now).Delete(&RefreshFamily{})
		swept = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("refresh sweep: %w", err)
	}
	return swept, nil
}

// spendRefresh marks a token used if nobody has yet; exactly one of any
// number of concurrent callers wins.
func spendRefresh(tx *gorm.DB, id uint, now time.Time) (bool, error) {
	res := tx.Model(&RefreshToken{}).Where("id = ? AND used_at IS NULL", id).Update("used_at", now)
	return res.RowsAffected == 1, res.Error
}

// replaceRefresh issues the family's next token, records it as the
// successor of the token presented and notes the use on the family.
func replaceRefresh(tx *gorm.DB, familyID uint, now time.Time, ip string, presented uint) (string, error) {
	token, id, err := issueRefresh(tx, familyID, now)
	if err != nil {
		return "", err
	}
	if err := tx.Model(&RefreshToken{}).Where("id = ?", presented).Update("successor_id", id).Error; err != nil {
		return "", err
	}
	err = tx.Model(&RefreshFamily{}).Where("id = ?", familyID).
		Updates(map[string]any{"last_used_at": now, "ip": clip(ip, 64)}).Error
	return token, err
}

func issueRefresh(tx *gorm.DB, familyID uint, now time.Time) (string, uint, error) {
	token := secret.Token(refreshBytes)
	row := RefreshToken{FamilyID: familyID, TokenHash: hashRefresh(token), CreatedAt: now}
	if err := tx.Create(&row).Error; err != nil {
		return "", 0, err
	}
	return token, row.ID, nil
}

func hashRefresh(token string) string { return secret.Hash(token) }

// wellFormedRefresh reports whether token could be one Crumb issued, so
// that anything else is turned away without a query.
func wellFormedRefresh(token string) bool {
	if len(token) != base64.RawURLEncoding.EncodedLen(refreshBytes) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	return err == nil && len(b) == refreshBytes
}

func notFoundAs(err, sentinel error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sentinel
	}
	return err
}

// clip shortens s to at most n characters so it fits its column.
func clip(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// The sign-in a refresh token belongs to.

// FamilyOf is the id of the app sign-in (family) of a refresh token
// Start or Rotate just returned, for the access token issued with it;
// ErrInvalidRefresh when there is none.
func (r *Refresh) FamilyOf(ctx context.Context, token string) (uint, error) {
	if !wellFormedRefresh(token) {
		return 0, ErrInvalidRefresh
	}
	var tok RefreshToken
	err := models.Conn(ctx, r.db).Select("family_id").Where("token_hash = ?", hashRefresh(token)).Take(&tok).Error
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return 0, ErrInvalidRefresh
		}
		return 0, fmt.Errorf("refresh family: %w", err)
	}
	return tok.FamilyID, nil
}
