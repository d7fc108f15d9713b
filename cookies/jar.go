package cookies

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"crumb/secret"
)

// HostPrefix is prepended to every cookie name over https: it makes the
// browser insist on Secure, Path=/ and no Domain.
const HostPrefix = "__Host-"

// sealVersion is the first byte of every sealed value, so the format can
// change without old cookies being misread.
const sealVersion = 1

// Jar seals and opens Crumb's cookies for one store, and describes the
// Set-Cookie headers that carry them. It knows nothing of requests: the
// request's visitor (package handlers/visitor) reads what the browser sent
// through it, and writes what changed, once, at the end of the request.
type Jar struct {
	secure  bool
	aead    cipher.AEAD
	csrfKey []byte
	csrfMAC sync.Pool // of HMAC-SHA256 under csrfKey: every page's form token
	now     func() time.Time
}

// NewJar builds a jar whose encryption key is derived from secret. secure
// turns on Secure and the __Host- prefix; now is the clock.
func NewJar(secret []byte, secure bool, now func() time.Time) (*Jar, error) {
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
	j := &Jar{secure: secure, aead: aead, csrfKey: csrfKey, now: now}
	j.csrfMAC.New = func() any { return hmac.New(sha256.New, csrfKey) }
	return j, nil
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
	// decodes to the same bytes, but it is not the value Seal wrote. The
	// decoder skips CR and LF even then, so those are refused first.
	if strings.IndexByte(value, '\r') >= 0 || strings.IndexByte(value, '\n') >= 0 {
		return nil, time.Time{}, false
	}
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

// Opened is a cookie as the browser sent it, after opening.
type Opened struct {
	Plain   []byte    // the value, when OK
	Expires time.Time // the sealed expiry; zero for a cookie that ends with the browser
	OK      bool      // present, genuine and not expired
	Drop    bool      // present but not usable: the browser must forget it
	Problem string    // why a dropped cookie was not genuine, for the log; "" when it merely expired
}

// Read opens the value the browser sent for cookie n ("" when it sent
// none). A value that cannot be opened is to be dropped with a Problem; one
// whose sealed expiry has passed is to be dropped quietly.
func (j *Jar) Read(n Name, value string) Opened {
	if value == "" {
		return Opened{}
	}
	plain, expires, ok := j.Open(n, value)
	switch {
	case !ok:
		return Opened{Drop: true, Problem: "cannot be decrypted"}
	case !expires.IsZero() && !j.now().Before(expires):
		return Opened{Drop: true}
	}
	return Opened{Plain: plain, Expires: expires, OK: true}
}

// Cookie is one Set-Cookie Crumb sends: always Path=/ and SameSite=Lax,
// HttpOnly as the registry says, Secure over https.
type Cookie struct {
	Name     string
	Value    string
	Expires  time.Time // zero with SessionOnly
	MaxAge   int       // seconds; -1 tells the browser to drop it at once
	Session  bool      // ends when the browser closes
	Secure   bool
	HTTPOnly bool
}

// Set seals plaintext, with its expiry, as cookie n. expires is when the
// browser should drop it (and when Read stops accepting it); the zero time
// makes it last until the browser closes. It fails if name and value
// exceed the cookie's budget.
func (j *Jar) Set(n Name, plaintext []byte, expires time.Time) (Cookie, error) {
	return j.SetRaw(n, j.Seal(n, plaintext, expires), expires)
}

// SetRaw is cookie n with an already sealed value.
func (j *Jar) SetRaw(n Name, value string, expires time.Time) (Cookie, error) {
	spec := n.Spec()
	ck := j.base(n)
	if size := len(ck.Name) + len(value); size > spec.Budget || size > MaxBytes {
		return Cookie{}, fmt.Errorf("cookies: %s would be %d bytes, over its budget of %d", spec.Name, size, spec.Budget)
	}
	ck.Value = value
	if expires.IsZero() {
		ck.Session = true
	} else {
		ck.Expires = expires
		ck.MaxAge = max(int(expires.Sub(j.now()).Seconds()), 1)
	}
	return ck, nil
}

// Expire is the Set-Cookie that makes the browser drop cookie n.
func (j *Jar) Expire(n Name) Cookie {
	ck := j.base(n)
	ck.Expires = time.Unix(0, 0)
	ck.MaxAge = -1
	return ck
}

func (j *Jar) base(n Name) Cookie {
	return Cookie{Name: j.CookieName(n), Secure: j.secure, HTTPOnly: n.Spec().HTTPOnly}
}
