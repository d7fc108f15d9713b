package cookies

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/secret"
)

// HostPrefix is prepended to every cookie name over https: it makes the
// browser insist on Secure, Path=/ and no Domain.
const HostPrefix = "__Host-"

// sealVersion is the first byte of every sealed value, so the format can
// change without old cookies being misread.
const sealVersion = 1

// Jar reads and writes Crumb's cookies for one store.
type Jar struct {
	secure  bool
	aead    cipher.AEAD
	csrfKey []byte
	now     func() time.Time
	log     *slog.Logger
}

// NewJar builds a jar whose encryption key is derived from secret. secure
// turns on Secure and the __Host- prefix; now is the clock.
func NewJar(secret []byte, secure bool, now func() time.Time, log *slog.Logger) (*Jar, error) {
	key, err := hkdf.Key(sha256.New, secret, nil, "crumb cookies v1", 32)
	if err != nil {
		return nil, fmt.Errorf("cookies: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("cookies: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("cookies: %w", err)
	}
	csrfKey, err := hkdf.Key(sha256.New, secret, nil, "crumb csrf v1", 32)
	if err != nil {
		return nil, fmt.Errorf("cookies: %w", err)
	}
	return &Jar{secure: secure, aead: aead, csrfKey: csrfKey, now: now, log: log}, nil
}

// Now is the jar's clock.
func (j *Jar) Now() time.Time { return j.now() }

// Secure reports whether cookies are Secure and __Host- prefixed.
func (j *Jar) Secure() bool { return j.secure }

// CookieName is the name the browser sees for n.
func (j *Jar) CookieName(n Name) string {
	if j.secure {
		return HostPrefix + n.Spec().Name
	}
	return n.Spec().Name
}

// Seal encrypts expiry and plaintext for cookie n:
// base64url(version | nonce | AES-GCM(expiry unix seconds (8 bytes) | plaintext)),
// with the cookie's name as associated data so a value cannot be moved to
// another cookie.
func (j *Jar) Seal(n Name, plaintext []byte, expires time.Time) string {
	var unix uint64
	if !expires.IsZero() {
		unix = uint64(expires.Unix())
	}
	msg := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(plaintext)), unix)
	msg = append(msg, plaintext...)
	out := make([]byte, 1+j.aead.NonceSize(), 1+j.aead.NonceSize()+len(msg)+j.aead.Overhead())
	out[0] = sealVersion
	copy(out[1:], secret.Bytes(j.aead.NonceSize()))
	out = j.aead.Seal(out, out[1:], msg, []byte(n.Spec().Name))
	return base64.RawURLEncoding.EncodeToString(out)
}

// Open decrypts a value sealed for cookie n.
func (j *Jar) Open(n Name, value string) (plaintext []byte, expires time.Time, ok bool) {
	// Strict: a value whose unused low bits differ from what Seal wrote
	// decodes to the same bytes, but it is not the value Seal wrote.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(value)
	ns := j.aead.NonceSize()
	if err != nil || len(raw) < 1+ns+j.aead.Overhead() || raw[0] != sealVersion {
		return nil, time.Time{}, false
	}
	msg, err := j.aead.Open(nil, raw[1:1+ns], raw[1+ns:], []byte(n.Spec().Name))
	if err != nil || len(msg) < 8 {
		return nil, time.Time{}, false
	}
	if unix := binary.BigEndian.Uint64(msg); unix != 0 {
		expires = time.Unix(int64(unix), 0)
	}
	return msg[8:], expires, true
}

// Read returns the decrypted value of cookie n. A cookie that is present
// but cannot be opened, or whose sealed expiry has passed, is cleared and
// reported as absent.
func (j *Jar) Read(c *fiber.Ctx, n Name) ([]byte, bool) {
	value := c.Cookies(j.CookieName(n))
	if value == "" {
		return nil, false
	}
	plain, expires, ok := j.Open(n, value)
	if !ok {
		j.Reject(c, n, "cannot be decrypted")
		return nil, false
	}
	if !expires.IsZero() && !j.now().Before(expires) {
		j.Clear(c, n)
		return nil, false
	}
	return plain, true
}

// Expiry is when cookie n, as this browser sent it, expires; the zero time
// for a cookie that ends with the browser or cannot be read.
func (j *Jar) Expiry(c *fiber.Ctx, n Name) time.Time {
	_, expires, _ := j.Open(n, c.Cookies(j.CookieName(n)))
	return expires
}

// Reject clears cookie n because its content is unusable, and logs why.
func (j *Jar) Reject(c *fiber.Ctx, n Name, why string) {
	j.log.Warn("rejected cookie", "cookie", n.Spec().Name, "reason", why, "path", c.Path(), "request_id", c.Locals("request_id"))
	j.Clear(c, n)
}

// Write seals plaintext, with its expiry, into cookie n. expires is when
// the browser should drop it (and when Read stops accepting it); the zero
// time makes it last until the browser closes.
func (j *Jar) Write(c *fiber.Ctx, n Name, plaintext []byte, expires time.Time) error {
	return j.SetRaw(c, n, j.Seal(n, plaintext, expires), expires)
}

// SetRaw sets cookie n to an already protected value (sealed by this jar,
// or a random id). It fails if name and value exceed the cookie's budget.
func (j *Jar) SetRaw(c *fiber.Ctx, n Name, value string, expires time.Time) error {
	spec := n.Spec()
	name := j.CookieName(n)
	if size := len(name) + len(value); size > spec.Budget || size > MaxBytes {
		return fmt.Errorf("cookies: %s would be %d bytes, over its budget of %d", spec.Name, size, spec.Budget)
	}
	ck := j.base(n)
	ck.Value = value
	if !expires.IsZero() {
		ck.Expires = expires
		ck.MaxAge = max(int(expires.Sub(j.now()).Seconds()), 1)
	} else {
		ck.SessionOnly = true
	}
	c.Cookie(ck)
	return nil
}

// Clear tells the browser to drop cookie n.
func (j *Jar) Clear(c *fiber.Ctx, n Name) {
	ck := j.base(n)
	ck.Expires = time.Unix(0, 0)
	ck.MaxAge = -1
	c.Cookie(ck)
}

// ClearAll drops every registered cookie.
func (j *Jar) ClearAll(c *fiber.Ctx) {
	for n := range numNames {
		j.Clear(c, n)
	}
}

func (j *Jar) base(n Name) *fiber.Cookie {
	return &fiber.Cookie{
		Name:     j.CookieName(n),
		Path:     "/",
		Secure:   j.secure,
		HTTPOnly: n.Spec().HTTPOnly,
		SameSite: fiber.CookieSameSiteLaxMode,
	}
}
