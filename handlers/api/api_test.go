package api_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"crumb/internal/apptest"
	"crumb/models"
	"crumb/storage"
)

// These tests hold the JSON API to what a mobile developer relies on. Every
// request goes through call (apispec_test.go), which checks each response
// against the served OpenAPI document.

const (
	testIssuer   = "http://127.0.0.1:3000"
	testAudience = "http://127.0.0.1:3000/api"
)

// testJWTKey is the signing key newTestApp configures (JWT_KEYS "test:...").
var testJWTKey = bytes.Repeat([]byte{8}, 32)

var (
	apiOrderID = regexp.MustCompile(`^CR-[2-9A-HJKMNP-Z]{10}$`)
	appRevoke  = regexp.MustCompile(`name="kind" value="app">\s*<input type="hidden" name="id" value="(\d+)">`)
)

type productPage struct {
	Items   []apiProduct `json:"items"`
	Page    int          `json:"page"`
	PerPage int          `json:"per_page"`
	Total   int          `json:"total"`
}

type orderPage struct {
	Items   []apiOrder `json:"items"`
	Page    int        `json:"page"`
	PerPage int        `json:"per_page"`
	Total   int        `json:"total"`
}

// appUser is an account signed in on the web (b) and in the app (pair).
type appUser struct {
	b     *apptest.Browser
	email string
	pair  tokenPair
}

// newAppUser signs up on the web (following the link that verifies the
// email), then signs the app in with the same account.
func newAppUser(t *testing.T, ta *apptest.App, name string, opts ...apiOption) appUser {
	t.Helper()
	email := strings.ToLower(name) + "@example.com"
	b := ta.Browser()
	b.SignUpVerified(name, email, apptest.Password, nil)
	return appUser{b: b, email: email, pair: signInApp(t, ta, email, apptest.Password, opts...)}
}

// signInApp asks for a token pair and expects one.
func signInApp(t *testing.T, ta *apptest.App, email, password string, opts ...apiOption) tokenPair {
	t.Helper()
	res := call(ta, fiber.MethodPost, "/api/v1/auth/token", map[string]string{"email": email, "password": password}, "", opts...)
	if res.StatusCode != fiber.StatusOK {
		t.Fatalf("sign-in = %d: %s", res.StatusCode, res.Text)
	}
	var pair tokenPair
	res.decode(t, &pair)
	return pair
}

func refreshApp(ta *apptest.App, token string) apiResponse {
	ta.T.Helper()
	return call(ta, fiber.MethodPost, "/api/v1/auth/refresh", map[string]string{"refresh_token": token}, "")
}

// refreshed expects a refresh to give a new pair.
func refreshed(t *testing.T, ta *apptest.App, token string) tokenPair {
	t.Helper()
	res := refreshApp(ta, token)
	if res.StatusCode != fiber.StatusOK {
		t.Fatalf("refresh = %d: %s", res.StatusCode, res.Text)
	}
	var pair tokenPair
	res.decode(t, &pair)
	return pair
}

// me reports the status of GET /api/v1/me with an access token.
func me(ta *apptest.App, access string) int {
	ta.T.Helper()
	return call(ta, fiber.MethodGet, "/api/v1/me", nil, access).StatusCode
}

func addToCartAPI(t *testing.T, ta *apptest.App, access, slug string, qty int) apiCart {
	t.Helper()
	res := call(ta, fiber.MethodPost, "/api/v1/cart/items", map[string]any{"product_id": mustAtoi(t, ta.ProductID(slug)), "quantity": qty}, access)
	if res.StatusCode != fiber.StatusOK {
		t.Fatalf("add %d %s = %d: %s", qty, slug, res.StatusCode, res.Text)
	}
	var cart apiCart
	res.decode(t, &cart)
	return cart
}

func cartAPI(t *testing.T, ta *apptest.App, access string) apiCart {
	t.Helper()
	res := call(ta, fiber.MethodGet, "/api/v1/cart", nil, access)
	if res.StatusCode != fiber.StatusOK {
		t.Fatalf("cart = %d: %s", res.StatusCode, res.Text)
	}
	var cart apiCart
	res.decode(t, &cart)
	return cart
}

// orderRequest is a valid checkout body.
func orderRequest(payment string) map[string]any {
	return map[string]any{
		"shipping": map[string]string{
			"name": "Ana Baker", "phone": "+1 555 0100", "address1": "1 Flour St", "address2": "",
			"postal_code": "10001", "country": "US",
		},
		"payment_method": payment,
	}
}

func placeOrderAPI(ta *apptest.App, access, key string, body any) apiResponse {
	ta.T.Helper()
	var opts []apiOption
	if key != "" {
		opts = append(opts, withHeader("Idempotency-Key", key))
	}
	return call(ta, fiber.MethodPost, "/api/v1/orders", body, access, opts...)
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func countOrders(ta *apptest.App) int64 {
	var n int64
	ta.DB.Model(&models.Order{}).Count(&n)
	return n
}

// utcTime asserts s is an RFC 3339 time in UTC.
func utcTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		t.Errorf("time %q is not RFC 3339 UTC (%v)", s, err)
	}
	return at
}

