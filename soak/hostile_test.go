package soak_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"gorm.io/gorm"

	"crumb/internal/shopper"
	"crumb/secret"
)

// hostile is one hostile request and the answers it may get.
type hostile struct {
	name string
	send func() (shopper.Response, error)
	want []int
	// check, when set, looks at the answer beyond its status.
	check func(shopper.Response) error
}

// TestHostileInputs sends the real server oversized and compressed bodies,
// piles of cookies, huge headers, malformed forms and JSON, NUL bytes and
// invalid UTF-8, injection strings, path traversal, huge numbers, forged
// and reused tokens and cross-site posts. Each gets the answer its handler
// documents, never a 5xx, and afterwards nothing has changed that should
// not have: no order, stock, account or cart moved, and the victim whose
// cookies and tokens were imitated is still signed in with the same cart.
func TestHostileInputs(t *testing.T) {
	srv := newServer(t)
	db := srv.DB()
	client := shopper.Client(8)

	mailbox := srv.Mailbox(db)
	victim := shopper.New(srv.Base, client, nil)
	if err := victim.SignUp("Victim Vera", "vera@soak.test", true); err != nil {
		t.Fatal(err)
	}
	if err := victim.Verify(mailbox, "vera@soak.test"); err != nil {
		t.Fatal(err)
	}
	app := apiSignIn(t, srv.Base, "vera@soak.test")
	baguette := productIDOf(t, victim, "baguette")
	if err := victim.AddToCart(baguette, 1); err != nil {
		t.Fatal(err)
	}
	order, err := victim.Checkout()
	if err != nil {
		t.Fatal(err)
	}
	if err := victim.AddToCart(baguette, 2); err != nil {
		t.Fatal(err)
	}
	attacker := shopper.New(srv.Base, client, nil)
	if err := attacker.SignUp("Mallory", "mallory@soak.test", false); err != nil {
		t.Fatal(err)
	}
	if err := attacker.Verify(mailbox, "mallory@soak.test"); err != nil {
		t.Fatal(err)
	}
	attackerApp := apiSignIn(t, srv.Base, "mallory@soak.test")
	orderJSON := `{"shipping":{"name":"M","phone":"+1 555 0100","address1":"1 Flour St","postal_code":"10001","country":"US"},"payment_method":"cod"}`
	orderKey := "soak-" + secret.Hex(8)
	apiOrder(t, srv.Base, attackerApp, baguette, orderKey, orderJSON)
	rex := apiSignIn(t, srv.Base, "demo@crumb.test") // its refresh token will be replayed
	// Spent twice over: its successor was spent too, so presenting it
	// again is no lost-answer retry but a copy.
	next, err := refresh(srv.Base, rex.Refresh)
	if err == nil {
		_, err = refresh(srv.Base, next.Refresh)
	}
	if err != nil {
		t.Fatal(err)
	}
	before := books(t, db)
	victimCSRF, err := victim.CSRF()
	if err != nil {
		t.Fatal(err)
	}
	guest := shopper.New(srv.Base, client, nil)
	guestCSRF, err := guest.CSRF()
	if err != nil {
		t.Fatal(err)
	}

	raw := func(s *shopper.Shopper, method, path string, header map[string]string, body []byte) func() (shopper.Response, error) {
		return func() (shopper.Response, error) {
			req, err := http.NewRequest(method, srv.Base+path, bytes.NewReader(body))
			if err != nil {
				return shopper.Response{}, err
			}
			for k, v := range header {
				req.Header.Set(k, v)
			}
			if s == nil {
				s = shopper.New(srv.Base, client, nil) // a fresh browser each time
			}
			return s.Do(req)
		}
	}
	form := func(s *shopper.Shopper, path string, body string, extra map[string]string) func() (shopper.Response, error) {
		h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		for k, v := range extra {
			h[k] = v
		}
		return raw(s, http.MethodPost, path, h, []byte(body))
	}
	jsonTo := func(path, body string, extra map[string]string) func() (shopper.Response, error) {
		h := map[string]string{"Content-Type": "application/json"}
		for k, v := range extra {
			h[k] = v
		}
		return raw(nil, http.MethodPost, path, h, []byte(body))
	}
	bearer := func(token string) map[string]string { return map[string]string{"Authorization": "Bearer " + token} }
	get := func(s *shopper.Shopper, path string, header map[string]string) func() (shopper.Response, error) {
		return raw(s, http.MethodGet, path, header, nil)
	}
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		_, _ = w.Write(b)
		_ = w.Close()
		return buf.Bytes()
	}
	manyCookies := map[string]string{}
	var cookieList []string
	for i := range 100 {
		cookieList = append(cookieList, fmt.Sprintf("junk%d=%s", i, strings.Repeat("x", 20)))
	}
	manyCookies["Cookie"] = strings.Join(cookieList, "; ")
	// signed sends a form with s's current form token (a refused form
	// renders a page with a new one).
	signed := func(s *shopper.Shopper, path, body string) func() (shopper.Response, error) {
		return func() (shopper.Response, error) {
			token, err := s.CSRF()
			if err != nil {
				return shopper.Response{}, err
			}
			return form(s, path, "_csrf="+url.QueryEscape(token)+"&"+body, nil)()
		}
	}
	add := "_csrf=" + url.QueryEscape(guestCSRF) + "&product_id=" + strconv.Itoa(int(baguette))
	product := "product_id=" + strconv.Itoa(int(baguette))
	victimAdd := "_csrf=" + url.QueryEscape(victimCSRF) + "&product_id=" + strconv.Itoa(int(baguette)) + "&quantity=1"
	login := "password=whatever-it-is&email="
	notContains := func(s string) func(shopper.Response) error {
		return func(r shopper.Response) error {
			if strings.Contains(r.Body, s) {
				return fmt.Errorf("the answer holds %q", s)
			}
			return nil
		}
	}
	locationIs := func(want string) func(shopper.Response) error {
		return func(r shopper.Response) error {
			if r.Location != want {
				return fmt.Errorf("Location %q, want %q", r.Location, want)
			}
			return nil
		}
	}
	unsigned := func(alg jwt.SigningMethod, key any, sub string) string {
		tok := jwt.NewWithClaims(alg, jwt.MapClaims{
			"iss": srv.Base, "aud": srv.Base + "/api", "sub": sub, "jti": "forged",
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
		})
		tok.Header["kid"], tok.Header["typ"] = "soak", "at+jwt"
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	parts := strings.Split(app.Access, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(bytes.Replace(payload, []byte(`"sub":"`), []byte(`"sub":"1`), 1)) + "." + parts[2]

	cases := []hostile{
		// Oversized and compressed bodies.
		{"web form over 64 KB", form(nil, "/cart/items", add+"&filler="+strings.Repeat("a", 100<<10), nil), []int{413}, nil},
		{"API JSON over 16 KB", jsonTo("/api/v1/auth/token", `{"email":"`+strings.Repeat("a", 20<<10)+`"}`, nil), []int{413}, nil},
		{"a declared 1 MB form", func() (shopper.Response, error) {
			return rawHTTP(srv.Base, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1048576\r\n\r\n"+strings.Repeat("a", 4096))
		}, []int{413}, nil},
		{"gzipped web form", form(nil, "/cart/items", string(gz([]byte(add))), map[string]string{"Content-Encoding": "gzip"}), []int{415}, nil},
		{"gzipped API JSON", jsonTo("/api/v1/auth/token", string(gz([]byte(`{"email":"a@b.c","password":"x"}`))), map[string]string{"Content-Encoding": "gzip"}), []int{415}, nil},
		{"brotli-labelled API JSON", jsonTo("/api/v1/auth/revoke", `{}`, map[string]string{"Content-Encoding": "br"}), []int{415}, nil},
		{"deflate-labelled web form", form(nil, "/login", login, map[string]string{"Content-Encoding": "deflate"}), []int{415}, nil},
		// Cookies and headers.
		{"100 junk cookies on the cart", get(nil, "/cart", manyCookies), []int{200}, notContains("Subtotal")},
		{"a 16 KB header", get(nil, "/", map[string]string{"X-Filler": strings.Repeat("a", 16<<10)}), []int{431}, nil},
		{"a 16 KB cookie", get(nil, "/cart", map[string]string{"Cookie": "crumb_cart=" + strings.Repeat("A", 16<<10)}), []int{431}, nil},
		{"a 10 KB search", get(nil, "/products?q="+strings.Repeat("a", 10<<10), nil), []int{200}, notContains(`href="/products/sourdough-loaf"`)},
		{"a 20 KB address", get(nil, "/products?q="+strings.Repeat("a", 20<<10), nil), []int{414, 431}, nil},
		{"a forged cart cookie", get(nil, "/cart", map[string]string{"Cookie": "crumb_cart=" + base64.RawURLEncoding.EncodeToString(secret.Bytes(60))}), []int{200}, notContains("Subtotal")},
		{"the victim's remember-me value as a cart cookie", get(nil, "/cart", map[string]string{"Cookie": "crumb_cart=" + victim.Cookies["crumb_remember"]}), []int{200}, notContains("Subtotal")},
		{"a forged session cookie", get(nil, "/account", map[string]string{"Cookie": "crumb_session=" + base64.RawURLEncoding.EncodeToString(secret.Bytes(70))}), []int{303}, locationIs("/login?next=%2Faccount")},
		{"a forged remember-me cookie", get(nil, "/account", map[string]string{"Cookie": "crumb_remember=" + base64.RawURLEncoding.EncodeToString(secret.Bytes(90))}), []int{303}, locationIs("/login?next=%2Faccount")},
		// Malformed forms.
		{"form without a token", form(nil, "/cart/items", "product_id=1&quantity=1", nil), []int{403}, nil},
		{"form with another browser's token", form(victim, "/cart/items", add+"&quantity=1", nil), []int{403}, nil},
		{"cross-site post with a valid token", form(victim, "/cart/items", victimAdd, map[string]string{"Sec-Fetch-Site": "cross-site"}), []int{403}, nil},
		{"broken percent-encoding", signed(guest, "/cart/items", product+"&quantity=%zz%"), []int{422}, nil},
		{"product id not a number", signed(guest, "/cart/items", "product_id=abc"), []int{422}, nil},
		{"huge quantity", signed(guest, "/cart/items", product+"&quantity=99999999999999999999999"), []int{422}, nil},
		{"negative quantity", signed(guest, "/cart/items", product+"&quantity=-5"), []int{422}, nil},
		{"quantity 1e400", signed(guest, "/cart/items", product+"&quantity=1e400"), []int{422}, nil},
		{"product id past 2^32", signed(guest, "/cart/items", "product_id=4294967297"), []int{422}, nil},
		{"garbage multipart", raw(guest, http.MethodPost, "/cart/items", map[string]string{"Content-Type": "multipart/form-data; boundary=zz"}, []byte("--zz\r\nnot a part")), []int{400}, nil},
		{"form posted as JSON", raw(guest, http.MethodPost, "/cart/items", map[string]string{"Content-Type": "application/json"}, []byte(`{"_csrf":"`+guestCSRF+`"}`)), []int{403}, nil},
		{"NUL in the sign-in email", signed(guest, "/login", login+"demo%00@crumb.test"), []int{422}, nil},
		{"invalid UTF-8 in the sign-in email", signed(guest, "/login", login+"%ff%fe@crumb.test"), []int{422}, nil},
		{"SQL injection as the sign-in email", signed(guest, "/login", login+url.QueryEscape(`' OR '1'='1`)), []int{422}, nil},
		{"checkout with a bad phone keeps what was typed", signed(victim, "/checkout", "checkout_token="+strings.Repeat("a", 32)+"&name=Vera+Typed&phone=call+me&address1=1+Flour+St&postal_code=10001&country=US&payment_method=cod"), []int{422}, func(r shopper.Response) error {
			if !strings.Contains(r.Body, "Vera Typed") || !strings.Contains(r.Body, "1 Flour St") {
				return fmt.Errorf("the form lost what was typed")
			}
			return nil
		}},
		// Text nobody types, where it is kept; ids no record has.
		{"CR/LF in a sign-up name", signed(shopper.New(srv.Base, client, nil), "/signup", "name=Eve%0D%0ABcc%3A+all%40soak.test&email=eve%40soak.test&password="+shopper.Password), []int{422}, nil},
		{"NUL and ESC in a sign-up name", signed(shopper.New(srv.Base, client, nil), "/signup", "name=Eve%00%1B%5B2J&email=eve%40soak.test&password="+shopper.Password), []int{422}, nil},
		{"NUL in a shipping name", signed(victim, "/checkout", "checkout_token="+strings.Repeat("d", 32)+"&name=Vera%00&phone=%2B1+555+0100&address1=1+Flour+St&postal_code=10001&country=US&payment_method=cod"), []int{422}, nil},
		{"NUL in the app's shipping name", jsonTo("/api/v1/orders", strings.Replace(orderJSON, `"name":"M"`, `"name":"M\u0000"`, 1), bearer(attackerApp.Access)), []int{422}, nil},
		{"a NUL as the session to sign out", signed(victim, "/account/security/revoke", "kind=session&id=a%00"), []int{422}, nil},
		{"a byte that is not UTF-8 as the device to sign out", signed(victim, "/account/security/revoke", "kind=device&id=%ff"), []int{422}, nil},
		{"bytes that are not UTF-8 as an order number", func() (shopper.Response, error) {
			return rawHTTP(srv.Base, "GET /api/v1/orders/CR-\xff\xfe HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+attackerApp.Access+"\r\n\r\n")
		}, []int{404}, nil},
		// Searches, addresses and traversal.
		{"SQL injection in search", get(nil, "/products?q="+url.QueryEscape(`' OR 1=1 --`), nil), []int{200}, notContains(`href="/products/sourdough-loaf"`)},
		{"script in search", get(nil, "/products?q="+url.QueryEscape(`<script>alert(1)</script>`), nil), []int{200}, notContains("<script>alert(1)")},
		{"NUL and invalid UTF-8 in search", get(nil, "/products?q=%00%ff%fe", nil), []int{200}, nil},
		{"huge page number", get(nil, "/products?page=99999999999999999999", nil), []int{200}, nil},
		{"huge API page number", get(nil, "/api/v1/products?page=99999999999999999999", nil), []int{400}, nil},
		{"negative API page size", get(nil, "/api/v1/products?per_page=-1", nil), []int{400}, nil},
		{"traversal out of /static", get(nil, "/static/../go.mod", nil), []int{404}, nil},
		{"encoded traversal out of /static", get(nil, "/static/css/..%2f..%2f..%2fgo.mod", nil), []int{404}, nil},
		{"dotted traversal out of /static", get(nil, "/static/%2e%2e/%2e%2e/main.go", nil), []int{404}, nil},
		{"traversal as a product", get(nil, "/products/..%2f..%2fetc%2fpasswd", nil), []int{404}, nil},
		{"injection as an order number", get(victim, "/orders/"+url.PathEscape(`CR-' OR '1'='1`), nil), []int{404}, nil},
		{"another account's order on the web", get(attacker, "/orders/"+order, nil), []int{404}, nil},
		{"open redirect after sign-in", signed(shopper.New(srv.Base, client, nil), "/login", "email=demo%40crumb.test&password=fresh-bread-daily&next=%2F%2Fevil.example"), []int{303}, locationIs("/account")},
		{"a method no page takes (refused as a form without a token)", raw(nil, http.MethodDelete, "/cart", nil, nil), []int{403}, nil},
		{"a method no API route takes (a 404 problem, token or not)", raw(nil, http.MethodDelete, "/api/v1/products", nil, nil), []int{404}, nil},
		// Malformed JSON.
		{"truncated JSON", jsonTo("/api/v1/auth/token", `{`, nil), []int{400}, nil},
		{"a JSON array", jsonTo("/api/v1/auth/token", `[]`, nil), []int{400}, nil},
		{"two JSON objects", jsonTo("/api/v1/auth/token", `{"email":"a@b.c","password":"x"}{}`, nil), []int{400}, nil},
		{"an unknown JSON field", jsonTo("/api/v1/auth/token", `{"email":"a@b.c","password":"x","admin":true}`, nil), []int{400}, nil},
		{"JSON sent as text/plain", raw(nil, http.MethodPost, "/api/v1/auth/token", map[string]string{"Content-Type": "text/plain"}, []byte(`{}`)), []int{415}, nil},
		{"NUL in JSON", jsonTo("/api/v1/auth/token", `{"email":"demo\u0000@crumb.test","password":"fresh-bread-daily"}`, nil), []int{401, 422}, nil},
		{"invalid UTF-8 in JSON", jsonTo("/api/v1/auth/token", "{\"email\":\"\xff\xfe@crumb.test\",\"password\":\"x\"}", nil), []int{401, 422}, nil},
		{"a number too big for a quantity", jsonTo("/api/v1/cart/items", `{"product_id":1,"quantity":1e30}`, bearer(attackerApp.Access)), []int{400}, nil},
		{"a product id past 2^31", jsonTo("/api/v1/cart/items", `{"product_id":4294967297,"quantity":1}`, bearer(attackerApp.Access)), []int{422}, nil},
		// Forged and reused tokens.
		{"an unsigned JWT (alg none)", get(nil, "/api/v1/cart", bearer(unsigned(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "1"))), []int{401}, nil},
		{"a JWT signed with another key", get(nil, "/api/v1/cart", bearer(unsigned(jwt.SigningMethodHS256, secret.Bytes(32), "1"))), []int{401}, nil},
		{"a JWT whose subject was changed", get(nil, "/api/v1/cart", bearer(tampered)), []int{401}, nil},
		{"a 5000-character token", get(nil, "/api/v1/cart", bearer(strings.Repeat("a", 5000))), []int{401}, nil},
		{"a forged refresh token", jsonTo("/api/v1/auth/refresh", `{"refresh_token":"`+secret.Token(32)+`"}`, nil), []int{401}, nil},
		{"a reused refresh token", jsonTo("/api/v1/auth/refresh", `{"refresh_token":"`+rex.Refresh+`"}`, nil), []int{401}, nil},
		{"another account's order in the API", get(nil, "/api/v1/orders/"+order, bearer(attackerApp.Access)), []int{404}, nil},
		{"an Idempotency-Key reused for another order", jsonTo("/api/v1/orders", strings.Replace(orderJSON, `"cod"`, `"bank_transfer"`, 1),
			map[string]string{"Authorization": "Bearer " + attackerApp.Access, "Idempotency-Key": orderKey}), []int{422}, nil},
		{"malformed HTTP: a negative Content-Length", func() (shopper.Response, error) {
			return rawHTTP(srv.Base, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
		}, []int{400}, nil},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d hostile inputs", len(cases))
	}
	for _, c := range cases {
		res, err := c.send()
		if err != nil {
			t.Errorf("%s: no answer: %v", c.name, err)
			continue
		}
		ok := false
		for _, w := range c.want {
			ok = ok || res.Status == w
		}
		if !ok {
			t.Errorf("%s: %d, want one of %v: %.300s", c.name, res.Status, c.want, res.Body)
		} else if c.check != nil {
			if err := c.check(res); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
	}

	after := books(t, db)
	if after != before {
		t.Errorf("hostile input changed the books:\nbefore %+v\nafter  %+v", before, after)
	}
	if ok, err := victim.SignedInAs("Victim Vera"); err != nil || !ok {
		t.Errorf("the victim is no longer signed in (%v)", err)
	}
	if res, err := victim.Get("/cart"); err != nil || !strings.Contains(res.Body, "Subtotal (2 items)") {
		t.Errorf("the victim's cart changed")
	}
	if res, err := get(nil, "/api/v1/me", bearer(app.Access))(); err != nil || res.Status != http.StatusOK {
		t.Errorf("the victim's app token stopped working: %d %v", res.Status, err)
	}
	if errs := srv.ServerErrors(); errs != "" {
		t.Errorf("the server logged errors:\n%s", errs)
	}
	t.Logf("%d hostile inputs sent", len(cases))
}

// ledgerBooks are the rows hostile input must not change.
type ledgerBooks struct {
	Users, Orders, OrderLines, Stock, CartItems, RememberTokens int64
}

func books(t *testing.T, db *gorm.DB) ledgerBooks {
	t.Helper()
	var b ledgerBooks
	err := db.Raw(`SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM orders) AS orders,
		(SELECT COUNT(*) FROM order_lines) AS order_lines, (SELECT SUM(stock) FROM products) AS stock,
		(SELECT COALESCE(SUM(quantity), 0) FROM cart_items) AS cart_items, (SELECT COUNT(*) FROM remember_tokens) AS remember_tokens`).Scan(&b).Error
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tokenPair is an app sign-in.
type tokenPair struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

func apiSignIn(t *testing.T, base, email string) tokenPair {
	t.Helper()
	password := shopper.Password
	if email == "demo@crumb.test" {
		password = "fresh-bread-daily"
	}
	res, err := http.Post(base+"/api/v1/auth/token", "application/json", strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p tokenPair
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("app sign-in as %s: %d %v", email, res.StatusCode, err)
	}
	return p
}

func refresh(base, token string) (tokenPair, error) {
	var p tokenPair
	res, err := http.Post(base+"/api/v1/auth/refresh", "application/json", strings.NewReader(`{"refresh_token":"`+token+`"}`))
	if err != nil {
		return p, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return p, fmt.Errorf("refresh: %d", res.StatusCode)
	}
	return p, json.NewDecoder(res.Body).Decode(&p)
}

// apiOrder puts product id in the app's cart and orders it under key.
func apiOrder(t *testing.T, base string, app tokenPair, id uint, key, body string) {
	t.Helper()
	for _, step := range []struct{ path, body string }{
		{"/api/v1/cart/items", `{"product_id":` + strconv.Itoa(int(id)) + `,"quantity":1}`},
		{"/api/v1/orders", body},
	} {
		req, _ := http.NewRequest(http.MethodPost, base+step.path, strings.NewReader(step.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+app.Access)
		req.Header.Set("Idempotency-Key", key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 300 {
			t.Fatalf("%s: %d", step.path, res.StatusCode)
		}
	}
}

func productIDOf(t *testing.T, s *shopper.Shopper, slug string) uint {
	t.Helper()
	res, err := s.Get("/api/v1/products?per_page=100")
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Items []struct {
			ID   uint   `json:"id"`
			Slug string `json:"slug"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(res.Body), &page); err != nil {
		t.Fatalf("products: %v: %.200s", err, res.Body)
	}
	for _, p := range page.Items {
		if p.Slug == slug {
			return p.ID
		}
	}
	t.Fatalf("no product %s", slug)
	return 0
}

// rawHTTP writes request bytes as they are, for what no client would send.
func rawHTTP(base, request string) (shopper.Response, error) {
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		return shopper.Response{}, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		return shopper.Response{}, err
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return shopper.Response{}, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return shopper.Response{Status: res.StatusCode, Body: string(body), Header: res.Header}, nil
}
