package sessions

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"crumb/cookies"
	"crumb/models"
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
	selector, validator := randomToken(12), randomToken(32)
	tok := models.RememberToken{
		Selector: selector, ValidatorHash: hashValidator(validator), RotatedAt: now, UserID: userID,
		DeviceLabel: DeviceLabel(c.Get(fiber.HeaderUserAgent)), IP: c.IP(),
		CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(cookies.Remember.Spec().MaxAge),
	}
	if err := m.db.WithContext(c.UserContext()).Create(&tok).Error; err != nil {
		return fmt.Errorf("remember: %w", err)
	}
	return m.jar.Write(c, cookies.Remember, []byte(selector+":"+validator), tok.ExpiresAt)
}

// resume signs a browser with no session back in from its remember-me
// cookie, rotating the validator. A selector presented with a wrong
// validator means the cookie was copied: every session and token of that
// account is revoked and the account is flagged so the next sign-in warns.
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
	var tok models.RememberToken
	err := m.db.WithContext(ctx).Where("selector = ? AND expires_at > ?", selector, now).Take(&tok).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		m.jar.Clear(c, cookies.Remember) // revoked, expired or signed out elsewhere
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("remember: %w", err)
	}
	presented := hashValidator(validator)
	switch {
	case equalHash(presented, tok.ValidatorHash):
		m.pause("rotate")
		fresh := randomToken(32)
		res := m.db.WithContext(ctx).Model(&models.RememberToken{}).
			Where("id = ? AND validator_hash = ?", tok.ID, tok.ValidatorHash).
			Updates(map[string]any{
				"validator_hash": hashValidator(fresh), "previous_hash": tok.ValidatorHash, "rotated_at": now,
				"last_used_at": now, "expires_at": now.Add(cookies.Remember.Spec().MaxAge), "ip": c.IP(),
			})
		if res.Error != nil {
			return nil, fmt.Errorf("remember: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			if err := m.jar.Write(c, cookies.Remember, []byte(selector+":"+fresh), now.Add(cookies.Remember.Spec().MaxAge)); err != nil {
				return nil, err
			}
		} else if !m.rotatedElsewhere(c, tok) {
			m.jar.Clear(c, cookies.Remember) // revoked while this request ran
			return nil, nil
		}
	case equalHash(presented, tok.PreviousHash) && now.Sub(tok.RotatedAt) <= RememberGrace:
		// A request that left before the rotation reached the browser.
	default:
		m.jar.Clear(c, cookies.Remember)
		return nil, m.Theft(ctx, tok.UserID, models.TheftRemember, c.IP())
	}
	user, err := models.UserByID(ctx, m.db, tok.UserID)
	if err != nil {
		return nil, err
	}
	cur, err := m.SignIn(c, user, false, "")
	if err != nil {
		return nil, err
	}
	m.pause("resumed")
	// The token may have been revoked since it was read (sign out
	// everywhere, a password change): then this sign-in does not stand.
	if !m.tokenExists(c, tok.ID) {
		if err := m.SignOut(c); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return cur, nil
}

// rotatedElsewhere reports whether a rotation that changed no row lost to a
// parallel request of the same browser (the token's previous validator is
// the one this request presented), rather than to a revocation.
func (m *Manager) rotatedElsewhere(c *fiber.Ctx, tok models.RememberToken) bool {
	var now models.RememberToken
	err := m.db.WithContext(c.UserContext()).Where("id = ?", tok.ID).Take(&now).Error
	return err == nil && equalHash(tok.ValidatorHash, now.PreviousHash)
}

func (m *Manager) tokenExists(c *fiber.Ctx, id uint) bool {
	var n int64
	err := m.db.WithContext(c.UserContext()).Model(&models.RememberToken{}).Where("id = ?", id).Count(&n).Error
	return err == nil && n == 1
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
		if err := m.db.WithContext(c.UserContext()).Where("selector = ?", selector).Delete(&models.RememberToken{}).Error; err != nil {
			return fmt.Errorf("remember: %w", err)
		}
	}
	m.jar.Clear(c, cookies.Remember)
	return nil
}

// RevokeDevice deletes one of the user's remember-me tokens.
func (m *Manager) RevokeDevice(c *fiber.Ctx, userID, id uint) (bool, error) {
	res := m.db.WithContext(c.UserContext()).Where("user_id = ? AND id = ?", userID, id).Delete(&models.RememberToken{})
	if res.Error != nil {
		return false, fmt.Errorf("remember: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashValidator(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

func equalHash(a, b string) bool {
	return b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