// jwtPart decodes one part of a JWT.
func jwtPart(t *testing.T, token string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAPISignIn(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Ana")

	header := jwtPart(t, u.pair.AccessToken, 0)
	if header["alg"] != "HS256" || header["kid"] != "test" || header["typ"] != "at+jwt" {
		t.Errorf("access token header = %v", header)
	}
	claims := jwtPart(t, u.pair.AccessToken, 1)
	if claims["iss"] != testIssuer || claims["aud"] != testAudience || claims["jti"] == "" {
		t.Errorf("access token claims = %v", claims)
	}
	if u.pair.TokenType != "Bearer" || u.pair.ExpiresIn != 900 || len(u.pair.RefreshToken) < 40 {
		t.Errorf("pair = %+v", u.pair)
	}
	res := call(ta, fiber.MethodGet, "/api/v1/me", nil, u.pair.AccessToken)
	var account struct {
		ID        uint   `json:"id"`
		Name      string `json:"name"`
		Email     string `json:"email"`
		CreatedAt string `json:"created_at"`
	}
	res.decode(t, &account)
	if res.StatusCode != fiber.StatusOK || account.Email != u.email || account.Name != "Ana" {
		t.Errorf("me = %d %s", res.StatusCode, res.Text)
	}
	utcTime(t, account.CreatedAt)

	// The email is matched as the web matches it: trimmed, any case.
	signInApp(t, ta, "  ANA@Example.com ", apptest.Password)

	// A wrong password and an unknown account are told apart by nothing.
	wrong := call(ta, fiber.MethodPost, "/api/v1/auth/token", map[string]string{"email": u.email, "password": "not-the-password"}, "").problem(t, fiber.StatusUnauthorized)
	unknown := call(ta, fiber.MethodPost, "/api/v1/auth/token", map[string]string{"email": "nobody@example.com", "password": apptest.Password}, "").problem(t, fiber.StatusUnauthorized)
	if wrong.Detail != unknown.Detail || wrong.Title != unknown.Title {
		t.Errorf("wrong password %+v differs from unknown email %+v", wrong, unknown)
	}

	bad := call(ta, fiber.MethodPost, "/api/v1/auth/token", map[string]string{"email": "ana-at-example", "password": apptest.Password}, "").problem(t, fiber.StatusUnprocessableEntity)
	if len(bad.Errors) == 0 || bad.Errors[0].Field != "email" {
		t.Errorf("bad email: errors %v", bad.fields())
	}
}

// TestAPIErrorsAreProblems sends what a buggy or hostile client might and
// expects a problem+json every time, never a 500.
func TestAPIErrorsAreProblems(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Bo")
	base := ta.Listen()
	baguette := ta.ProductID("baguette")
	tests := []struct {
		name       string
		method     string
		path       string
		body       any
		opts       []apiOption
		status     int
		field      string // named in errors
		detailHas  string
		withoutJWT bool
	}{
		{name: "malformed JSON", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id": 2,`), status: 400, detailHas: "not valid JSON"},
		{name: "text/plain", method: "POST", path: "/api/v1/cart/items", body: rawBody{"text/plain", `{"product_id":2,"quantity":1}`}, status: 415},
		{name: "form encoded", method: "POST", path: "/api/v1/auth/token", body: rawBody{fiber.MIMEApplicationForm, "email=a%40b.co&password=x"}, status: 415, withoutJWT: true},
		{name: "no Content-Type", method: "PUT", path: "/api/v1/cart/items/" + baguette, body: rawBody{"", `{"quantity":1}`}, status: 415},
		{name: "unknown field", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":2,"quantity":1,"colour":"red"}`), status: 400, detailHas: `"colour"`},
		{name: "unknown field at sign-in", method: "POST", path: "/api/v1/auth/token", body: jsonBody(`{"email":"bo@example.com","password":"x","remember":true}`), status: 400, detailHas: `"remember"`, withoutJWT: true},
		{name: "empty body", method: "POST", path: "/api/v1/cart/items", body: jsonBody(""), status: 400, detailHas: "empty"},
		{name: "trailing data", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":2,"quantity":1} {"quantity":5}`), status: 400, detailHas: "single JSON object"},
		{name: "array body", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`[{"product_id":2,"quantity":1}]`), status: 400, detailHas: "JSON object"},
		{name: "body over 16 KB", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":2,"quantity":1,"note":"` + strings.Repeat("a", 16<<10) + `"}`), status: 413},
		{name: "body over the server's 64 KB", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"note":"` + strings.Repeat("a", 70<<10) + `"}`), opts: []apiOption{overNetwork(base)}, status: 413},
		{name: "negative quantity", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":2,"quantity":-1}`), status: 422, field: "quantity"},
		{name: "zero quantity", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":2,"quantity":0}`), status: 422, field: "quantity"},
		{name: "huge quantity", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":2,"quantity":1e30}`), status: 400, detailHas: `"quantity"`},
		{name: "fractional quantity", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":2,"quantity":1.5}`), status: 400, detailHas: `"quantity"`},
		{name: "quantity as a string", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":2,"quantity":"1"}`), status: 400, detailHas: `"quantity"`},
		{name: "missing quantity", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":2}`), status: 422, field: "quantity"},
		{name: "negative quantity set", method: "PUT", path: "/api/v1/cart/items/" + baguette, body: jsonBody(`{"quantity":-5}`), status: 422, field: "quantity"},
		{name: "huge quantity set", method: "PUT", path: "/api/v1/cart/items/" + baguette, body: jsonBody(`{"quantity":99999999999999999999}`), status: 400, detailHas: `"quantity"`},
		{name: "missing product_id", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"quantity":1}`), status: 422, field: "product_id"},
		{name: "product_id 0", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":0,"quantity":1}`), status: 422, field: "product_id"},
		{name: "product_id null", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":null,"quantity":1}`), status: 422, field: "product_id"},
		{name: "huge product_id", method: "POST", path: "/api/v1/cart/items", body: jsonBody(`{"product_id":1e30,"quantity":1}`), status: 400, detailHas: `"product_id"`},
		{name: "non-numeric product in path", method: "PUT", path: "/api/v1/cart/items/abc", body: map[string]int{"quantity": 1}, status: 404},
		{name: "refresh token missing", method: "POST", path: "/api/v1/auth/refresh", body: jsonBody(`{}`), status: 422, field: "refresh_token", withoutJWT: true},
		{name: "refresh token of the wrong type", method: "POST", path: "/api/v1/auth/refresh", body: jsonBody(`{"refresh_token":42}`), status: 400, detailHas: `"refresh_token"`, withoutJWT: true},
		{name: "Idempotency-Key too long", method: "POST", path: "/api/v1/orders", body: orderRequest("cod"), opts: []apiOption{withHeader("Idempotency-Key", strings.Repeat("k", 101)), unchecked()}, status: 400, detailHas: "Idempotency-Key"},
		{name: "Idempotency-Key with spaces", method: "POST", path: "/api/v1/orders", body: orderRequest("cod"), opts: []apiOption{withHeader("Idempotency-Key", "my key")}, status: 400, detailHas: "Idempotency-Key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := u.pair.AccessToken
			if tt.withoutJWT {
				token = ""
			}
			p := call(ta, tt.method, tt.path, tt.body, token, tt.opts...).problem(t, tt.status)
			if tt.field != "" && !hasField(p.fields(), tt.field) {
				t.Errorf("errors name %q, want %q", joinFields(p.fields()), tt.field)
			}
			if !strings.Contains(p.Detail, tt.detailHas) {
				t.Errorf("detail %q does not mention %q", p.Detail, tt.detailHas)
			}
		})
	}
	if cart := cartAPI(t, ta, u.pair.AccessToken); len(cart.Items) != 0 {
		t.Errorf("refused requests changed the cart: %+v", cart.Items)
	}
}

// forge signs claims with header fields set (nil deletes one).
func forge(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"], tok.Header["typ"] = "test", "at+jwt"
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAPIBearerRejectsHostileTokens(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Cy", withHeader(fiber.HeaderUserAgent, "Crumb/1.0"))
	kept := ta.Browser()
	kept.LogIn(u.email, apptest.Password, url.Values{"remember_me": {"1"}})
	remember := kept.Cookies["crumb_remember"]
	if remember == nil {
		t.Fatal("no crumb_remember cookie")
	}
	sub := fmt.Sprint(jwtPart(t, u.pair.AccessToken, 1)["sub"])
	now := ta.Clock.Now()
	claims := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": testIssuer, "aud": testAudience, "sub": sub, "jti": "forged",
			"iat": now.Unix(), "exp": now.Add(15 * time.Minute).Unix()}
		if change != nil {
			change(c)
		}
		return c
	}
	hs256 := func(change func(jwt.MapClaims)) string {
		return forge(t, jwt.SigningMethodHS256, testJWTKey, nil, claims(change))
	}
	// tamper swaps the payload of a real token for one naming another user.
	tamper := func(token string) string {
		parts := strings.Split(token, ".")
		payload := jwtPart(t, token, 1)
		payload["sub"] = "999"
		b, _ := json.Marshal(payload)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
	}
	flipSignature := func(token string) string {
		b := []byte(token)
		i := strings.LastIndexByte(token, '.') + 5
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}

	tests := []struct {
		name          string
		authorization string
		missing       bool // no bearer credentials at all: no error code
		ok            bool // control cases that must pass
	}{
		{name: "forged the right way (control)", authorization: "Bearer " + hs256(nil), ok: true},
		{name: "lower-case scheme", authorization: "bearer " + u.pair.AccessToken, ok: true},
		{name: "alg none", authorization: "Bearer " + forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, claims(nil))},
		{name: "HS512 with the right key", authorization: "Bearer " + forge(t, jwt.SigningMethodHS512, testJWTKey, nil, claims(nil))},
		{name: "HS384 with the right key", authorization: "Bearer " + forge(t, jwt.SigningMethodHS384, testJWTKey, nil, claims(nil))},
		{name: "another key", authorization: "Bearer " + forge(t, jwt.SigningMethodHS256, bytes.Repeat([]byte{9}, 32), nil, claims(nil))},
		{name: "unknown kid", authorization: "Bearer " + forge(t, jwt.SigningMethodHS256, testJWTKey, map[string]any{"kid": "retired"}, claims(nil))},
		{name: "no kid", authorization: "Bearer " + forge(t, jwt.SigningMethodHS256, testJWTKey, map[string]any{"kid": nil}, claims(nil))},
		{name: "typ JWT", authorization: "Bearer " + forge(t, jwt.SigningMethodHS256, testJWTKey, map[string]any{"typ": "JWT"}, claims(nil))},
		{name: "no typ", authorization: "Bearer " + forge(t, jwt.SigningMethodHS256, testJWTKey, map[string]any{"typ": nil}, claims(nil))},
		{name: "wrong iss", authorization: "Bearer " + hs256(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })},
		{name: "wrong aud", authorization: "Bearer " + hs256(func(c jwt.MapClaims) { c["aud"] = "http://127.0.0.1:3000" })},
		{name: "no exp", authorization: "Bearer " + hs256(func(c jwt.MapClaims) { delete(c, "exp") })},
		{name: "expired an hour ago", authorization: "Bearer " + hs256(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })},
		{name: "not yet valid", authorization: "Bearer " + hs256(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })},
		{name: "issued in the future", authorization: "Bearer " + hs256(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })},
		{name: "no iat", authorization: "Bearer " + hs256(func(c jwt.MapClaims) { delete(c, "iat") })},
		{name: "no jti", authorization: "Bearer " + hs256(func(c jwt.MapClaims) { delete(c, "jti") })},
		{name: "subject not a user id", authorization: "Bearer " + hs256(func(c jwt.MapClaims) { c["sub"] = "admin" })},
		{name: "subject 0", authorization: "Bearer " + hs256(func(c jwt.MapClaims) { c["sub"] = "0" })},
		{name: "tampered payload", authorization: "Bearer " + tamper(u.pair.AccessToken)},
		{name: "tampered signature", authorization: "Bearer " + flipSignature(u.pair.AccessToken)},
		{name: "refresh token", authorization: "Bearer " + u.pair.RefreshToken},
		{name: "crumb_remember cookie", authorization: "Bearer " + remember.Value},
		{name: "garbage", authorization: "Bearer not-a-token"},
		{name: "three empty parts", authorization: "Bearer .."},
		{name: "oversized", authorization: "Bearer " + u.pair.AccessToken + strings.Repeat("A", 5000)},
		{name: "no header", authorization: "", missing: true},
		{name: "Basic scheme", authorization: "Basic " + base64.StdEncoding.EncodeToString([]byte(u.email+":"+apptest.Password)), missing: true},
		{name: "empty Bearer", authorization: "Bearer ", missing: true},
		{name: "token without scheme", authorization: u.pair.AccessToken, missing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []apiOption
			if tt.authorization != "" {
				opts = append(opts, withHeader(fiber.HeaderAuthorization, tt.authorization))
			}
			res := call(ta, fiber.MethodGet, "/api/v1/cart", nil, "", opts...)
			if tt.ok {
				if res.StatusCode != fiber.StatusOK {
					t.Fatalf("status = %d: %s", res.StatusCode, res.Text)
				}
				return
			}
			p := res.problem(t, fiber.StatusUnauthorized)
			challenge := res.Header.Get(fiber.HeaderWWWAuthenticate)
			switch {
			case tt.missing && challenge != `Bearer realm="crumb"`:
				t.Errorf("WWW-Authenticate = %q, want a bare challenge", challenge)
			case !tt.missing && (!strings.HasPrefix(challenge, `Bearer realm="crumb"`) || !strings.Contains(challenge, `error="invalid_token"`)):
				t.Errorf("WWW-Authenticate = %q, want error=\"invalid_token\"", challenge)
			}
			if strings.Contains(p.Detail, "signature") || strings.Contains(p.Detail, "kid") {
				t.Errorf("the problem tells an attacker why: %q", p.Detail)
			}
		})
	}
}

