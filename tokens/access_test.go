package tokens_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"crumb/config"
	"crumb/internal/testkit"
	"crumb/tokens"
)

const (
	testIssuer   = "https://crumb.example"
	testAudience = "crumb-api"
)

var (
	newKey = config.JWTKey{ID: "k2", Secret: bytes.Repeat([]byte{2}, 32)}
	oldKey = config.JWTKey{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)}
)

func newAccess(t *testing.T, clk *testkit.Clock, keys ...config.JWTKey) *tokens.Access {
	t.Helper()
	a, err := tokens.NewAccess(keys, testIssuer, testAudience, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func b64JSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAccessRoundTrip(t *testing.T) {
	clk := newClock()
	a := newAccess(t, clk, newKey, oldKey)
	token, expiresIn, err := a.Issue(42, 7)
	if err != nil {
		t.Fatal(err)
	}
	if expiresIn != tokens.AccessLifetime || tokens.AccessLifetime != 15*time.Minute {
		t.Errorf("expiresIn = %v", expiresIn)
	}
	claims, err := a.Verify(token)
	if err != nil {
		t.Fatal(err)
	}
	if claims.UserID != 42 || claims.Epoch != 7 || !claims.ExpiresAt.Equal(clk.Now().Add(15*time.Minute)) {
		t.Errorf("claims = %+v", claims)
	}
	if id, err := base64.RawURLEncoding.DecodeString(claims.ID); err != nil || len(id) != 16 {
		t.Errorf("jti %q is not 128 bits in base64url", claims.ID)
	}

	parts := strings.Split(token, ".")
	header, payload := decodeSegment(t, parts[0]), decodeSegment(t, parts[1])
	if header["alg"] != "HS256" || header["kid"] != "k2" || header["typ"] != "at+jwt" {
		t.Errorf("header = %v", header)
	}
	if payload["iss"] != testIssuer || payload["aud"] != testAudience || payload["sub"] != "42" {
		t.Errorf("payload = %v", payload)
	}
	if payload["exp"].(float64)-payload["iat"].(float64) != 900 || payload["jti"] != claims.ID {
		t.Errorf("payload times or jti = %v", payload)
	}

	other, _, _ := a.Issue(42, 0)
	if c2, _ := a.Verify(other); c2.ID == claims.ID {
		t.Error("two tokens share a jti")
	}
}

// An access token issued to an app sign-in names it (sid), so the app
// can tell its own sign-in among the account's; one issued without says
// nothing.
func TestAccessNamesItsSignIn(t *testing.T) {
	a := newAccess(t, newClock(), newKey)
	token, _, err := a.IssueFor(42, 7, 1234)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := a.Verify(token)
	if err != nil || claims.SignIn != 1234 || claims.UserID != 42 || claims.Epoch != 7 {
		t.Errorf("claims = %+v, %v", claims, err)
	}
	if sid := decodeSegment(t, strings.Split(token, ".")[1])["sid"]; sid != float64(1234) {
		t.Errorf("sid = %v, want 1234", sid)
	}
	plain, _, _ := a.Issue(42, 7)
	if claims, err := a.Verify(plain); err != nil || claims.SignIn != 0 {
		t.Errorf("a token for no sign-in: %+v, %v", claims, err)
	}
	if _, present := decodeSegment(t, strings.Split(plain, ".")[1])["sid"]; present {
		t.Error("a token for no sign-in has a sid")
	}
}

func TestAccessExpiryAndLeeway(t *testing.T) {
	clk := newClock()
	a := newAccess(t, clk, newKey)
	token, _, err := a.Issue(7, 3)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(tokens.AccessLifetime + 20*time.Second)
	if _, err := a.Verify(token); err != nil {
		t.Errorf("expired by 20 s (inside the leeway): %v", err)
	}
	clk.Advance(11 * time.Second)
	if _, err := a.Verify(token); !errors.Is(err, tokens.ErrInvalidToken) {
		t.Errorf("expired by 31 s: err = %v", err)
	}
}

func TestAccessKeyRotation(t *testing.T) {
	clk := newClock()
	before := newAccess(t, clk, oldKey)         // k1 signs
	during := newAccess(t, clk, newKey, oldKey) // k2 signs, k1 still verifies
	after := newAccess(t, clk, newKey)          // k1 dropped
	oldToken, _, _ := before.Issue(5, 0)
	newToken, _, _ := during.Issue(5, 0)

	if _, err := during.Verify(oldToken); err != nil {
		t.Errorf("token of the rotated-out key: %v", err)
	}
	if got := decodeSegment(t, strings.Split(newToken, ".")[0])["kid"]; got != "k2" {
		t.Errorf("new tokens signed by %v, want k2", got)
	}
	if _, err := after.Verify(oldToken); !errors.Is(err, tokens.ErrInvalidToken) {
		t.Errorf("token of a dropped kid: err = %v", err)
	}
	if _, err := after.Verify(newToken); err != nil {
		t.Errorf("token of the current key: %v", err)
	}
	if _, err := before.Verify(newToken); !errors.Is(err, tokens.ErrInvalidToken) {
		t.Errorf("token of a kid not yet known: err = %v", err)
	}
}

func TestNewAccessRejectsBadKeys(t *testing.T) {
	now := newClock().Now
	tests := []struct {
		name     string
		keys     []config.JWTKey
		iss, aud string
	}{
		{"no keys", nil, testIssuer, testAudience},
		{"short key", []config.JWTKey{{ID: "k", Secret: make([]byte, 16)}}, testIssuer, testAudience},
		{"long key", []config.JWTKey{{ID: "k", Secret: make([]byte, 64)}}, testIssuer, testAudience},
		{"no kid", []config.JWTKey{{Secret: make([]byte, 32)}}, testIssuer, testAudience},
		{"duplicate kid", []config.JWTKey{newKey, {ID: "k2", Secret: make([]byte, 32)}}, testIssuer, testAudience},
		{"no issuer", []config.JWTKey{newKey}, "", testAudience},
		{"no audience", []config.JWTKey{newKey}, testIssuer, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tokens.NewAccess(tt.keys, tt.iss, tt.aud, now); err == nil {
				t.Error("accepted")
			}
		})
	}
	if _, _, err := newAccess(t, newClock(), newKey).Issue(0, 0); err == nil {
		t.Error("issued a token for user 0")
	}
}

// TestAccessRejectsHostileTokens checks every way a token can be forged,
// borrowed or stale. Each case starts from a token that verifies (checked
// first) and changes one thing.
func TestAccessRejectsHostileTokens(t *testing.T) {
	clk := newClock()
	a := newAccess(t, clk, newKey, oldKey)
	now := clk.Now()

	claims := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"iss": testIssuer, "aud": testAudience, "sub": "42", "jti": "dGVzdC1qdGktMTIzNDU2",
			"iat": now.Unix(), "exp": now.Add(tokens.AccessLifetime).Unix(),
		}
		if change != nil {
			change(c)
		}
		return c
	}
	header := func(change func(map[string]any)) map[string]any {
		h := map[string]any{"kid": "k2", "typ": "at+jwt"}
		if change != nil {
			change(h)
		}
		return h
	}
	sign := func(method jwt.SigningMethod, secret []byte, h map[string]any, c jwt.MapClaims) string {
		t.Helper()
		tok := jwt.NewWithClaims(method, c)
		delete(tok.Header, "typ")
		for k, v := range h {
			tok.Header[k] = v
		}
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// byHand builds a token the library would refuse to sign, with an
	// HMAC-SHA256 signature over it (or none).
	byHand := func(h map[string]any, c jwt.MapClaims, secret []byte) string {
		t.Helper()
		input := b64JSON(t, h) + "." + b64JSON(t, c)
		if secret == nil {
			return input + "."
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(input))
		return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	good := func() string { return sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(nil)) }
	if _, err := a.Verify(good()); err != nil {
		t.Fatalf("the baseline token does not verify: %v", err)
	}
	withAlg := func(alg string) map[string]any {
		return header(func(h map[string]any) { h["alg"] = alg })
	}
	tamperedPayload := func() string {
		parts := strings.Split(good(), ".")
		parts[1] = b64JSON(t, claims(func(c jwt.MapClaims) { c["sub"] = "1" }))
		return strings.Join(parts, ".")
	}
	tamperedSignature := func() string {
		parts := strings.Split(good(), ".")
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil {
			t.Fatal(err)
		}
		sig[0] ^= 1
		parts[2] = base64.RawURLEncoding.EncodeToString(sig)
		return strings.Join(parts, ".")
	}
	idToken := sign(jwt.SigningMethodHS256, newKey.Secret,
		header(func(h map[string]any) { h["typ"] = "JWT" }),
		claims(func(c jwt.MapClaims) {
			c["nonce"] = "n-0S6_WzA2Mj"
			c["email"] = "ana@example.com"
			c["auth_time"] = now.Unix()
		}))

	tests := []struct {
		name  string
		token string
	}{
		{"alg none", byHand(withAlg("none"), claims(nil), nil)},
		{"alg None", byHand(withAlg("None"), claims(nil), nil)},
		{"alg none with an HS256 signature", byHand(withAlg("none"), claims(nil), newKey.Secret)},
		{"alg HS384 with the right key", sign(jwt.SigningMethodHS384, newKey.Secret, header(nil), claims(nil))},
		{"alg HS512 with the right key", sign(jwt.SigningMethodHS512, newKey.Secret, header(nil), claims(nil))},
		{"alg RS256 header, HMAC signature", byHand(withAlg("RS256"), claims(nil), newKey.Secret)},
		{"alg ES256 header, HMAC signature", byHand(withAlg("ES256"), claims(nil), newKey.Secret)},
		{"no alg", byHand(header(nil), claims(nil), newKey.Secret)},
		{"tampered payload", tamperedPayload()},
		{"tampered signature", tamperedSignature()},
		{"signature stripped", strings.Join(strings.Split(good(), ".")[:2], ".") + "."},
		{"signed with an unknown key", sign(jwt.SigningMethodHS256, bytes.Repeat([]byte{9}, 32), header(nil), claims(nil))},
		{"signed with the other kid's key", sign(jwt.SigningMethodHS256, oldKey.Secret, header(nil), claims(nil))},
		{"unknown kid", sign(jwt.SigningMethodHS256, newKey.Secret, header(func(h map[string]any) { h["kid"] = "k9" }), claims(nil))},
		{"missing kid", sign(jwt.SigningMethodHS256, newKey.Secret, header(func(h map[string]any) { delete(h, "kid") }), claims(nil))},
		{"empty kid", sign(jwt.SigningMethodHS256, newKey.Secret, header(func(h map[string]any) { h["kid"] = "" }), claims(nil))},
		{"numeric kid", sign(jwt.SigningMethodHS256, newKey.Secret, header(func(h map[string]any) { h["kid"] = 2 }), claims(nil))},
		{"typ missing", sign(jwt.SigningMethodHS256, newKey.Secret, header(func(h map[string]any) { delete(h, "typ") }), claims(nil))},
		{"typ JWT (an ID token)", idToken},
		{"typ rt+jwt", sign(jwt.SigningMethodHS256, newKey.Secret, header(func(h map[string]any) { h["typ"] = "rt+jwt" }), claims(nil))},
		{"wrong iss", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }))},
		{"missing iss", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { delete(c, "iss") }))},
		{"wrong aud", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { c["aud"] = "crumb-admin" }))},
		{"wrong aud list", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { c["aud"] = []string{"a", "b"} }))},
		{"missing aud", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { delete(c, "aud") }))},
		{"missing exp", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"exp not a number", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { c["exp"] = "tomorrow" }))},
		{"expired beyond the leeway", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) {
			c["iat"] = now.Add(-20 * time.Minute).Unix()
			c["exp"] = now.Add(-31 * time.Second).Unix()
		}))},
		{"iat in the future", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) {
			c["iat"] = now.Add(31 * time.Second).Unix()
		}))},
		{"nbf in the future", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) {
			c["nbf"] = now.Add(31 * time.Second).Unix()
		}))},
		{"missing iat", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { delete(c, "iat") }))},
		{"missing jti", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { delete(c, "jti") }))},
		{"sub missing", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { delete(c, "sub") }))},
		{"sub not numeric", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { c["sub"] = "ana@example.com" }))},
		{"sub 0", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { c["sub"] = "0" }))},
		{"sub negative", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { c["sub"] = "-42" }))},
		{"sub with leading zeros", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { c["sub"] = "042" }))},
		{"sub as a JSON number", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { c["sub"] = 42 }))},
		{"sub too big", sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(func(c jwt.MapClaims) { c["sub"] = "184467440737095516160" }))},
		{"a refresh token", base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))},
		{"a remember-me selector:validator", "c2VsZWN0b3IxMjM0:" + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32))},
		{"empty string", ""},
		{"three dots", "..."},
		{"garbage with dots", "not.a.jwt.at-all"},
		{"three segments of garbage", "eyJhbGciOiJIUzI1NiJ9.%%%.abc"},
		{"Bearer prefix left on", "Bearer " + good()},
		{"oversized", good() + strings.Repeat("A", 5000)},
	}
	if len(tests) < 15 {
		t.Fatal("too few hostile tokens")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := a.Verify(tt.token)
			if !errors.Is(err, tokens.ErrInvalidToken) {
				t.Fatalf("err = %v, want ErrInvalidToken", err)
			}
			if c != (tokens.Claims{}) {
				t.Errorf("claims returned with the error: %+v", c)
			}
		})
	}

	// Inside the 30 s leeway, clocks that disagree a little do not matter.
	lenient := []struct {
		name   string
		change func(jwt.MapClaims)
	}{
		{"expired 20 s ago", func(c jwt.MapClaims) { c["exp"] = now.Add(-20 * time.Second).Unix() }},
		{"iat 20 s ahead", func(c jwt.MapClaims) { c["iat"] = now.Add(20 * time.Second).Unix() }},
		{"nbf 20 s ahead", func(c jwt.MapClaims) { c["nbf"] = now.Add(20 * time.Second).Unix() }},
		{"aud as a list holding ours", func(c jwt.MapClaims) { c["aud"] = []string{"other", testAudience} }},
	}
	for _, tt := range lenient {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := a.Verify(sign(jwt.SigningMethodHS256, newKey.Secret, header(nil), claims(tt.change))); err != nil {
				t.Errorf("rejected: %v", err)
			}
		})
	}
}
