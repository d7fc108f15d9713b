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
		} // else a parallel request rotated it first; its response carries the new cookie
	case equalHash(presented, tok.PreviousHash) && now.Sub(tok.RotatedAt) <= RememberGrace:
		// A request that left before the rotation reached the browser.
	default:
		return nil, m.theft(c, tok)
	}
	user, err := models.UserByID(ctx, m.db, tok.UserID)
	if err != nil {
		return nil, err
	}
	return m.SignIn(c, user, false, "")
}

// theft reacts to a replayed remember-me cookie.
func (m *Manager) theft(c *fiber.Ctx, tok models.RememberToken) error {
	m.log.Warn("remember-me token replayed: revoking every session and device of the account",
		"user_id", tok.UserID, "selector", tok.Selector, "ip", c.IP(), "request_id", c.Locals("request_id"))
	m.jar.Clear(c, cookies.Remember)
	if err := m.RevokeAll(c.UserContext(), tok.UserID, "", ""); err != nil {
		return err
	}
	now := m.now()
	if err := m.db.WithContext(c.UserContext()).Model(&models.User{}).Where("id = ?", tok.UserID).
		Update("theft_detected_at", &now).Error; err != nil {
		return fmt.Errorf("remember: %w", err)
	}
	return nil
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
