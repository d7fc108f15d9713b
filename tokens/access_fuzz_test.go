package tokens_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"crumb/config"
	"crumb/internal/testkit"
	"crumb/tokens"
)

// FuzzAccessVerify feeds Verify arbitrary strings, seeded with real tokens
// and their pieces. It must never panic, and may accept only a token whose
// signature is the HMAC of its own header and payload under one of the
// keys, naming one of the users tokens were issued to: whatever a forger
// changes in the header or payload, the token is refused.
func FuzzAccessVerify(f *testing.F) {
	clk := testkit.NewClock(testkit.Start)
	a, err := tokens.NewAccess([]config.JWTKey{newKey, oldKey}, testIssuer, testAudience, clk.Now)
	if err != nil {
		f.Fatal(err)
	}
	users := map[uint]bool{1: true, 42: true, 1 << 31: true}
	for user := range users {
		tok, _, err := a.Issue(user, 0)
		if err != nil {
			f.Fatal(err)
		}
		signed := tok[:strings.LastIndex(tok, ".")]
		f.Add(tok)
		f.Add(signed + ".")
		f.Add(signed)
		f.Add(strings.ToUpper(tok))
	}
	for _, junk := range []string{"", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", strings.Repeat("A", 4097)} {
		f.Add(junk)
	}
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := a.Verify(token)
		if err != nil {
			return
		}
		dot := strings.LastIndex(token, ".")
		sig, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
		signedBy := func(k config.JWTKey) bool {
			m := hmac.New(sha256.New, k.Secret)
			m.Write([]byte(token[:dot]))
			return hmac.Equal(m.Sum(nil), sig)
		}
		if err != nil || !(signedBy(newKey) || signedBy(oldKey)) || !users[claims.UserID] || !claims.ExpiresAt.After(clk.Now()) {
			t.Fatalf("Verify accepted %q as %+v", token, claims)
		}
	})
}
