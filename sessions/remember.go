package sessions

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"crumb/cookies"
	"crumb/models"
	"crumb/secret"
)

// RememberGrace is how long after a rotation the previous validator is
// still accepted, for parallel requests (tabs, asset loads) that left with
// it before the new cookie arrived.
const RememberGrace = 30 * time.Second

// Remember keeps a device signed in: a new selector:validator pair for the
// crumb_remember cookie (returned, to be sealed into it), and the selector
// with the validator's SHA-256 in the database.
func (m *Manager) Remember(ctx context.Context, userID uint, client Client) (cookie string, expires time.Time, err error) {
	now := m.now()
	selector, validator := secret.Token(12), secret.Token(32)
	tok := models.RememberToken{
		Selector: selector, ValidatorHash: secret.Hash(validator), RotatedAt: now, UserID: userID,
		DeviceLabel: DeviceLabel(client.UserAgent), IP: client.IP,
		CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(cookies.Remember.Spec().MaxAge),
	}
	if err := m.tokens.Create(ctx, tok); err != nil {
		return "", time.Time{}, err
	}
	return selector + ":" + validator, tok.ExpiresAt, nil
}

// Resumed is what a remember-me cookie came to.
type Resumed struct {
	ID      string    // the new session's id; "" when nobody is signed in
	Current *Current  // who is signed in; nil when nobody is
	Cookie  string    // the cookie's new value, when it was rotated
	Expires time.Time // when the rotated cookie expires
	Forget  bool      // the cookie is dead: the browser must drop it
}

// Resume signs a browser with no session back in from its remember-me
// cookie (cookie is its plaintext, selector:validator), rotating the
// validator. A selector presented with a wrong validator means the cookie
// was copied: see Theft.
func (m *Manager) Resume(ctx context.Context, cookie string, client Client) (Resumed, error) {
	selector, validator, ok := strings.Cut(cookie, ":")
	if !ok {
		return Resumed{Forget: true}, nil
	}
	now := m.now()
	tok, found, err := m.tokens.Live(ctx, selector, now)
	if err != nil {
		return Resumed{}, err
	}
	if !found {
		return Resumed{Forget: true}, nil // revoked, expired or signed out elsewhere
	}
	var out Resumed
	presented := secret.Hash(validator)
	switch {
	case equalHash(presented, tok.ValidatorHash):
		m.pause("rotate")
		fresh := secret.Token(32)
		expires := now.Add(cookies.Remember.Spec().MaxAge)
		won, err := m.tokens.Rotate(ctx, tok, secret.Hash(fresh), client.IP, now, expires)
		if err != nil {
			return Resumed{}, err
		}
		if won {
			out.Cookie, out.Expires = selector+":"+fresh, expires
		} else if !m.rotatedElsewhere(ctx, tok) {
			return Resumed{Forget: true}, nil // revoked while this request ran
		}
	case equalHash(presented, tok.PreviousHash) && now.Sub(tok.RotatedAt) <= RememberGrace:
		// A request that left before the rotation reached the browser.
	default:
		return Resumed{Forget: true}, m.Theft(ctx, tok.UserID, models.TheftRemember, client.IP)
	}
	// From here on, a failure keeps the rotated cookie in out: the browser
	// must get it, or its next visit would look like a stolen copy.
	id, cur, err := m.SignIn(ctx, "", models.User{ID: tok.UserID}, ByRememberMe, "", client)
	if errors.Is(err, models.ErrDisabled) {
		return Resumed{Forget: true}, m.tokens.DeleteSelector(ctx, selector)
	}
	if err != nil {
		return out, err
	}
	m.pause("resumed")
	// The token may have been revoked since it was read (sign out
	// everywhere, a password change): then this sign-in does not stand.
	if _, still, err := m.tokens.ByID(ctx, tok.ID); err != nil || !still {
		if serr := m.SignOut(ctx, id, cookie); serr != nil {
			return Resumed{}, serr
		}
		return Resumed{Forget: true}, err
	}
	m.metrics.RememberRestored()
	out.ID, out.Current = id, cur
	return out, nil
}

// rotatedElsewhere reports whether a rotation that changed no row lost to a
// parallel request of the same browser (the token's previous validator is
// the one this request presented), rather than to a revocation.
func (m *Manager) rotatedElsewhere(ctx context.Context, tok models.RememberToken) bool {
	now, found, err := m.tokens.ByID(ctx, tok.ID)
	return err == nil && found && equalHash(tok.ValidatorHash, now.PreviousHash)
}

// Selector is the selector of a remember-me cookie's plaintext, or "".
func Selector(cookie string) string {
	selector, _, _ := strings.Cut(cookie, ":")
	return selector
}

// RevokeDevice deletes one of the user's remember-me tokens.
func (m *Manager) RevokeDevice(ctx context.Context, userID, id uint) (bool, error) {
	return m.tokens.DeleteOne(ctx, userID, id)
}

func equalHash(a, b string) bool {
	return b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
