// Package apptest builds the whole of Crumb for a test, through app.New as
// main does, on a fresh database with the demo catalog, fixed secrets and a
// clock the test moves; and drives it like a browser that keeps its
// cookies and fills in form tokens.
package apptest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/app"
	"crumb/assets"
	"crumb/config"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/public"
	"crumb/secret"
)

// Password is a password every rule accepts.
const Password = "rye-and-butter-42"

// App is Crumb built for one test.
type App struct {
	*app.App
	T     testing.TB
	Clock *testkit.Clock
	Logs  *testkit.LogBuffer
}

// Option changes the settings or the options before the app is built.
type Option func(*config.Config, *app.Options)

// WithBaseURL serves the app as if at raw (https turns on Secure cookies
// with the __Host- prefix).
func WithBaseURL(raw string) Option {
	return func(cfg *config.Config, _ *app.Options) {
		u, _ := url.Parse(raw)
		cfg.BaseURL = u
	}
}

// WithSecretKey uses another SECRET_KEY, as another store would.
func WithSecretKey(key []byte) Option {
	return func(cfg *config.Config, _ *app.Options) { cfg.SecretKey = key }
}

// WithCartBudget shrinks the cart cookie's budget so a test can outgrow it.
func WithCartBudget(n int) Option {
	return func(_ *config.Config, o *app.Options) { o.CartBudget = n }
}

// WithTrustedProxies believes X-Forwarded-For from these addresses.
func WithTrustedProxies(addrs ...string) Option {
	return func(cfg *config.Config, _ *app.Options) {
		for _, a := range addrs {
			cfg.TrustedProxies = append(cfg.TrustedProxies, netip.MustParsePrefix(a+"/32"))
		}
	}
}

// WithRedis keeps sessions and limit counters in the Redis at
// TEST_REDIS_URL (the test is skipped, saying so, without it).
func WithRedis(t testing.TB) Option {
	url := testkit.RedisURL(t)
	return func(cfg *config.Config, _ *app.Options) { cfg.SessionStore = url }
}

// WithPostgres uses a schema of its own in the Postgres at
// TEST_DATABASE_URL (the test is skipped, saying so, without it).
func WithPostgres(t testing.TB) Option {
	url := testkit.PostgresURL(t)
	return func(cfg *config.Config, _ *app.Options) { cfg.DatabaseURL = url }
}

// WithConfig changes any setting.
func WithConfig(change func(*config.Config)) Option {
	return func(cfg *config.Config, _ *app.Options) { change(cfg) }
}

// sharedAssets fingerprints and compresses public/ once for all tests;
// the result is immutable.
var sharedAssets = sync.OnceValues(func() (*assets.Assets, error) { return assets.New(public.FS) })

// New builds Crumb on a fresh SQLite file (unless an option says
// otherwise) with the demo catalog, fixed secrets, the store in New York
// and a clock the test controls, starting at testkit.Start.
func New(t testing.TB, opts ...Option) *App {
	t.Helper()
	log, logs := testkit.Logger()
	dir := t.TempDir()
	get := map[string]string{
		"DATA_DIR":       dir,
		"SECRET_KEY":     base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)),
		"JWT_KEYS":       "test:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32)),
		"STORE_TIMEZONE": "America/New_York",
		"SEED_DEMO":      "true",
		"LOG_LEVEL":      "debug",
	}
	cfg, err := config.Parse(func(k string) string { return get[k] }, log)
	if err != nil {
		t.Fatal(err)
	}
	static, err := sharedAssets()
	if err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock(testkit.Start)
	o := app.Options{Now: clock.Now, Log: log, Passwords: testkit.Passwords, Assets: static}
	for _, opt := range opts {
		opt(&cfg, &o)
	}
	a, err := app.New(context.Background(), cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return &App{App: a, T: t, Clock: clock, Logs: logs}
}