func TestAPIAccessTokenLifetime(t *testing.T) {
	ta := apptest.New(t)
	issued := ta.Clock.Now()
	u := newAppUser(t, ta, "Di")
	steps := []struct {
		after  time.Duration
		status int
	}{
		{14 * time.Minute, fiber.StatusOK},
		{15*time.Minute + 20*time.Second, fiber.StatusOK}, // within the 30 s leeway
		{15*time.Minute + 31*time.Second, fiber.StatusUnauthorized},
		{16 * time.Minute, fiber.StatusUnauthorized},
	}
	for _, s := range steps {
		ta.Clock.Set(issued.Add(s.after))
		if got := me(ta, u.pair.AccessToken); got != s.status {
			t.Errorf("after %v: status %d, want %d", s.after, got, s.status)
		}
	}
	// The refresh token outlives it and brings a fresh access token.
	pair := refreshed(t, ta, u.pair.RefreshToken)
	if me(ta, pair.AccessToken) != fiber.StatusOK {
		t.Error("the refreshed access token does not work")
	}
}

func TestAPIRefreshRotation(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Ed")
	first := u.pair

	second := refreshed(t, ta, first.RefreshToken)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("refresh did not rotate the pair")
	}
	if second.TokenType != "Bearer" || second.ExpiresIn != 900 || me(ta, second.AccessToken) != fiber.StatusOK {
		t.Errorf("refreshed pair = %+v", second)
	}
	third := refreshed(t, ta, second.RefreshToken)

	// Presenting a spent token again (past the grace for lost answers)
	// is refused and ends the whole sign-in: the newest token fails too.
	ta.Clock.Advance(11 * time.Second)
	p := refreshApp(ta, second.RefreshToken).problem(t, fiber.StatusUnauthorized)
	if !strings.Contains(p.Detail, "already used") {
		t.Errorf("reuse detail = %q", p.Detail)
	}
	refreshApp(ta, third.RefreshToken).problem(t, fiber.StatusUnauthorized)
	refreshApp(ta, first.RefreshToken).problem(t, fiber.StatusUnauthorized)
	// A reuse signs the account out everywhere: its access tokens stop at
	// once, without waiting for them to expire.
	if me(ta, third.AccessToken) != fiber.StatusUnauthorized {
		t.Error("the access token still works after the account was signed out everywhere")
	}
	// Signing in again starts a new sign-in.
	refreshed(t, ta, signInApp(t, ta, u.email, apptest.Password).RefreshToken)
}

