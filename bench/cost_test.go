package bench_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	goredis "github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"
	"gorm.io/gorm"

	"crumb/app"
	"crumb/config"
	"crumb/cookies"
	"crumb/handlers/visitor"
	"crumb/internal/apptest"
	"crumb/sessions"
	"crumb/storage"
	"crumb/tokens"
)

// quiet logs only warnings, and nowhere, as production logs at warn under
// load (the test kit's debug log would be measured otherwise), and lets
// the benchmarks sign in as often as they need.
func quiet(cfg *config.Config, o *app.Options) {
	o.Log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.AuthAttemptsPerMinute = 1 << 30
}

// queries counts the statements the app sends to its database: through
// GORM, and the hot reads storage runs without it.
func queries(db *gorm.DB) func() int64 {
	n := &atomic.Int64{}
	count := func(*gorm.DB) { n.Add(1) }
	cb := db.Callback()
	_ = cb.Query().After("gorm:query").Register("bench:query", count)
	_ = cb.Row().After("gorm:row").Register("bench:row", count)
	_ = cb.Raw().After("gorm:raw").Register("bench:raw", count)
	_ = cb.Create().After("gorm:create").Register("bench:create", count)
	_ = cb.Update().After("gorm:update").Register("bench:update", count)
	_ = cb.Delete().After("gorm:delete").Register("bench:delete", count)
	return func() int64 { return n.Load() + storage.HotReads() }
}

// serve runs requests for path through h in a loop, as the server would
// hand them over, failing unless each answers want; it reports the
// database statements per request.
func serve(b *testing.B, h fasthttp.RequestHandler, stmts func() int64, path string, header map[string]string, want int) {
	b.Helper()
	var ctx fasthttp.RequestCtx
	ctx.Init(&fasthttp.Request{}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}, nil)
	b.ReportAllocs()
	start := stmts()
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.ResetUserValues()
		ctx.Request.SetRequestURI(path)
		ctx.Request.Header.SetHost("127.0.0.1")
		for k, v := range header {
			ctx.Request.Header.Set(k, v)
		}
		h(&ctx)
		if got := ctx.Response.StatusCode(); got != want {
			b.Fatalf("GET %s = %d, want %d: %.300s", path, got, want, ctx.Response.Body())
		}
	}
	b.ReportMetric(float64(stmts()-start)/float64(b.N), "queries/op")
}

