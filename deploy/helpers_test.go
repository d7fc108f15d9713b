//go:build scaled

package deploy_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/internal/shopper"
	"crumb/secret"
)

// password is what every shopper of these tests signs up with.
const password = "rye-and-butter-42"

// shop is the scaled run of scripts/scaled.sh, as it describes itself in
// the environment: the balancer, the three instances (same order in every
// list), the scripts that start them, their metrics, the database and
// HAProxy's runtime socket.
type shop struct {
	lb        string
	instances []string
	starts    []string
	metrics   []string
	socket    string
	db        *gorm.DB
}

// scaledShop reads the run from the environment; these tests only make
// sense inside scripts/scaled.sh (make e2e-scaled).
func scaledShop(t *testing.T) shop {
	t.Helper()
	s := shop{
		lb:        os.Getenv("CRUMB_SCALED_URL"),
		instances: strings.Fields(os.Getenv("CRUMB_SCALED_INSTANCES")),
		metrics:   strings.Fields(os.Getenv("CRUMB_SCALED_METRICS")),
		socket:    os.Getenv("CRUMB_SCALED_LB_SOCKET"),
		starts:    strings.Fields(os.Getenv("CRUMB_SCALED_START")),
	}
	if s.lb == "" || len(s.instances) != 3 || len(s.starts) != 3 || len(s.metrics) != 3 || s.socket == "" {
		t.Fatal("run these tests inside scripts/scaled.sh, as make e2e-scaled does: the CRUMB_SCALED_* settings are missing")
	}
	db, err := database.Open(os.Getenv("CRUMB_SCALED_DATABASE_URL"), "")
	if err != nil {
		t.Fatalf("CRUMB_SCALED_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	s.db = db
	return s
}

// pid is the process id of instance i as it runs now (it changes when
// the instance is restarted).
func (s shop) pid(t *testing.T, i int) int {
	t.Helper()
	text, err := os.ReadFile(s.starts[i] + ".pid")
	if err != nil {
		t.Fatalf("instance %d's pid: %v", i+1, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(text)))
	if err != nil {
		t.Fatalf("instance %d's pid: %v", i+1, err)
	}
	return pid
}

// exits are the exit statuses of instance i's processes so far, oldest
// first.
func (s shop) exits(t *testing.T, i int) []string {
	t.Helper()
	text, err := os.ReadFile(s.starts[i] + ".exits")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return strings.Fields(string(text))
}

// productID is the id of the product with slug.
func (s shop) productID(t *testing.T, slug string) uint {
	t.Helper()
	var id uint
	if err := s.db.Raw("SELECT id FROM products WHERE slug = ?", slug).Scan(&id).Error; err != nil || id == 0 {
		t.Fatalf("product %s: %v", slug, err)
	}
	return id
}

// setStock puts n of the product on the shelf, behind the shop's back (no
// instance is told; checkout reads stock from the database anyway).
func (s shop) setStock(t *testing.T, slug string, n int) {
	t.Helper()
	if err := s.db.Exec("UPDATE products SET stock = ? WHERE slug = ?", n, slug).Error; err != nil {
		t.Fatal(err)
	}
}

// stock is the product's stock in the database.
func (s shop) stock(t *testing.T, slug string) int {
	t.Helper()
	var n int
	if err := s.db.Raw("SELECT stock FROM products WHERE slug = ?", slug).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// metric is the value of one series (name{labels}, exactly as Prometheus's
// text format writes it) on instance i, 0 when absent.
func (s shop) metric(t *testing.T, i int, series string) float64 {
	t.Helper()
	_, text := fetch(t, http.DefaultClient, http.MethodGet, s.metrics[i], nil, nil)
	for _, line := range strings.Split(text, "\n") {
		if value, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", line, err)
			}
			return v
		}
	}
	return 0
}

// lbCommand sends one command to HAProxy's runtime API and returns the answer.
func (s shop) lbCommand(t *testing.T, command string) string {
	t.Helper()
	conn, err := net.Dial("unix", s.socket)
	if err != nil {
		t.Fatalf("HAProxy's socket: %v", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(command + "\n")); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// lbStat is one field (such as "status" or "stot") of a proxy's line
// ("crumb", "crumb2"; "crumb_alive", "BACKEND") in HAProxy's statistics.
func (s shop) lbStat(t *testing.T, proxy, server, field string) string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(s.lbCommand(t, "show stat"), "# "))).ReadAll()
	if err != nil {
		t.Fatalf("show stat: %v", err)
	}
	col := -1
	for i, name := range rows[0] {
		if name == field {
			col = i
		}
	}
	for _, row := range rows[1:] {
		if col >= 0 && len(row) > col && row[0] == proxy && row[1] == server {
			return row[col]
		}
	}
	t.Fatalf("no %s of %s/%s in HAProxy's statistics", field, proxy, server)
	return ""
}

