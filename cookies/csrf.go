package cookies

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"

	"crumb/secret"
)

// CSRF protection is a signed double submit: the crumb_csrf cookie holds a
// random secret, and forms carry HMAC(key, secret | binding), where binding
// is the signed-in session (empty for guests). Any instance that shares the
// store's SECRET_KEY can check a token, so no server state and no sticky
// sessions are needed; a token cannot be forged without the key, and a
// token from one session does not work in another.

// CSRFSecretLen is the size of a crumb_csrf secret.
const CSRFSecretLen = 32

// NewCSRFSecret is a new crumb_csrf secret. Starting one (at sign-in and
// sign-out) voids the tokens issued before.
func NewCSRFSecret() []byte { return secret.Bytes(CSRFSecretLen) }

// CSRFToken is the token forms carry for this browser's secret and binding.
// (The HMACs are pooled: a new one hashes its key twice.)
func (j *Jar) CSRFToken(secret []byte, binding string) string {
	m := j.csrfMAC.Get().(hash.Hash)
	defer j.csrfMAC.Put(m)
	m.Reset()
	m.Write(secret)
	m.Write([]byte{0})
	m.Write([]byte(binding))
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0]))
}

// CheckCSRF reports whether token is valid for secret and binding.
func (j *Jar) CheckCSRF(secret []byte, binding, token string) bool {
	if len(secret) != CSRFSecretLen || token == "" {
		return false
	}
	return hmac.Equal([]byte(token), []byte(j.CSRFToken(secret, binding)))
}
