// Package tokens holds what the mobile app signs in with: short-lived JWT
// access tokens (HS256, named keys that can be rotated) and opaque refresh
// tokens that are rotated on every use, in families, so that a replayed
// refresh token ends the whole sign-in (see refresh.go).
package tokens

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"crumb/config"
	"crumb/secret"
)

// AccessLifetime is how long an access token is accepted after it is issued.
const AccessLifetime = 15 * time.Minute

// AccessLeeway is the clock skew tolerated on exp, nbf and iat.
const AccessLeeway = 30 * time.Second

// accessType is the typ header of an access token (RFC 9068), which keeps
// other JWTs signed with the same key (an ID token, say) from passing as one.
const accessType = "at+jwt"

// maxTokenLength bounds what Verify is willing to parse.
const maxTokenLength = 4096

// ErrInvalidToken is returned by Verify for every token it does not accept,
// whatever the reason; the API answers all of them with the same 401.
var ErrInvalidToken = errors.New("tokens: invalid access token")

// Claims is what a verified access token says.
type Claims struct {
	UserID    uint
	Epoch     int64  // the generation of the account's tokens it belongs to
	SignIn    uint   // the app sign-in (refresh family) it was issued to; 0 when it does not say
	ID        string // jti
	ExpiresAt time.Time
}

// Access issues and verifies access tokens. The first key signs; every key
// verifies, so a key can be rotated out by putting a new one first and
// dropping the old one once the tokens it signed have expired.
type Access struct {
	signing  config.JWTKey
	keys     map[string][]byte
	issuer   string
	audience string
	now      func() time.Time
	parser   *jwt.Parser

	mu       sync.Mutex
	verified map[string]Claims // tokens that passed Verify (see Verify)
}

// maxVerified bounds the tokens Verify keeps; when it is reached, all are
// dropped and verified again as they come.
const maxVerified = 4096

// NewAccess builds the access-token issuer for issuer and audience. Each
// key must have a kid and 32 bytes of secret.
func NewAccess(keys []config.JWTKey, issuer, audience string, now func() time.Time) (*Access, error) {
	if len(keys) == 0 {
		return nil, errors.New("tokens: no JWT keys")
	}
	if issuer == "" || audience == "" {
		return nil, errors.New("tokens: access tokens need an issuer and an audience")
	}
	byID := make(map[string][]byte, len(keys))
	for _, k := range keys {
		if k.ID == "" {
			return nil, errors.New("tokens: a JWT key has no kid")
		}
		if len(k.Secret) != 32 {
			return nil, fmt.Errorf("tokens: JWT key %q must be 32 bytes, not %d", k.ID, len(k.Secret))
		}
		if _, dup := byID[k.ID]; dup {
			return nil, fmt.Errorf("tokens: JWT key id %q is used twice", k.ID)
		}
		byID[k.ID] = k.Secret
	}
	a := &Access{signing: keys[0], keys: byID, issuer: issuer, audience: audience, now: now}
	a.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(AccessLeeway),
		jwt.WithTimeFunc(now),
	)
	return a, nil
}

// issuedClaims is the payload Issue writes. Its Audience shadows the
// embedded list so that aud is written as a single string.
type issuedClaims struct {
	Audience string `json:"aud"`
	Epoch    int64  `json:"ep,omitempty"`
	SignIn   uint   `json:"sid,omitempty"`
	jwt.RegisteredClaims
}

// verifiedClaims is what Verify reads: aud as a string or a list.
type verifiedClaims struct {
	Epoch  int64 `json:"ep"`
	SignIn uint  `json:"sid"`
	jwt.RegisteredClaims
}

// Issue signs an access token for the user, in the generation epoch of
// the account's tokens, valid for AccessLifetime.
func (a *Access) Issue(userID uint, epoch int64) (string, time.Duration, error) {
	return a.IssueFor(userID, epoch, 0)
}

// IssueFor is Issue for the app sign-in signIn (its refresh family's id,
// the sid claim), so that the app's list of sign-ins can say which one is
// its own.
func (a *Access) IssueFor(userID uint, epoch int64, signIn uint) (string, time.Duration, error) {
	if userID == 0 {
		return "", 0, errors.New("tokens: access token for no user")
	}
	now := a.now()
	claims := issuedClaims{
		Audience: a.audience,
		Epoch:    epoch,
		SignIn:   signIn,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    a.issuer,
			Subject:   strconv.FormatUint(uint64(userID), 10),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(AccessLifetime)),
			ID:        secret.Token(16),
		},
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = a.signing.ID
	tok.Header["typ"] = accessType
	signed, err := tok.SignedString(a.signing.Secret)
	if err != nil {
		return "", 0, fmt.Errorf("tokens: sign access token: %w", err)
	}
	return signed, AccessLifetime, nil
}

// Verify checks an access token: HS256 with a known kid, typ at+jwt, this
// issuer and audience, not expired (30 s leeway), not issued or valid only
// in the future, with a jti and a user id as its subject. Any failure is
// ErrInvalidToken.
//
// A token that passed is kept, by its exact text, until it expires: the
// app sends the same token on every request for its life, and decoding its
// JSON again was most of what checking it cost. Equal text has an equal
// signature and equal claims, so of the checks only the expiry can change
// its answer, and it is made again each time.
func (a *Access) Verify(token string) (Claims, error) {
	if token == "" || len(token) > maxTokenLength {
		return Claims{}, ErrInvalidToken
	}
	a.mu.Lock()
	c, ok := a.verified[token]
	a.mu.Unlock()
	if ok && !a.now().After(c.ExpiresAt.Add(AccessLeeway)) {
		return c, nil
	}
	c, err := a.verify(token)
	if err != nil {
		return Claims{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.verified == nil || len(a.verified) >= maxVerified {
		a.verified = make(map[string]Claims)
	}
	a.verified[strings.Clone(token)] = c // token may be a view of a request's buffer, reused after it
	return c, nil
}

func (a *Access) verify(token string) (Claims, error) {
	var vc verifiedClaims
	if _, err := a.parser.ParseWithClaims(token, &vc, a.key); err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	rc := vc.RegisteredClaims
	userID, err := strconv.ParseUint(rc.Subject, 10, strconv.IntSize)
	if err != nil || userID == 0 || strconv.FormatUint(userID, 10) != rc.Subject {
		return Claims{}, fmt.Errorf("%w: subject is not a user id", ErrInvalidToken)
	}
	if rc.IssuedAt == nil || rc.ID == "" {
		return Claims{}, fmt.Errorf("%w: iat and jti are required", ErrInvalidToken)
	}
	return Claims{UserID: uint(userID), Epoch: vc.Epoch, SignIn: vc.SignIn, ID: rc.ID, ExpiresAt: rc.ExpiresAt.Time}, nil
}

// key picks the verification key named by the token's kid, once the
// header says the token is an access token.
func (a *Access) key(t *jwt.Token) (any, error) {
	typ, _ := t.Header["typ"].(string)
	if !strings.EqualFold(typ, accessType) && !strings.EqualFold(typ, "application/"+accessType) {
		return nil, errors.New("typ is not at+jwt")
	}
	kid, _ := t.Header["kid"].(string)
	secret, ok := a.keys[kid]
	if !ok {
		return nil, errors.New("unknown kid")
	}
	return secret, nil
}
