package cookies

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/secret"
)

// CSRF protection is a signed double submit: the crumb_csrf cookie holds a
// random secret, and forms carry HMAC(key, secret | binding), where binding
// is the signed-in session (empty for guests). Any instance that shares the
// store's SECRET_KEY can check a token, so no server state and no sticky
// sessions are needed; a token cannot be forged without the key, and a
// token from one session does not work in another.

const (
	csrfSecretLen = 32
	csrfLocal     = "crumb.csrf_secret"
)

// csrfSecret is this browser's secret: one set earlier in this request, or
// the cookie's.
func (j *Jar) csrfSecret(c *fiber.Ctx) ([]byte, bool) {
	if secret, ok := c.Locals(csrfLocal).([]byte); ok {
		return secret, true
	}
	secret, ok := j.Read(c, CSRF)
	if ok && len(secret) != csrfSecretLen {
		j.Reject(c, CSRF, "wrong length")
		return nil, false
	}
	return secret, ok
}

// CSRFToken returns the token forms must carry for binding, setting the
// browser's crumb_csrf cookie first if it has none.
func (j *Jar) CSRFToken(c *fiber.Ctx, binding string) (string, error) {
	secret, ok := j.csrfSecret(c)
	if !ok {
		var err error
		if secret, err = j.NewCSRFSecret(c); err != nil {
			return "", err
		}
	}
	return j.csrfToken(secret, binding), nil
}

// NewCSRFSecret starts a new crumb_csrf secret, invalidating tokens issued
// before it (called at sign-in and sign-out).
func (j *Jar) NewCSRFSecret(c *fiber.Ctx) ([]byte, error) {
	value := secret.Bytes(csrfSecretLen)
	if err := j.Write(c, CSRF, value, time.Time{}); err != nil {
		return nil, err
	}
	c.Locals(csrfLocal, value)
	return value, nil
}

// CheckCSRF reports whether token is valid for this browser and binding.
func (j *Jar) CheckCSRF(c *fiber.Ctx, binding, token string) bool {
	secret, ok := j.csrfSecret(c)
	if !ok || token == "" {
		return false
	}
	return hmac.Equal([]byte(token), []byte(j.csrfToken(secret, binding)))
}

func (j *Jar) csrfToken(secret []byte, binding string) string {
	m := hmac.New(sha256.New, j.csrfKey)
	m.Write(secret)
	m.Write([]byte{0})
	m.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