func TestAPIRefreshRetryWithinGrace(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Fi")
	lost := refreshed(t, ta, u.pair.RefreshToken) // the app never saw this answer
	ta.Clock.Advance(5 * time.Second)
	retry := refreshed(t, ta, u.pair.RefreshToken)
	if retry.RefreshToken == lost.RefreshToken {
		t.Fatal("the retry got the lost token again")
	}
	next := refreshed(t, ta, retry.RefreshToken)
	if me(ta, next.AccessToken) != fiber.StatusOK {
		t.Error("the pair after a retry does not work")
	}
	// The unseen token was spent in the retry: if it turns up it is a replay.
	ta.Clock.Advance(11 * time.Second)
	refreshApp(ta, lost.RefreshToken).problem(t, fiber.StatusUnauthorized)
	refreshApp(ta, next.RefreshToken).problem(t, fiber.StatusUnauthorized)
}

func TestAPIRevoke(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Gus")
	other := signInApp(t, ta, u.email, apptest.Password) // another phone
	for _, token := range []string{u.pair.RefreshToken, u.pair.RefreshToken, base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)), "short", ""} {
		res := call(ta, fiber.MethodPost, "/api/v1/auth/revoke", map[string]string{"refresh_token": token}, "")
		if res.StatusCode != fiber.StatusNoContent || res.Text != "" {
			t.Errorf("revoke %q = %d %q", token, res.StatusCode, res.Text)
		}
	}
	refreshApp(ta, u.pair.RefreshToken).problem(t, fiber.StatusUnauthorized)
	// Only that sign-in ended.
	refreshed(t, ta, other.RefreshToken)
}

func TestAPIConcurrentRefresh(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Hal")
	for round := range 4 {
		token := signInApp(t, ta, u.email, apptest.Password).RefreshToken
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = refreshApp(ta, token).StatusCode
			}()
		}
		wg.Wait()
		for _, s := range statuses {
			if s != fiber.StatusOK && s != fiber.StatusUnauthorized {
				t.Errorf("round %d: statuses %v", round, statuses)
			}
		}
		var live []models.RefreshToken
		ta.DB.Joins("JOIN refresh_families ON refresh_families.id = refresh_tokens.family_id").
			Where("refresh_tokens.used_at IS NULL AND refresh_families.revoked_at IS NULL").
			Where("refresh_families.id = (?)", ta.DB.Model(&models.RefreshToken{}).Select("family_id").Where("token_hash = ?", refreshHash(token))).
			Find(&live)
		if len(live) > 1 {
			t.Errorf("round %d: %d live tokens in one family", round, len(live))
		}
		ta.Clock.Advance(time.Minute) // past the refresh rate limit
	}
}

// refreshHash is how a refresh token is kept in the database.
func refreshHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func TestAPIRateLimits(t *testing.T) {
	for _, path := range []string{"/api/v1/auth/token", "/api/v1/auth/refresh"} {
		t.Run(path, func(t *testing.T) {
			ta := apptest.New(t)
			attempt := func(i int) apiResponse {
				if path == "/api/v1/auth/token" {
					return call(ta, fiber.MethodPost, path, map[string]string{"email": fmt.Sprintf("nobody-%d", i), "password": "x"}, "")
				}
				return call(ta, fiber.MethodPost, path, map[string]string{"refresh_token": fmt.Sprintf("guess-%d", i)}, "")
			}
			for i := range 10 {
				if res := attempt(i); res.StatusCode == fiber.StatusTooManyRequests {
					t.Fatalf("attempt %d was limited", i+1)
				}
			}
			res := attempt(10)
			res.problem(t, fiber.StatusTooManyRequests)
			if after, err := strconv.Atoi(res.Header.Get(fiber.HeaderRetryAfter)); err != nil || after < 1 || after > 60 {
				t.Errorf("Retry-After = %q", res.Header.Get(fiber.HeaderRetryAfter))
			}
			ta.Clock.Advance(61 * time.Second)
			if res := attempt(11); res.StatusCode == fiber.StatusTooManyRequests {
				t.Error("still limited a minute later")
			}
		})
	}
}

