package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"crumb/assets"
	"crumb/config"
	"crumb/cookies"
	"crumb/database"
	"crumb/models"
	"crumb/public"
	"crumb/sessions"
	"crumb/tokens"
	"crumb/views"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *testClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// syncBuffer collects log lines from concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testApp struct {
	t       *testing.T
	app     *fiber.App
	db      *gorm.DB
	cfg     config.Config
	clock   *testClock
	jar     *cookies.Jar
	catalog *models.Catalog
	logs    *syncBuffer
}

// testPasswords makes password hashing cheap in tests; stored hashes carry
// their own costs, so checking works the same.
var testPasswords = models.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// sharedAssets fingerprints and compresses public/ once for all tests;
// the result is immutable.
var sharedAssets = sync.OnceValues(func() (*assets.Assets, error) { return assets.New(public.FS) })

// testOption changes the settings before the app is built (config) or
// the dependencies once they exist (deps).
type testOption struct {
	config func(*config.Config)
	deps   func(*Deps)
}

// withBaseURL serves the app as if behind baseURL (https turns on Secure
// cookies with the __Host- prefix).
func withBaseURL(raw string) testOption {
	return testOption{config: func(cfg *config.Config) {
		u, _ := url.Parse(raw)
		cfg.BaseURL = u
	}}
}

// withSecretKey uses another SECRET_KEY, as another store would.
func withSecretKey(key []byte) testOption {
	return testOption{config: func(cfg *config.Config) { cfg.SecretKey = key }}
}

// withTrustedProxies believes X-Forwarded-For from these addresses.
func withTrustedProxies(addrs ...string) testOption {
	return testOption{config: func(cfg *config.Config) {
		for _, a := range addrs {
			cfg.TrustedProxies = append(cfg.TrustedProxies, netip.MustParsePrefix(a+"/32"))
		}
	}}
}

// withCartBudget shrinks the cart cookie budget so a test can outgrow it.
func withCartBudget(n int) testOption {
	return testOption{deps: func(d *Deps) {
		d.GuestCarts = cookies.NewGuestCarts(d.Jar, d.DB, n)
	}}
}

