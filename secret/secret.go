// Package secret makes the random values Crumb hands out (session ids,
// tokens, keys, order numbers) and the digest it keeps of a token in place
// of the token itself.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Bytes returns n random bytes.
func Bytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return b
}

// Token returns n random bytes in unpadded base64url (32 bytes: 256 bits
// in 43 characters).
func Token(n int) string { return base64.RawURLEncoding.EncodeToString(Bytes(n)) }

// Hex returns n random bytes in hex.
func Hex(n int) string { return hex.EncodeToString(Bytes(n)) }

// Hash is the SHA-256 of s in hex: what is stored of a token, so that a
// copy of the database holds nothing usable.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// IsHash reports whether s can be a Hash: 64 lower-case hex digits. What
// cannot be one is never looked up.
func IsHash(s string) bool {
	return len(s) == 2*sha256.Size && strings.Trim(s, "0123456789abcdef") == ""
}