func TestAPICatalogList(t *testing.T) {
	ta := apptest.New(t)
	tests := []struct {
		query   string
		status  int
		field   string // named by a 400
		items   int
		total   int
		page    int
		perPage int
	}{
		{query: "", status: 200, items: 20, total: 36, page: 1, perPage: 20},
		{query: "?page=2", status: 200, items: 16, total: 36, page: 2, perPage: 20},
		{query: "?per_page=100", status: 200, items: 36, total: 36, page: 1, perPage: 100},
		{query: "?per_page=1&page=36", status: 200, items: 1, total: 36, page: 36, perPage: 1},
		{query: "?page=3", status: 200, items: 0, total: 36, page: 3, perPage: 20},
		{query: "?page=1000000", status: 200, items: 0, total: 36, page: 1000000, perPage: 20},
		{query: "?category=pastries", status: 200, items: 6, total: 6, page: 1, perPage: 20},
		{query: "?q=zzzz", status: 200, items: 0, total: 0, page: 1, perPage: 20},
		{query: "?per_page=101", status: 400, field: "per_page"},
		{query: "?per_page=0", status: 400, field: "per_page"},
		{query: "?per_page=abc", status: 400, field: "per_page"},
		{query: "?page=0", status: 400, field: "page"},
		{query: "?page=-1", status: 400, field: "page"},
		{query: "?page=1.5", status: 400, field: "page"},
		{query: "?category=pies", status: 400, field: "category"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var opts []apiOption
			if tt.status != 200 {
				opts = append(opts, unchecked())
			}
			res := call(ta, fiber.MethodGet, "/api/v1/products"+tt.query, nil, "", opts...)
			if tt.status != 200 {
				p := res.problem(t, tt.status)
				if !hasField(p.fields(), tt.field) {
					t.Errorf("errors name %q, want %q", joinFields(p.fields()), tt.field)
				}
				return
			}
			var page productPage
			res.decode(t, &page)
			if res.StatusCode != 200 || len(page.Items) != tt.items || page.Total != tt.total || page.Page != tt.page || page.PerPage != tt.perPage {
				t.Errorf("= %d: %d items, total %d, page %d, per_page %d", res.StatusCode, len(page.Items), page.Total, page.Page, page.PerPage)
			}
			for _, p := range page.Items {
				if p.Price.Currency != "USD" || p.Price.Amount <= 0 {
					t.Errorf("%s costs %+v", p.Slug, p.Price)
				}
			}
		})
	}

	// Search is case-insensitive and combines with the category.
	search := func(query string) productPage {
		var page productPage
		call(ta, fiber.MethodGet, "/api/v1/products?"+query, nil, "").decode(t, &page)
		return page
	}
	lower, upper := search("q=croissant"), search("q=CroisSANT")
	if lower.Total == 0 || lower.Total != upper.Total {
		t.Errorf("q=croissant: %d, q=CroisSANT: %d", lower.Total, upper.Total)
	}
	for _, p := range lower.Items {
		if !strings.Contains(strings.ToLower(p.Name+" "+p.Description), "croissant") {
			t.Errorf("%s matched q=croissant", p.Slug)
		}
	}
	if cakes := search("q=cream&category=cakes"); cakes.Total == 0 || cakes.Total >= search("q=cream").Total {
		t.Errorf("q=cream&category=cakes: %d", cakes.Total)
	} else {
		for _, p := range cakes.Items {
			if p.Category != "cakes" {
				t.Errorf("%s is in %s", p.Slug, p.Category)
			}
		}
	}
}

func TestAPIProduct(t *testing.T) {
	ta := apptest.New(t)
	id := ta.ProductID("baguette")
	res := call(ta, fiber.MethodGet, "/api/v1/products/"+id, nil, "")
	var p apiProduct
	res.decode(t, &p)
	if res.StatusCode != 200 || p.Slug != "baguette" || p.Name != "Baguette" || p.Category != "bread" || !p.InStock || p.Stock != 60 {
		t.Errorf("baguette = %d %s", res.StatusCode, res.Text)
	}
	if p.Price != (models.Money{Amount: 350, Currency: "USD"}) || !strings.Contains(res.Text, `"price":{"amount":350,"currency":"USD"}`) {
		t.Errorf("price = %+v", p.Price)
	}
	if img := ta.Get(p.ImageURL); img.StatusCode != 200 {
		t.Errorf("image %s = %d", p.ImageURL, img.StatusCode)
	}
	for _, bad := range []string{"999999", "0", "abc", "-1", "2.0", "99999999999999999999"} {
		call(ta, fiber.MethodGet, "/api/v1/products/"+bad, nil, "").problem(t, fiber.StatusNotFound)
	}
}

