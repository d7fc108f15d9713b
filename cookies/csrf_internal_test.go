package cookies

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"testing"
	"time"
)

// TestCSRFTokenNeedsTheKey checks that knowing a browser's secret is not
// enough to make a token: a key derived from the SECRET_KEY, and used for
// nothing else, is part of it.
func TestCSRFTokenNeedsTheKey(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 5, 14, 9, 30, 0, 0, time.UTC) }
	secretKey := bytes.Repeat([]byte{'a'}, 32)
	ours, err := NewJar(secretKey, false, now)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := NewJar(bytes.Repeat([]byte{'b'}, 32), false, now)
	if err != nil {
		t.Fatal(err)
	}
	secret := bytes.Repeat([]byte{'s'}, CSRFSecretLen)
	mac := func(key []byte) string {
		m := hmac.New(sha256.New, key)
		m.Write(secret)
		m.Write([]byte{0})
		return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	if bytes.Equal(ours.csrfKey, secretKey) || bytes.Equal(ours.csrfKey, theirs.csrfKey) || len(ours.csrfKey) != 32 {
		t.Fatalf("the csrf key is not a 32-byte key of its own: %x", ours.csrfKey)
	}
	for _, tt := range []struct {
		name  string
		token string
		want  bool
	}{
		{"made with the store's key", ours.CSRFToken(secret, ""), true},
		{"HMAC under the derived key", mac(ours.csrfKey), true},
		{"made with another key", theirs.CSRFToken(secret, ""), false},
		{"HMAC under the raw SECRET_KEY", mac(secretKey), false},
		{"HMAC under no key", mac(nil), false},
		{"HMAC keyed by the secret itself", mac(secret), false},
	} {
		if got := ours.CheckCSRF(secret, "", tt.token); got != tt.want {
			t.Errorf("token %s: accepted = %v, want %v", tt.name, got, tt.want)
		}
	}
}