// EachDatabase runs test on an app on SQLite and on one on Postgres
// (skipped, saying why, without TEST_DATABASE_URL), each built with opts.
func EachDatabase(t *testing.T, test func(t *testing.T, ta *App), opts ...Option) {
	t.Run("sqlite", func(t *testing.T) { test(t, New(t, opts...)) })
	t.Run("postgres", func(t *testing.T) { test(t, New(t, append([]Option{WithPostgres(t)}, opts...)...)) })
}

// Response is an answered request with its body read.
type Response struct {
	*http.Response
	Text string
}

// Do sends req through app.Test.
func (a *App) Do(req *http.Request) Response {
	a.T.Helper()
	res, err := a.HTTP.Test(req, -1)
	if err != nil {
		a.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return Response{res, string(b)}
}

// Get requests path with no cookies.
func (a *App) Get(path string) Response {
	a.T.Helper()
	return a.Do(httptest.NewRequest(fiber.MethodGet, path, nil))
}

// Listen serves the app on a real loopback socket, for what only the
// network server does (client addresses, oversized headers), and returns
// its base URL.
func (a *App) Listen() string {
	a.T.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.T.Fatal(err)
	}
	go func() { _ = a.Serve(ln) }()
	a.T.Cleanup(func() { _ = a.HTTP.Shutdown() })
	return "http://" + ln.Addr().String()
}

// ProductID is the id of the product with slug, as a string.
func (a *App) ProductID(slug string) string {
	a.T.Helper()
	p, err := a.Catalog.ProductBySlug(slug)
	if err != nil {
		a.T.Fatalf("product %s: %v", slug, err)
	}
	return Itoa(p.ID)
}

// Stock is the stock of the product with slug, as the database has it now.
func (a *App) Stock(slug string) int {
	a.T.Helper()
	var p models.Product
	if err := a.DB.Where("slug = ?", slug).Take(&p).Error; err != nil {
		a.T.Fatalf("product %s: %v", slug, err)
	}
	return p.Stock
}

// SetProduct changes one column of the product with slug, and refreshes
// the catalog snapshot as a change made through the shop does.
func (a *App) SetProduct(slug, column string, value any) {
	a.T.Helper()
	if err := a.DB.Model(&models.Product{}).Where("slug = ?", slug).Update(column, value).Error; err != nil {
		a.T.Fatalf("product %s: %v", slug, err)
	}
	if err := a.Catalog.Reload(context.Background()); err != nil {
		a.T.Fatal(err)
	}
}

// Browser keeps cookies across requests as a real browser does (honouring
// deletion), and fills in form tokens.
type Browser struct {
	App     *App
	Cookies map[string]*http.Cookie
	Headers http.Header // sent with every request
	net     *http.Client
	base    string
}

// Browser is a new browser with no cookies, talking through app.Test.
func (a *App) Browser() *Browser {
	return &Browser{App: a, Cookies: map[string]*http.Cookie{}, Headers: http.Header{}}
}

// BrowserAt is a browser that connects from the loopback address ip to
// the app listening at base (see Listen), for what depends on the
// client's address.
func (a *App) BrowserAt(base, ip string) *Browser {
	b := a.Browser()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	b.net = &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	b.base = base
	return b
}

// Do sends req with this browser's cookies and headers, and keeps the
// cookies the answer sets.
func (b *Browser) Do(req *http.Request) Response {
	b.App.T.Helper()
	for _, c := range b.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	for k, v := range b.Headers {
		req.Header[k] = v
	}
	var res Response
	if b.net != nil {
		res = b.send(req)
	} else {
		res = b.App.Do(req)
	}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(b.Cookies, c.Name)
			continue
		}
		b.Cookies[c.Name] = c
	}
	return res
}