func TestAPICartIsTheWebCart(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Ivy")
	access := u.pair.AccessToken
	baguette, croissant := ta.ProductID("baguette"), ta.ProductID("butter-croissant")

	cart := addToCartAPI(t, ta, access, "baguette", 2)
	if len(cart.Items) != 1 || cart.Count != 2 || cart.Subtotal != (models.Money{Amount: 700, Currency: "USD"}) || cart.Items[0].LineTotal.Amount != 700 {
		t.Errorf("after adding 2 baguettes: %+v", cart)
	}
	if page := u.b.Get("/cart"); !strings.Contains(page.Text, "Baguette") || !strings.Contains(page.Text, "Subtotal (2 items)") {
		t.Error("the web cart does not show what the app added")
	}

	if res := u.b.Post("/cart/items", url.Values{"product_id": {croissant}, "quantity": {"1"}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("web add = %d", res.StatusCode)
	}
	cart = cartAPI(t, ta, access)
	if len(cart.Items) != 2 || cart.Count != 3 || cart.Subtotal.Amount != 700+375 {
		t.Errorf("the app does not see what the web added: %+v", cart)
	}

	steps := []struct {
		method, path string
		body         any
		count        int
		lines        int
	}{
		{"PUT", "/api/v1/cart/items/" + baguette, map[string]int{"quantity": 5}, 6, 2},
		{"PUT", "/api/v1/cart/items/" + baguette, map[string]int{"quantity": 0}, 1, 1},
		{"DELETE", "/api/v1/cart/items/" + croissant, nil, 0, 0},
		{"DELETE", "/api/v1/cart/items/" + croissant, nil, 0, 0}, // removing twice is fine
		{"POST", "/api/v1/cart/items", rawBody{"application/json; charset=utf-8", `{"product_id":` + croissant + `,"quantity":4}`}, 4, 1},
	}
	for _, s := range steps {
		res := call(ta, s.method, s.path, s.body, access)
		res.decode(t, &cart)
		if res.StatusCode != 200 || cart.Count != s.count || len(cart.Items) != s.lines {
			t.Errorf("%s %s: %d, count %d, %d lines", s.method, s.path, res.StatusCode, cart.Count, len(cart.Items))
		}
	}
	if page := u.b.Get("/cart"); !strings.Contains(page.Text, "Subtotal (4 items)") {
		t.Error("the web cart does not follow the app's changes")
	}
	call(ta, fiber.MethodDelete, "/api/v1/cart/items/abc", nil, access).problem(t, fiber.StatusNotFound)
}

func TestAPICartLimits(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Jo")
	access := u.pair.AccessToken
	addToCartAPI(t, ta, access, "chocolate-chip-cookie", 99) // stock 120
	ta.SetProduct("focaccia", "stock", 0)
	id := func(slug string) int { return mustAtoi(t, ta.ProductID(slug)) }
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		field  string
	}{
		{"above stock", "POST", "/api/v1/cart/items", map[string]int{"product_id": id("baguette"), "quantity": 61}, "quantity"},
		{"above 99 in a line", "POST", "/api/v1/cart/items", map[string]int{"product_id": id("chocolate-chip-cookie"), "quantity": 1}, "quantity"},
		{"99 above stock", "POST", "/api/v1/cart/items", map[string]int{"product_id": id("carrot-cake"), "quantity": 99}, "quantity"},
		{"100 at once", "POST", "/api/v1/cart/items", jsonBody(fmt.Sprintf(`{"product_id":%d,"quantity":100}`, id("baguette"))), "quantity"},
		{"set above stock", "PUT", "/api/v1/cart/items/" + ta.ProductID("chocolate-chip-cookie"), jsonBody(`{"quantity":121}`), "quantity"},
		{"sold out", "POST", "/api/v1/cart/items", map[string]int{"product_id": id("focaccia"), "quantity": 1}, "quantity"},
		{"unknown product", "POST", "/api/v1/cart/items", map[string]int{"product_id": 999999, "quantity": 1}, "product_id"},
		{"set unknown product", "PUT", "/api/v1/cart/items/999999", map[string]int{"quantity": 1}, "product_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := call(ta, tt.method, tt.path, tt.body, access).problem(t, fiber.StatusUnprocessableEntity)
			if len(p.Errors) == 0 || p.Errors[0].Field != tt.field || p.Errors[0].Message == "" {
				t.Errorf("errors = %+v, want %s first", p.Errors, tt.field)
			}
		})
	}
	if cart := cartAPI(t, ta, access); cart.Count != 99 || len(cart.Items) != 1 {
		t.Errorf("refused changes touched the cart: %+v", cart)
	}
}

func TestAPIPlaceOrderOnce(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Kai")
	access := u.pair.AccessToken
	addToCartAPI(t, ta, access, "pecan-pie", 2)
	addToCartAPI(t, ta, access, "baguette", 1)
	pecan, baguette := ta.Stock("pecan-pie"), ta.Stock("baguette")

	// A flaky network: the app sends the same request several times at once.
	const key = "3f1c2a9e-order-1"
	responses := make([]apiResponse, 4)
	var wg sync.WaitGroup
	for i := range responses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			responses[i] = placeOrderAPI(ta, access, key, orderRequest("cod"))
		}()
	}
	wg.Wait()
	var order apiOrder
	responses[0].decode(t, &order)
	for _, res := range responses {
		var again apiOrder
		res.decode(t, &again)
		if res.StatusCode != fiber.StatusCreated || again.ID != order.ID || res.Header.Get(fiber.HeaderLocation) != "/api/v1/orders/"+order.ID {
			t.Errorf("= %d %q to %q", res.StatusCode, again.ID, res.Header.Get(fiber.HeaderLocation))
		}
	}
	if !apiOrderID.MatchString(order.ID) || order.Status != "placed" || order.PaymentMethod != "cod" {
		t.Errorf("order = %+v", order)
	}
	if len(order.Items) != 2 || order.Subtotal != (models.Money{Amount: 2*2600 + 350, Currency: "USD"}) || order.Total != order.Subtotal {
		t.Errorf("items %+v, subtotal %+v, total %+v", order.Items, order.Subtotal, order.Total)
	}
	for _, l := range order.Items {
		if l.LineTotal.Amount != l.UnitPrice.Amount*int64(l.Quantity) || l.UnitPrice.Currency != "USD" {
			t.Errorf("line %+v", l)
		}
	}
	if order.Shipping.Name != "Ana Baker" || order.Shipping.Country != "US" {
		t.Errorf("shipping = %+v", order.Shipping)
	}
	utcTime(t, order.CreatedAt)

	// A retry later, with the cart now empty, still answers with the order.
	again := placeOrderAPI(ta, access, key, orderRequest("cod"))
	if again.StatusCode != fiber.StatusCreated || !strings.Contains(again.Text, order.ID) {
		t.Errorf("retry = %d: %s", again.StatusCode, again.Text)
	}
	if n := countOrders(ta); n != 1 {
		t.Errorf("%d orders", n)
	}
	if ta.Stock("pecan-pie") != pecan-2 || ta.Stock("baguette") != baguette-1 {
		t.Error("stock not decremented exactly once")
	}
	if cart := cartAPI(t, ta, access); cart.Count != 0 {
		t.Errorf("cart after the order: %+v", cart)
	}
	// The same key for another request is refused.
	p := placeOrderAPI(ta, access, key, orderRequest("bank_transfer")).problem(t, fiber.StatusUnprocessableEntity)
	if !strings.Contains(p.Title+p.Detail, "Idempotency-Key") {
		t.Errorf("reused key: %+v", p)
	}
	// The longest key the document allows works and fits the database
	// column (100 characters; Postgres refuses longer values).
	long := strings.Repeat("k", 100)
	addToCartAPI(t, ta, access, "egg-tart", 1)
	first := placeOrderAPI(ta, access, long, orderRequest("cod"))
	retry := placeOrderAPI(ta, access, long, orderRequest("cod"))
	if first.StatusCode != fiber.StatusCreated || retry.Text != first.Text {
		t.Errorf("100-character key: %d, then %s", first.StatusCode, retry.Text)
	}
	var longest int
	ta.DB.Model(&models.Order{}).Select("MAX(LENGTH(idempotency_key))").Scan(&longest)
	if longest > 100 {
		t.Errorf("an idempotency key of %d characters is stored", longest)
	}
	// The web shows the order to its owner.
	if page := u.b.Get("/orders/" + order.ID); page.StatusCode != 200 || !strings.Contains(page.Text, order.ID) || !strings.Contains(page.Text, "Pecan Pie") {
		t.Errorf("web order page = %d", page.StatusCode)
	}
}