// cookieHeader is the Cookie header of a test browser.
func cookieHeader(br *apptest.Browser) string {
	var parts []string
	for _, c := range br.Cookies {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// shop is the demo shop with a guest and a signed-in shopper, each with a
// baguette and two butter croissants in the cart, and an app token.
type shop struct {
	ta            *apptest.App
	stmts         func() int64
	guest, member string // Cookie headers
	token         string
}

func newShop(b *testing.B, opts ...apptest.Option) shop {
	ta := apptest.New(b, append([]apptest.Option{quiet}, opts...)...)
	fill := func(br *apptest.Browser) {
		br.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
		br.Post("/cart/items", url.Values{"product_id": {ta.ProductID("butter-croissant")}, "quantity": {"2"}})
	}
	guest := ta.Browser()
	fill(guest)
	member := ta.Browser()
	member.SignUp("Benchmark Ben", "ben-"+apptest.RandomSuffix()+"@example.com", apptest.Password, nil)
	fill(member)
	member.CSRF()
	var pair struct {
		Access string `json:"access_token"`
	}
	res := ta.Browser().PostJSON("/api/v1/auth/token", map[string]string{"email": "demo@crumb.test", "password": "fresh-bread-daily"})
	if err := json.Unmarshal([]byte(res.Text), &pair); err != nil || pair.Access == "" {
		b.Fatalf("app sign-in: %d %s", res.StatusCode, res.Text)
	}
	return shop{ta: ta, stmts: queries(ta.DB), guest: cookieHeader(guest), member: cookieHeader(member), token: pair.Access}
}

// BenchmarkRequest is the whole of one request inside the server (routing,
// middleware, handler, template), without the network, with the database
// statements it sends. The same requests scripts/bench.sh loads.
func BenchmarkRequest(b *testing.B) {
	s := newShop(b)
	h := s.ta.HTTP.Handler()
	b.Run("healthz", func(b *testing.B) { serve(b, h, s.stmts, "/healthz", nil, 200) })
	b.Run("home", func(b *testing.B) { serve(b, h, s.stmts, "/", map[string]string{"Cookie": s.guest}, 200) })
	b.Run("search", func(b *testing.B) {
		serve(b, h, s.stmts, "/products?q=chocolate", map[string]string{"Cookie": s.guest}, 200)
	})
	b.Run("product", func(b *testing.B) {
		serve(b, h, s.stmts, "/products/sourdough-loaf", map[string]string{"Cookie": s.guest}, 200)
	})
	b.Run("guest cart", func(b *testing.B) { serve(b, h, s.stmts, "/cart", map[string]string{"Cookie": s.guest}, 200) })
	b.Run("signed-in cart", func(b *testing.B) { serve(b, h, s.stmts, "/cart", map[string]string{"Cookie": s.member}, 200) })
	gzip := "gzip, deflate, br, zstd"
	b.Run("home (gzip)", func(b *testing.B) {
		serve(b, h, s.stmts, "/", map[string]string{"Cookie": s.guest, "Accept-Encoding": gzip}, 200)
	})
	b.Run("guest cart (gzip)", func(b *testing.B) {
		serve(b, h, s.stmts, "/cart", map[string]string{"Cookie": s.guest, "Accept-Encoding": gzip}, 200)
	})
	b.Run("signed-in cart (gzip)", func(b *testing.B) {
		serve(b, h, s.stmts, "/cart", map[string]string{"Cookie": s.member, "Accept-Encoding": gzip}, 200)
	})
	b.Run("API cart (JWT)", func(b *testing.B) {
		serve(b, h, s.stmts, "/api/v1/cart", map[string]string{"Authorization": "Bearer " + s.token}, 200)
	})
	b.Run("API products", func(b *testing.B) { serve(b, h, s.stmts, "/api/v1/products", nil, 200) })
}

// BenchmarkCookieCart is what the guest cart costs a request: opening
// the sealed cookie, decoding its lines and pricing them from the catalog
// snapshot. No database.
func BenchmarkCookieCart(b *testing.B) {
	ta := apptest.New(b, quiet)
	stmts := queries(ta.DB)
	value := ta.Jar.Seal(cookies.Cart, cookies.EncodeCart(cookies.GuestCart{Lines: []cookies.CartLine{
		{ProductID: idOf(b, ta, "baguette"), Quantity: 1}, {ProductID: idOf(b, ta, "butter-croissant"), Quantity: 2},
	}}), ta.Clock.Now().Add(time.Hour))
	f := fiber.New()
	begin := func(c *fiber.Ctx) error { ta.Visitors.Begin(c, ""); return c.Next() }
	f.Get("/", begin, ta.Visitors.Resolve, func(c *fiber.Ctx) error {
		priced, err := visitor.From(c).Cart.Priced(c.UserContext())
		if err != nil || priced.Count != 3 {
			return fiber.ErrTeapot
		}
		return nil
	})
	serve(b, f.Handler(), stmts, "/", map[string]string{"Cookie": ta.Jar.CookieName(cookies.Cart) + "=" + value}, 200)
}

// BenchmarkSession is what a server session costs a request: opening the
// sealed session cookie and loading the signed-in session from its store,
// and then, for the signed-in cart, its lines priced from the database.
func BenchmarkSession(b *testing.B) {
	for _, store := range []struct {
		name string
		opts func(b *testing.B) []apptest.Option
	}{
		{"database", func(*testing.B) []apptest.Option { return nil }},
		{"redis", func(b *testing.B) []apptest.Option { return []apptest.Option{apptest.WithRedis(b)} }},
	} {
		b.Run(store.name, func(b *testing.B) {
			s := newShop(b, store.opts(b)...)
			// The session as the visitor resolves it: the sealed cookie
			// opened, the session loaded by its id.
			session := func(c *fiber.Ctx) (*sessions.Current, error) {
				o := s.ta.Jar.Read(cookies.Session, c.Cookies(s.ta.Jar.CookieName(cookies.Session)))
				cur, _, err := s.ta.Sessions.Load(c.UserContext(), string(o.Plain))
				return cur, err
			}
			load := fiber.New()
			load.Get("/", func(c *fiber.Ctx) error {
				if cur, err := session(c); err != nil || cur == nil {
					return fiber.ErrTeapot
				}
				return nil
			})
			cart := fiber.New()
			cart.Get("/", func(c *fiber.Ctx) error {
				cur, err := session(c)
				if err != nil || cur == nil {
					return fiber.ErrTeapot
				}
				priced, err := s.ta.Carts.User(cur.UserID).Priced(c.UserContext())
				if err != nil || priced.Count != 3 {
					return fiber.ErrTeapot
				}
				return nil
			})
			header := map[string]string{"Cookie": s.member}
			b.Run("load", func(b *testing.B) { serve(b, load.Handler(), s.stmts, "/", header, 200) })
			b.Run("load and price the cart", func(b *testing.B) { serve(b, cart.Handler(), s.stmts, "/", header, 200) })
		})
	}
}

// BenchmarkAccessToken is what checking an access token costs a request,
// the first time it is seen and after. No database.
func BenchmarkAccessToken(b *testing.B) {
	ta := apptest.New(b, quiet)
	a, err := tokens.NewAccess(ta.Config.JWTKeys, ta.Config.BaseURL.String(), ta.Config.BaseURL.String()+"/api", ta.Clock.Now)
	if err != nil {
		b.Fatal(err)
	}
	issue := func() string {
		token, _, err := a.Issue(1, 0)
		if err != nil {
			b.Fatal(err)
		}
		return token
	}
	// A token seen for the first time: parsed, its JSON decoded, its HMAC
	// checked.
	b.Run("first use", func(b *testing.B) {
		fresh := make([]string, b.N)
		for i := range fresh {
			fresh[i] = issue()
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := a.Verify(fresh[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The same token again, as the app sends it on every request: kept
	// since it was verified, only its expiry checked.
	b.Run("again", func(b *testing.B) {
		token := issue()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Verify(token); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSessionBytes signs in browsers and reports what each session
// takes in its store: in the database the payload of the session row (key,
// value and expiry) and of its devices-page row, indexes not counted; in
// Redis the key's MEMORY USAGE and its value's length. The loop times a
// sign-in with the test kit's cheap password hashing.
func BenchmarkSessionBytes(b *testing.B) {
	b.Run("database", func(b *testing.B) {
		ta := apptest.New(b, quiet)
		signIns(b, ta)
		var row struct{ Session, Device, Rows float64 }
		err := ta.DB.Raw(`SELECT (SELECT AVG(LENGTH(storage_key) + LENGTH(value) + 8) FROM storage_entries
				WHERE storage_key IN (SELECT key_hash FROM web_sessions)) AS session,
			(SELECT AVG(LENGTH(key_hash) + LENGTH(CAST(user_id AS TEXT)) + LENGTH(device_label) + LENGTH(ip) + 1 +
				LENGTH(created_at) + LENGTH(last_seen_at) + LENGTH(expires_at)) FROM web_sessions) AS device,
			(SELECT COUNT(*) FROM web_sessions) AS rows`).Scan(&row).Error
		if err != nil || row.Rows == 0 {
			b.Fatalf("no sessions stored: %v", err)
		}
		b.ReportMetric(row.Session, "session-B")
		b.ReportMetric(row.Device, "devices-row-B")
	})
	b.Run("redis", func(b *testing.B) {
		ta := apptest.New(b, quiet, apptest.WithRedis(b))
		opts, err := goredis.ParseURL(ta.Config.SessionStore)
		if err != nil {
			b.Fatal(err)
		}
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		ctx := context.Background()
		key := signIns(b, ta)
		used, err := rdb.MemoryUsage(ctx, key).Result()
		if err != nil {
			b.Fatalf("MEMORY USAGE %s: %v", key, err)
		}
		size, err := rdb.StrLen(ctx, key).Result()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(used), "redis-memory-B")
		b.ReportMetric(float64(size), "value-B")
	})
}

// signIns signs a new browser in b.N times and returns the storage key of
// the last session (the SHA-256 of its id, as the store keeps it).
func signIns(b *testing.B, ta *apptest.App) string {
	b.Helper()
	email := "sam-" + apptest.RandomSuffix() + "@example.com"
	ta.Browser().SignUp("Sized Sam", email, apptest.Password, nil)
	for b.Loop() {
		if res := ta.Browser().LogIn(email, apptest.Password, nil); res.StatusCode != fiber.StatusSeeOther {
			b.Fatalf("sign-in: %d", res.StatusCode)
		}
	}
	var key string
	if err := ta.DB.Raw("SELECT key_hash FROM web_sessions ORDER BY created_at DESC LIMIT 1").Scan(&key).Error; err != nil || key == "" {
		b.Fatalf("no session: %v", err)
	}
	return key
}

func idOf(b *testing.B, ta *apptest.App, slug string) uint {
	b.Helper()
	p, err := ta.Catalog.ProductBySlug(slug)
	if err != nil {
		b.Fatal(err)
	}
	return p.ID
}
