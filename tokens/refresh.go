package tokens

import (
	"context"
	"encoding/base64"
	"errors"
	"time"

	"crumb/models"
	"crumb/secret"
	"crumb/storage"
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

// Refresh issues and rotates the app's refresh tokens. A token is 256
// random bits in base64url; only its SHA-256 is kept. Each token can be
// spent once, for its successor in the same family; presenting a spent
// token again revokes the family, except for a retry within RefreshGrace.
type Refresh struct {
	families *storage.RefreshFamilies
	now      func() time.Time
}

// NewRefresh issues and rotates refresh tokens kept in families.
func NewRefresh(families *storage.RefreshFamilies, now func() time.Time) *Refresh {
	return &Refresh{families: families, now: now}
}

func (r *Refresh) clock() time.Time { return r.now().UTC() }

// Start begins a new family for a sign-in from the app and returns its
// first refresh token.
func (r *Refresh) Start(ctx context.Context, userID uint, deviceLabel, ip string) (string, error) {
	now, token := r.clock(), secret.Token(refreshBytes)
	fam := models.RefreshFamily{
		UserID: userID, DeviceLabel: clip(deviceLabel, 100), IP: clip(ip, 64),
		CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(RefreshLifetime),
	}
	if err := r.families.Start(ctx, fam, hashRefresh(token)); err != nil {
		return "", err
	}
	return token, nil
}

// Rotate spends token and returns the user it belongs to with the token
// that replaces it. A token of a revoked or expired family, or one never
// issued, is ErrInvalidRefresh. A token already spent revokes its family
// and is ErrRefreshReused, unless it was spent less than RefreshGrace ago
// and its successor is still unused: that is a retry whose response was
// lost, so the successor is spent unseen and a new one returned in its
// place. With ErrRefreshReused, userID is the account whose token was
// reused.
func (r *Refresh) Rotate(ctx context.Context, token, ip string) (userID uint, next string, err error) {
	if !wellFormedRefresh(token) {
		return 0, "", ErrInvalidRefresh
	}
	next = secret.Token(refreshBytes)
	userID, reused, err := r.families.Rotate(ctx, hashRefresh(token), hashRefresh(next), r.clock(), RefreshGrace, clip(ip, 64))
	switch {
	case errors.Is(err, storage.ErrRefreshUnknown):
		return 0, "", ErrInvalidRefresh
	case err != nil:
		return 0, "", err
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
	return r.families.Revoke(ctx, hashRefresh(token), r.clock())
}

// RevokeUser ends every app sign-in of the user, as when the password
// changes.
func (r *Refresh) RevokeUser(ctx context.Context, userID uint) error {
	return r.families.RevokeUser(ctx, userID, r.clock())
}

// RevokeFamily ends one of the user's app sign-ins. It reports false when
// the family is not the user's or was already revoked.
func (r *Refresh) RevokeFamily(ctx context.Context, userID, familyID uint) (bool, error) {
	return r.families.RevokeFamily(ctx, userID, familyID, r.clock())
}

// Families lists the user's live app sign-ins, most recently used first.
func (r *Refresh) Families(ctx context.Context, userID uint) ([]models.RefreshFamily, error) {
	return r.families.Live(ctx, userID, r.clock())
}

// Sweep deletes the families past their end, revoked or not, with their
// tokens, and reports how many families went. Safe to run on every
// instance at once.
func (r *Refresh) Sweep(ctx context.Context) (int64, error) {
	return r.families.Sweep(ctx, r.clock())
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

// FamilyOf is the id of the app sign-in (family) of a refresh token
// Start or Rotate just returned, for the access token issued with it;
// ErrInvalidRefresh when there is none.
func (r *Refresh) FamilyOf(ctx context.Context, token string) (uint, error) {
	if !wellFormedRefresh(token) {
		return 0, ErrInvalidRefresh
	}
	id, err := r.families.FamilyOf(ctx, hashRefresh(token))
	if errors.Is(err, storage.ErrRefreshUnknown) {
		return 0, ErrInvalidRefresh
	}
	return id, err
}