func TestAPIPlaceOrderRefusals(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Lea")
	access := u.pair.AccessToken

	placeOrderAPI(ta, access, "empty-1", orderRequest("cod")).problem(t, fiber.StatusUnprocessableEntity)

	addToCartAPI(t, ta, access, "red-velvet-cake", 3)
	addToCartAPI(t, ta, access, "baguette", 1)
	invalid := []struct {
		body   string
		fields []string
	}{
		{`{}`, []string{"shipping.name", "shipping.phone", "shipping.address1", "shipping.postal_code", "shipping.country", "payment_method"}},
		{`{"shipping":{"name":"Lea","address1":"1 Flour St","postal_code":"10001","country":"US"},"payment_method":"cod"}`, []string{"shipping.phone"}},
		{`{"shipping":{"name":"Lea","phone":"call me","address1":"1 Flour St","postal_code":"!","country":"XX"},"payment_method":"card"}`, []string{"shipping.phone", "shipping.postal_code", "shipping.country", "payment_method"}},
	}
	for _, tt := range invalid {
		p := placeOrderAPI(ta, access, "invalid-1", jsonBody(tt.body)).problem(t, fiber.StatusUnprocessableEntity)
		if got := joinFields(p.fields()); got != joinFields(tt.fields) {
			t.Errorf("%s: errors name %q, want %q", tt.body, got, joinFields(tt.fields))
		}
	}

	// Out of stock since it went in the cart: nothing is written.
	ta.SetProduct("red-velvet-cake", "stock", 2)
	p := placeOrderAPI(ta, access, "stock-1", orderRequest("cod")).problem(t, fiber.StatusConflict)
	if len(p.Errors) != 1 || p.Errors[0].Field != "items" || !strings.Contains(p.Errors[0].Message, "Red Velvet Cake: 3 wanted, 2 available") {
		t.Errorf("conflict errors = %+v", p.Errors)
	}
	if countOrders(ta) != 0 || ta.Stock("red-velvet-cake") != 2 || ta.Stock("baguette") != 60 {
		t.Error("a refused order wrote something")
	}
	var kept int64
	ta.DB.Model(&storage.CartItem{}).Select("COALESCE(SUM(quantity), 0)").Scan(&kept)
	if kept != 4 {
		t.Errorf("the cart holds %d items, want the 4 it had", kept)
	}
	// Once the cart is fixed, the same key places the order.
	call(ta, fiber.MethodPut, "/api/v1/cart/items/"+ta.ProductID("red-velvet-cake"), map[string]int{"quantity": 2}, access)
	if res := placeOrderAPI(ta, access, "stock-1", orderRequest("cod")); res.StatusCode != fiber.StatusCreated {
		t.Errorf("after fixing the cart: %d %s", res.StatusCode, res.Text)
	}
}

// TestAPIOrderRefusesUntypableShipping: NUL (once a 500 on Postgres), a
// control character, or bytes that are not UTF-8 (which JSON decoding
// turns into U+FFFD) in a shipping field is a 422 naming the field; no
// order is placed and the cart is kept.
func TestAPIOrderRefusesUntypableShipping(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		u := newAppUser(t, ta, "Nul")
		access := u.pair.AccessToken
		addToCartAPI(t, ta, access, "baguette", 1)
		good := map[string]string{"name": "Nul", "phone": "+1 555 0100", "address1": "1 Flour St", "address2": "Flat 3", "postal_code": "10001", "country": "US"}
		for _, field := range []string{"name", "phone", "address1", "address2", "postal_code"} {
			for _, bad := range []string{`\u0000`, `\u0007`, `\r\n`, `\u001b[2J`, "\xff", `\ufffd`, strings.Repeat("1", 201)} {
				var parts []string
				for f, v := range good {
					if f == field {
						v += bad
					}
					parts = append(parts, fmt.Sprintf("%q:\"%s\"", f, v))
				}
				body := `{"shipping":{` + strings.Join(parts, ",") + `},"payment_method":"cod"}`
				p := placeOrderAPI(ta, access, "", jsonBody(body)).problem(t, fiber.StatusUnprocessableEntity)
				if got := joinFields(p.fields()); got != "shipping."+field {
					t.Errorf("%s with %q: errors name %q", field, bad, got)
				}
			}
		}
		if countOrders(ta) != 0 {
			t.Error("an untypable order was placed")
		}
	})
}

func TestAPIOrderHistory(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Mo")
	other := newAppUser(t, ta, "Nia")
	access := u.pair.AccessToken
	var ids []string
	for i, slug := range []string{"apple-pie", "egg-tart"} {
		addToCartAPI(t, ta, access, slug, 1)
		var o apiOrder
		res := placeOrderAPI(ta, access, fmt.Sprintf("history-%d", i), orderRequest("bank_transfer"))
		res.decode(t, &o)
		ids = append(ids, o.ID)
	}

	var list orderPage
	call(ta, fiber.MethodGet, "/api/v1/orders", nil, access).decode(t, &list)
	if list.Total != 2 || len(list.Items) != 2 || list.Items[0].ID != ids[1] || list.Items[1].ID != ids[0] || list.Page != 1 || list.PerPage != 20 {
		t.Errorf("orders = %+v, want newest first %v", list, ids)
	}
	for _, o := range list.Items {
		utcTime(t, o.CreatedAt)
	}
	call(ta, fiber.MethodGet, "/api/v1/orders?per_page=1&page=2", nil, access).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != ids[0] || list.Total != 2 {
		t.Errorf("page 2 = %+v", list)
	}
	call(ta, fiber.MethodGet, "/api/v1/orders?per_page=0", nil, access, unchecked()).problem(t, fiber.StatusBadRequest)

	var one apiOrder
	res := call(ta, fiber.MethodGet, "/api/v1/orders/"+ids[0], nil, access)
	res.decode(t, &one)
	if res.StatusCode != 200 || one.ID != ids[0] || len(one.Items) != 1 || one.Items[0].Name != "Apple Pie" || one.PaymentMethod != "bank_transfer" {
		t.Errorf("order = %d %s", res.StatusCode, res.Text)
	}

	// Another account sees neither the order nor its existence.
	call(ta, fiber.MethodGet, "/api/v1/orders/"+ids[0], nil, other.pair.AccessToken).problem(t, fiber.StatusNotFound)
	call(ta, fiber.MethodGet, "/api/v1/orders/CR-2222222222", nil, access).problem(t, fiber.StatusNotFound)
	var theirs orderPage
	call(ta, fiber.MethodGet, "/api/v1/orders", nil, other.pair.AccessToken).decode(t, &theirs)
	if theirs.Total != 0 || theirs.Items == nil {
		t.Errorf("another account's orders = %+v", theirs)
	}
	if page := other.b.Get("/orders/" + ids[0]); page.StatusCode != fiber.StatusNotFound {
		t.Errorf("another account's web order page = %d", page.StatusCode)
	}
	if page := u.b.Get("/orders"); !strings.Contains(page.Text, ids[0]) || !strings.Contains(page.Text, ids[1]) {
		t.Error("the web order history lacks the app's orders")
	}
}