// fetch sends one request with client and returns the status and body; a
// failed request (no answer) is status 0.
func fetch(t *testing.T, client *http.Client, method, url string, body io.Reader, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// browser keeps cookies as a browser does. Cookies are kept per host, not
// per port, so the balancer and every instance (all on 127.0.0.1) see the
// same cookies, as they would behind one public address.
type browser struct {
	t      *testing.T
	jar    http.CookieJar
	client *http.Client
	header http.Header
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, jar: jar, header: http.Header{}, client: &http.Client{
		Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// get loads a page: its status and body.
func (b *browser) get(url string) (int, string) {
	b.t.Helper()
	return fetch(b.t, b.client, http.MethodGet, url, nil, b.header)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// post submits a form to base+path with a form token read from base.
func (b *browser) post(base, path string, form url.Values) (int, string) {
	b.t.Helper()
	_, page := b.get(base + "/products/baguette")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no form token on %s/products/baguette", base)
	}
	form.Set("_csrf", m[1])
	header := b.header.Clone()
	header.Set("Content-Type", "application/x-www-form-urlencoded")
	return fetch(b.t, b.client, http.MethodPost, base+path, strings.NewReader(form.Encode()), header)
}

// signUp creates an account at base and is signed in after.
func (b *browser) signUp(base, email string, remember bool) {
	b.t.Helper()
	form := url.Values{"name": {"Sam Scale"}, "email": {email}, "password": {password}}
	if remember {
		form.Set("remember_me", "1")
	}
	if status, body := b.post(base, "/signup", form); status != http.StatusSeeOther {
		b.t.Fatalf("sign-up at %s = %d: %s", base, status, body)
	}
}

// verify follows, at base, the link the sign-up of email mailed, read
// from the run's mailbox (CRUMB_SCALED_MAILBOX) as its owner would read
// it: the account may order after.
func (b *browser) verify(base, email string) {
	b.t.Helper()
	box := os.Getenv("CRUMB_SCALED_MAILBOX")
	if box == "" {
		b.t.Fatal("run these tests inside scripts/scaled.sh, as make e2e-scaled does: CRUMB_SCALED_MAILBOX is missing")
	}
	mb := shopper.MailServer(box, &http.Client{Timeout: 10 * time.Second})
	var link string
	ok := within(20*time.Second, func() bool {
		var err error
		link, err = mb.VerifyLink(email)
		if err != nil && !errors.Is(err, shopper.ErrNoMail) {
			b.t.Fatalf("the mailbox: %v", err)
		}
		return err == nil
	})
	if !ok {
		b.t.Fatalf("no verification email to %s in 20 s", email)
	}
	u, err := url.Parse(link)
	if err != nil {
		b.t.Fatal(err)
	}
	if status, body := b.get(base + u.RequestURI()); status != http.StatusSeeOther {
		b.t.Fatalf("following the verification link of %s = %d: %s", email, status, body)
	}
}

// signedIn reports whether base shows this browser's account.
func (b *browser) signedIn(base string) bool {
	b.t.Helper()
	status, body := b.get(base + "/account")
	return status == http.StatusOK && strings.Contains(body, "Hello, ")
}

// closeBrowser drops the cookies that end with the browser.
func (b *browser) closeBrowser() {
	u, _ := url.Parse("http://127.0.0.1/")
	b.jar.SetCookies(u, []*http.Cookie{{Name: "crumb_session", Path: "/", MaxAge: -1}, {Name: "crumb_csrf", Path: "/", MaxAge: -1}})
}

// newEmail is a fresh address for an account of these tests.
func newEmail(what string) string { return "scaled-" + what + "-" + secret.Hex(5) + "@example.com" }

// app is the mobile app of one shopper: an access token.
type app struct {
	t      *testing.T
	token  string
	client *http.Client
}

// newApp signs a new shopper up on the web (following the link that
// verifies the email, so the app may order) and in the app, at base.
func newApp(t *testing.T, base, email string) *app {
	t.Helper()
	web := newBrowser(t)
	web.signUp(base, email, false)
	web.verify(base, email)
	a := &app{t: t, client: &http.Client{Timeout: 10 * time.Second}}
	status, body := a.call(http.MethodPost, base+"/api/v1/auth/token", "", map[string]string{"email": email, "password": password})
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(body), &pair); status != http.StatusOK || err != nil {
		t.Fatalf("app sign-in = %d: %s", status, body)
	}
	a.token = pair.AccessToken
	return a
}

// call sends body as JSON with the access token (and an Idempotency-Key
// when key is set).
func (a *app) call(method, url, key string, body any) (int, string) {
	a.t.Helper()
	header := http.Header{}
	if a.token != "" {
		header.Set("Authorization", "Bearer "+a.token)
	}
	if key != "" {
		header.Set("Idempotency-Key", key)
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
		header.Set("Content-Type", "application/json")
	}
	return fetch(a.t, a.client, method, url, rd, header)
}

// order is what the app sends to place an order.
var order = map[string]any{
	"shipping": map[string]string{
		"name": "Sam Scale", "phone": "+1 555 0100", "address1": "1 Flour St", "address2": "",
		"postal_code": "10001", "country": "US",
	},
	"payment_method": "cod",
}

// addToCart puts qty of product id in the app's cart at base.
func (a *app) addToCart(base string, id uint, qty int) (int, string) {
	a.t.Helper()
	return a.call(http.MethodPost, base+"/api/v1/cart/items", "", map[string]any{"product_id": id, "quantity": qty})
}

// orderNumber reads the id of an order the API answered with.
func orderNumber(t *testing.T, body string) string {
	t.Helper()
	var o struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &o); err != nil || o.ID == "" {
		t.Fatalf("not an order: %s", body)
	}
	return o.ID
}

// within retries check every 50 ms for up to d, and reports whether it
// ever held.
func within(d time.Duration, check func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		if check() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// describe is a short account of statuses for a failure message.
func describe(statuses map[int]int) string {
	var parts []string
	for status, n := range statuses {
		parts = append(parts, fmt.Sprintf("%d×%d", n, status))
	}
	return strings.Join(parts, " ")
}