func (b *Browser) send(req *http.Request) Response {
	b.App.T.Helper()
	u, err := url.Parse(b.base + req.URL.RequestURI())
	if err != nil {
		b.App.T.Fatal(err)
	}
	req.URL, req.RequestURI, req.Host = u, "", u.Host
	res, err := b.net.Do(req)
	if err != nil {
		b.App.T.Fatalf("%s %s: %v", req.Method, u, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return Response{res, string(body)}
}

// Get loads path.
func (b *Browser) Get(path string) Response {
	b.App.T.Helper()
	return b.Do(httptest.NewRequest(fiber.MethodGet, path, nil))
}

// CSRFField finds a form token in a page.
var CSRFField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// CSRF reads this browser's form token from a page.
func (b *Browser) CSRF() string {
	b.App.T.Helper()
	m := CSRFField.FindStringSubmatch(b.Get("/products/baguette").Text)
	if m == nil {
		b.App.T.Fatal("no _csrf field on a product page")
	}
	return m[1]
}

// Post submits a form, adding this browser's _csrf token unless the test
// set one.
func (b *Browser) Post(path string, form url.Values) Response {
	b.App.T.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.CSRF())
	}
	req := httptest.NewRequest(fiber.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	return b.Do(req)
}

// PostJSON sends body as JSON, as the app does.
func (b *Browser) PostJSON(path string, body any) Response {
	b.App.T.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		b.App.T.Fatal(err)
	}
	req := httptest.NewRequest(fiber.MethodPost, path, bytes.NewReader(data))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return b.Do(req)
}

// SignUp creates an account in this browser, which is signed in after.
func (b *Browser) SignUp(name, email, password string, extra url.Values) Response {
	b.App.T.Helper()
	form := url.Values{"name": {name}, "email": {email}, "password": {password}}
	for k, v := range extra {
		form[k] = v
	}
	res := b.Post("/signup", form)
	if res.StatusCode != fiber.StatusSeeOther {
		b.App.T.Fatalf("sign-up = %d: %s", res.StatusCode, res.Text)
	}
	return res
}

// SignUpVerified creates an account in this browser and follows the
// link that verifies its email, as its owner would: signed in after, and
// it may order.
func (b *Browser) SignUpVerified(name, email, password string, extra url.Values) Response {
	b.App.T.Helper()
	res := b.SignUp(name, email, password, extra)
	b.VerifyEmail(strings.ToLower(strings.TrimSpace(email)))
	return res
}

// LogIn signs this browser in.
func (b *Browser) LogIn(email, password string, extra url.Values) Response {
	b.App.T.Helper()
	form := url.Values{"email": {email}, "password": {password}}
	for k, v := range extra {
		form[k] = v
	}
	return b.Post("/login", form)
}

// FailLogin tries a wrong password for email and returns the status.
func (b *Browser) FailLogin(email string) int {
	b.App.T.Helper()
	return b.LogIn(email, "not-the-password-9", nil).StatusCode
}

// SignedIn reports whether /account shows this browser's account.
func (b *Browser) SignedIn() bool {
	b.App.T.Helper()
	res := b.Get("/account")
	return res.StatusCode == 200 && strings.Contains(res.Text, "Hello, ")
}

// CloseBrowser drops the cookies that end with the browser, as closing it
// would.
func (b *Browser) CloseBrowser() {
	delete(b.Cookies, "crumb_session")
	delete(b.Cookies, "crumb_csrf")
}

// CopyCookie is a copy of the cookie name, as a thief would take it.
func (b *Browser) CopyCookie(name string) *http.Cookie {
	c := *b.Cookies[name]
	return &c
}

// DeviceIPs are the addresses the devices page shows, space-separated.
func (b *Browser) DeviceIPs() string {
	b.App.T.Helper()
	var ips []string
	for _, line := range strings.Split(b.Get("/account/security").Text, "\n") {
		if i := strings.Index(line, "IP "); i >= 0 {
			ips = append(ips, strings.Fields(line[i+3:])[0])
		}
	}
	return strings.Join(ips, " ")
}

// Itoa formats an id.
func Itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }

// RandomSuffix is a short random string, for unique emails.
func RandomSuffix() string { return secret.Hex(6) }