// newTestApp builds the whole app on a fresh SQLite file with the demo
// catalog, a fixed secret and a clock the test controls.
func newTestApp(t *testing.T, opts ...testOption) *testApp {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dir := t.TempDir()
	t.Setenv("DATA_DIR", dir)
	t.Setenv("SECRET_KEY", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	t.Setenv("JWT_KEYS", "test:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32)))
	cfg, err := config.Load("", log)
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	cfg.StoreTimezone = ny

	db, err := database.Open("", filepath.Join(dir, "crumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	if err := database.Migrate(db); err != nil {
		t.Fatal(err)
	}
	if err := database.Seed(context.Background(), db, "USD"); err != nil {
		t.Fatal(err)
	}
	catalog, err := models.NewCatalog(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	static, err := sharedAssets()
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{now: time.Date(2026, 3, 7, 15, 0, 0, 0, time.UTC)}
	for _, opt := range opts {
		if opt.config != nil {
			opt.config(&cfg)
		}
	}
	jar, err := cookies.NewJar(cfg.SecretKey, cfg.Secure(), clock.Now, log)
	if err != nil {
		t.Fatal(err)
	}
	storage := database.NewStorage(db, clock.Now)
	access, err := tokens.NewAccess(cfg.JWTKeys, "http://127.0.0.1:3000", "http://127.0.0.1:3000/api", clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	refresh := tokens.NewRefresh(db, clock.Now)
	d := Deps{
		Config: cfg, DB: db, Catalog: catalog, Assets: static, Jar: jar,
		GuestCarts: cookies.NewGuestCarts(jar, db, 0),
		Sessions: sessions.New(sessions.Config{
			Storage: storage, DB: db, Jar: jar, Apps: refresh, Now: clock.Now,
			Idle: cfg.SessionIdle, Absolute: cfg.SessionAbsolute, Log: log,
		}),
		Limits:    sessions.NewLimits(storage, cfg.AuthAttemptsPerMinute, clock.Now),
		Passwords: testPasswords,
		Access:    access,
		Refresh:   refresh,
		Views:     views.FS, Log: log, Now: clock.Now,
	}
	for _, opt := range opts {
		if opt.deps != nil {
			opt.deps(&d)
		}
	}
	app, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{t: t, app: app, db: db, cfg: d.Config, clock: clock, jar: d.Jar, catalog: catalog, logs: logs}
}

// response is an answered request with its body read.
type response struct {
	*http.Response
	body string
}

func (ta *testApp) do(req *http.Request) response {
	ta.t.Helper()
	res, err := ta.app.Test(req, -1)
	if err != nil {
		ta.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return response{res, string(b)}
}

// listen serves the app on a real loopback socket, for what only the
// network server does (such as refusing oversized headers).
func (ta *testApp) listen() string {
	ta.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ta.t.Fatal(err)
	}
	go func() { _ = ta.app.Listener(ln) }()
	ta.t.Cleanup(func() { _ = ta.app.Shutdown() })
	return "http://" + ln.Addr().String()
}

func (ta *testApp) get(path string) response {
	ta.t.Helper()
	return ta.do(httptest.NewRequest(fiber.MethodGet, path, nil))
}

// browser keeps cookies across requests like a real browser would
// (honouring deletion), and knows how to fill in form tokens.
type browser struct {
	ta      *testApp
	cookies map[string]*http.Cookie
	header  http.Header
	// net, when set, sends requests over a real socket to base (see
	// browserAt) instead of through app.Test.
	net  *http.Client
	base string
}

func (ta *testApp) browser() *browser {
	return &browser{ta: ta, cookies: map[string]*http.Cookie{}, header: http.Header{}}
}

func (b *browser) do(req *http.Request) response {
	b.ta.t.Helper()
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	for k, v := range b.header {
		req.Header[k] = v
	}
	var res response
	if b.net != nil {
		res = b.send(req)
	} else {
		res = b.ta.do(req)
	}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(b.cookies, c.Name)
			continue
		}
		b.cookies[c.Name] = c
	}
	return res
}

// browserAt is a browser that connects from the loopback address ip to the
// app listening at base (see listen), for what depends on the client's
// address.
func (ta *testApp) browserAt(base, ip string) *browser {
	b := ta.browser()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	b.net = &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	b.base = base
	return b
}

func (b *browser) send(req *http.Request) response {
	b.ta.t.Helper()
	u, err := url.Parse(b.base + req.URL.RequestURI())
	if err != nil {
		b.ta.t.Fatal(err)
	}
	req.URL, req.RequestURI, req.Host = u, "", u.Host
	res, err := b.net.Do(req)
	if err != nil {
		b.ta.t.Fatalf("%s %s: %v", req.Method, u, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{res, string(body)}
}

// postJSON sends body as JSON, as the app does.
func (b *browser) postJSON(path string, body any) response {
	b.ta.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		b.ta.t.Fatal(err)
	}
	req := httptest.NewRequest(fiber.MethodPost, path, bytes.NewReader(data))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return b.do(req)
}

func (b *browser) get(path string) response {
	b.ta.t.Helper()
	return b.do(httptest.NewRequest(fiber.MethodGet, path, nil))
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf reads this browser's form token from a page.
func (b *browser) csrf() string {
	b.ta.t.Helper()
	m := csrfField.FindStringSubmatch(b.get("/products/baguette").body)
	if m == nil {
		b.ta.t.Fatal("no _csrf field on a product page")
	}
	return m[1]
}

// post submits a form, adding this browser's _csrf token unless the test
// set one.
func (b *browser) post(path string, form url.Values) response {
	b.ta.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.csrf())
	}
	req := httptest.NewRequest(fiber.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	return b.do(req)
}

// productID is the id of the product with slug.
func (ta *testApp) productID(slug string) string {
	ta.t.Helper()
	p, err := ta.catalog.ProductBySlug(slug)
	if err != nil {
		ta.t.Fatalf("product %s: %v", slug, err)
	}
	return itoa(p.ID)
}

// signUp creates an account in this browser (signed in afterwards).
func (b *browser) signUp(name, email, password string, extra url.Values) response {
	b.ta.t.Helper()
	form := url.Values{"name": {name}, "email": {email}, "password": {password}}
	for k, v := range extra {
		form[k] = v
	}
	res := b.post("/signup", form)
	if res.StatusCode != fiber.StatusSeeOther {
		b.ta.t.Fatalf("sign-up = %d: %s", res.StatusCode, res.body)
	}
	return res
}

// logIn signs this browser in.
func (b *browser) logIn(email, password string, extra url.Values) response {
	b.ta.t.Helper()
	form := url.Values{"email": {email}, "password": {password}}
	for k, v := range extra {
		form[k] = v
	}
	return b.post("/login", form)
}

// signedIn reports whether /account shows this browser's account.
func (b *browser) signedIn() bool {
	b.ta.t.Helper()
	res := b.get("/account")
	return res.StatusCode == 200 && strings.Contains(res.body, "Hello, ")
}

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