func TestAPIPasswordChangeEndsAppSignIns(t *testing.T) {
	ta := apptest.New(t)
	issued := ta.Clock.Now()
	u := newAppUser(t, ta, "Ola")
	res := u.b.Post("/account/password", url.Values{"password": {apptest.Password}, "new_password": {"seeded-rye-crust-7"}})
	if res.StatusCode != fiber.StatusOK || !strings.Contains(res.Text, "every other device and app is signed out") {
		t.Fatalf("password change = %d", res.StatusCode)
	}
	refreshApp(ta, u.pair.RefreshToken).problem(t, fiber.StatusUnauthorized)
	// The access token stops at once, long before it would expire.
	ta.Clock.Set(issued.Add(time.Minute))
	if me(ta, u.pair.AccessToken) != fiber.StatusUnauthorized {
		t.Error("the access token still works after the password change")
	}
	// A new sign-in gets tokens of the new generation, which work.
	if fresh := signInApp(t, ta, u.email, "seeded-rye-crust-7"); me(ta, fresh.AccessToken) != fiber.StatusOK {
		t.Error("a new sign-in's access token is refused")
	}
	call(ta, fiber.MethodPost, "/api/v1/auth/token", map[string]string{"email": u.email, "password": apptest.Password}, "").problem(t, fiber.StatusUnauthorized)
	signInApp(t, ta, u.email, "seeded-rye-crust-7")
}

func TestAPIDevicesPageEndsAppSignIn(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Pim", withHeader(fiber.HeaderUserAgent, "Crumb/2.4 (iPhone; iOS 19.1)"))
	page := u.b.Get("/account/security")
	m := appRevoke.FindStringSubmatch(page.Text)
	if m == nil || !strings.Contains(page.Text, "Crumb app") {
		t.Fatalf("the devices page does not list the app sign-in:\n%s", page.Text)
	}
	if res := u.b.Post("/account/security/revoke", url.Values{"kind": {"app"}, "id": {m[1]}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("revoke = %d", res.StatusCode)
	}
	refreshApp(ta, u.pair.RefreshToken).problem(t, fiber.StatusUnauthorized)
	if page := u.b.Get("/account/security"); appRevoke.MatchString(page.Text) {
		t.Error("the revoked app sign-in is still listed")
	}
}

func TestOpenAPIDocument(t *testing.T) {
	ta := apptest.New(t)
	res := ta.Get("/api/openapi.json")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		t.Fatalf("GET /api/openapi.json = %d %q", res.StatusCode, res.Header.Get(fiber.HeaderContentType))
	}
	spec, err := loadAPISpec([]byte(res.Text))
	if err != nil {
		t.Fatalf("not a valid OpenAPI document: %v", err)
	}
	if !spec.doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q, want 3.1", spec.doc.OpenAPI)
	}

	// Every route under /api/v1 is documented, and every documented
	// operation is served.
	documented := map[string]bool{}
	for path, item := range spec.doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	param := regexp.MustCompile(`:(\w+)`)
	served := map[string]bool{}
	for _, r := range ta.HTTP.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == fiber.MethodHead {
			continue // HEAD is GET without the body
		}
		op := r.Method + " " + param.ReplaceAllString(r.Path, "{$1}")
		served[op] = true
		if !documented[op] {
			t.Errorf("%s is served but not documented", op)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("%s is documented but not served", op)
		}
	}
	if len(served) < 12 {
		t.Errorf("only %d API operations found", len(served))
	}
}

// readmeBlock is the first ```sh block after the heading line heading.
func readmeBlock(t *testing.T, path, heading string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var block []string
	state := 0 // 0: before the heading, 1: after it, 2: in the block
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case state == 0 && line == heading:
			state = 1
		case state == 1 && strings.HasPrefix(line, "## "):
			t.Fatalf("no ```sh block under %q", heading)
		case state == 1 && strings.TrimSpace(line) == "```sh":
			state = 2
		case state == 2 && strings.TrimSpace(line) == "```":
			return strings.Join(block, "\n") + "\n"
		case state == 2:
			block = append(block, line)
		}
	}
	t.Fatalf("no complete ```sh block under %q in %s", heading, path)
	return ""
}

// TestReadmeWalkthrough runs the README's mobile walk-through against a
// real server, so the commands people copy keep working.
func TestReadmeWalkthrough(t *testing.T) {
	script := readmeBlock(t, "../../README.md", "## For mobile developers")
	if regexp.MustCompile(`\bjq\b`).MatchString(script) {
		t.Error("the walk-through must not need jq")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("the README walk-through needs curl on the PATH")
	}
	ta := apptest.New(t) // seeds the demo account, as go run . does
	base := ta.Listen()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Env = []string{"CRUMB=" + base, "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walk-through failed (%v):\n%s", err, out)
	}
	id := regexp.MustCompile(`CR-[2-9A-HJKMNP-Z]{10}`).FindString(string(out))
	if id == "" {
		t.Fatalf("the walk-through shows no order id:\n%s", out)
	}
	var orders int64
	ta.DB.Model(&models.Order{}).Where("number = ?", id).Count(&orders)
	if orders != 1 {
		t.Errorf("order %s is not in the database", id)
	}
}
