package sessions

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/models"
	"crumb/secret"
)

// RememberGrace is how long after a rotation the previous validator is
// still accepted, for parallel requests (tabs, asset loads) that left with
// it before the new cookie arrived.
const RememberGrace = 30 * time.Second

// Remember keeps this device signed in: a new selector:validator pair in
// the crumb_remember cookie (encrypted), and the selector with the
// validator's SHA-256 in the database.
func (m *Manager) Remember(c *fiber.Ctx, userID uint) error {
	now := m.now()
	selector, validator := secret.Token(12), secret.Token(32)
	tok := RememberToken{
		Selector: selector, ValidatorHash: secret.Hash(validator), RotatedAt: now, UserID: userID,
		DeviceLabel: DeviceLabel(c.Get(fiber.HeaderUserAgent)), IP: c.IP(),
		CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(cookies.Remember.Spec().MaxAge),
	}
	if err := m.tokens.create(c.UserContext(), tok); err != nil {
		return err
	}
	return m.jar.Write(c, cookies.Remember, []byte(selector+":"+validator), tok.ExpiresAt)
}

// resume signs a browser with no session back in from its remember-me
// cookie, rotating the validator. A selector presented with a wrong
// validator means the cookie was copied: see Theft.
func (m *Manager) resume(c *fiber.Ctx) (*Current, error) {
	plain, ok := m.jar.Read(c, cookies.Remember)
	if !ok {
		return nil, nil
	}
	selector, validator, ok := strings.Cut(string(plain), ":")
	if !ok {
		m.jar.Reject(c, cookies.Remember, "malformed")
		return nil, nil
	}
	ctx := c.UserContext()
	now := m.now()
	tok, found, err := m.tokens.live(ctx, selector, now)
	if err != nil {
		return nil, err
	}
	if !found {
		m.jar.Clear(c, cookies.Remember) // revoked, expired or signed out elsewhere
		return nil, nil
	}
	presented := secret.Hash(validator)
	switch {
	case equalHash(presented, tok.ValidatorHash):
		m.pause("rotate")
		fresh := secret.Token(32)
		expires := now.Add(cookies.Remember.Spec().MaxAge)
		won, err := m.tokens.rotate(ctx, tok, secret.Hash(fresh), c.IP(), now, expires)
		if err != nil {
			return nil, err
		}
		if won {
			if err := m.jar.Write(c, cookies.Remember, []byte(selector+":"+fresh), expires); err != nil {
				return nil, err
			}
		} else if !m.rotatedElsewhere(ctx, tok) {
			m.jar.Clear(c, cookies.Remember) // revoked while this request ran
			return nil, nil
		}
	case equalHash(presented, tok.PreviousHash) && now.Sub(tok.RotatedAt) <= RememberGrace:
		// A request that left before the rotation reached the browser.
	default:
		m.jar.Clear(c, cookies.Remember)
		return nil, m.Theft(ctx, tok.UserID, models.TheftRemember, c.IP())
	}
	user, err := m.users.ByID(ctx, tok.UserID)
	if err != nil {
		return nil, err
	}
	cur, err := m.SignIn(c, user, ByRememberMe, "")
	if errors.Is(err, models.ErrDisabled) {
		return nil, m.forgetDevice(c)
	}
	if err != nil {
		return nil, err
	}
	m.pause("resumed")
	// The token may have been revoked since it was read (sign out
	// everywhere, a password change): then this sign-in does not stand.
	if _, still, err := m.tokens.byID(ctx, tok.ID); err != nil || !still {
		if err := m.SignOut(c); err != nil {
			return nil, err
		}
		return nil, err
	}
	m.metrics.RememberRestored()
	return cur, nil
}

// rotatedElsewhere reports whether a rotation that changed no row lost to a
// parallel request of the same browser (the token's previous validator is
// the one this request presented), rather than to a revocation.
func (m *Manager) rotatedElsewhere(ctx context.Context, tok RememberToken) bool {
	now, found, err := m.tokens.byID(ctx, tok.ID)
	return err == nil && found && equalHash(tok.ValidatorHash, now.PreviousHash)
}

// RememberSelector is the selector of this device's remember-me cookie, or "".
func (m *Manager) RememberSelector(c *fiber.Ctx) string {
	plain, ok := m.jar.Read(c, cookies.Remember)
	if !ok {
		return ""
	}
	selector, _, _ := strings.Cut(string(plain), ":")
	return selector
}

// forgetDevice deletes this device's remember-me token and cookie.
func (m *Manager) forgetDevice(c *fiber.Ctx) error {
	if selector := m.RememberSelector(c); selector != "" {
		if err := m.tokens.deleteSelector(c.UserContext(), selector); err != nil {
			return err
		}
	}
	m.jar.Clear(c, cookies.Remember)
	return nil
}

// RevokeDevice deletes one of the user's remember-me tokens.
func (m *Manager) RevokeDevice(ctx context.Context, userID, id uint) (bool, error) {
	return m.tokens.deleteOne(ctx, userID, id)
}

func equalHash(a, b string) bool {
	return b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
