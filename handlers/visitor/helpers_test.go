package visitor_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"crumb/cookies"
	"crumb/database"
	"crumb/handlers/visitor"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/sessions"
	"crumb/storage"
)

// start is a whole second, so Max-Age arithmetic is exact.
var start = time.Date(2026, time.May, 14, 9, 30, 0, 0, time.UTC)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

type noApps struct{}

func (noApps) RevokeUser(context.Context, uint) error { return nil }

// kit is a Resolver on a real SQLite file with the demo catalog and one
// account, behind a small fiber app that begins, resolves and finishes
// each request's visitor the way the storefront does (handlers'
// requestLog and the pages group of its routes).
type kit struct {
	t        testing.TB
	db       *gorm.DB
	clk      *testkit.Clock
	logs     *testkit.LogBuffer
	jar      *cookies.Jar
	carts    *storage.Carts
	sessions *sessions.Manager
	resolver *visitor.Resolver
	user     models.User
	app      *fiber.App
}

type kitOptions struct {
	secure bool
	budget int
	key    byte
}

type option func(*kitOptions)

// overHTTPS serves the kit as if over https: Secure, __Host- cookies.
func overHTTPS(o *kitOptions) { o.secure = true }

// cartBudget shrinks the cart cookie's budget so a cart can outgrow it.
func cartBudget(n int) option { return func(o *kitOptions) { o.budget = n } }

// secretKey is the store's SECRET_KEY, 32 times b.
func secretKey(b byte) option { return func(o *kitOptions) { o.key = b } }

func newKit(t testing.TB, opts ...option) *kit {
	t.Helper()
	o := kitOptions{key: 'a'}
	for _, opt := range opts {
		opt(&o)
	}
	ctx := context.Background()
	db := testkit.SQLite(t)
	clk := testkit.NewClock(start)
	logs := &testkit.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	catalog, err := storage.NewCatalog(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := database.Seed(ctx, catalog, "USD"); err != nil {
		t.Fatal(err)
	}
	jar, err := cookies.NewJar(key(o.key), o.secure, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	users := storage.NewUsers(db, testkit.Passwords)
	user, err := users.Create(ctx, "Ada", "ada@example.com", "rye-and-butter-42")
	if err != nil {
		t.Fatal(err)
	}
	k := &kit{t: t, db: db, clk: clk, logs: logs, jar: jar, carts: storage.NewCarts(db, catalog), user: user}
	k.sessions = sessions.New(sessions.Config{
		Store: storage.NewKV(db, clk.Now), Sessions: storage.NewWebSessions(db), Tokens: storage.NewRememberTokens(db), Users: users, Apps: noApps{}, Now: clk.Now,
		Idle: 30 * time.Minute, Absolute: 12 * time.Hour, Log: slog.New(slog.DiscardHandler),
	})
	k.resolver = &visitor.Resolver{Jar: jar, Sessions: k.sessions, Carts: k.carts, Log: log, CartBudget: o.budget}
	k.app = k.newApp()
	return k
}

// newApp serves:
//
//	GET  /asset              touches no visitor state (outside the pages)
//	GET  /me                 "guest" or the signed-in account's id
//	GET  /cart               "token-hex|lines" (lines as id:qty,...)
//	POST /cart?lines=        makes the cart hold exactly these lines
//	POST /cart/forget        empties the browser's cart
//	GET  /cart/cookie        what the cookie holds: "lines N", "token HEX", "none"
//	GET  /form               a form token
//	POST /check?token=       "true" when the token is accepted
//	POST /login[?remember=1] signs the account in (and keeps the device)
//	POST /logout             signs out
//	POST /popup/dismiss?tz=  hides the offer; answers until when (RFC 3339)
//	GET  /popup              "true" when the offer is hidden
//	POST /email/remember?email=, POST /email/forget, GET /email
//	POST /everything         sets every cookie Crumb has
//	POST /forget             forgets the browser
//	GET  /held               what the browser holds: "name bytes expiry-unix" lines
func (k *kit) newApp() *fiber.App {
	t := k.t
	app := fiber.New(fiber.Config{
		// Nothing a browser sends may turn into an error.
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			t.Errorf("%s %s: handler error: %v", c.Method(), c.Path(), err)
			return c.Status(fiber.StatusInternalServerError).SendString(err.Error())
		},
	})
	app.Use(func(c *fiber.Ctx) error {
		id := c.Get(fiber.HeaderXRequestID)
		if id == "" {
			id = "test-request"
		}
		v := k.resolver.Begin(c, id)
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		v.Finish(c)
		return nil
	})
	app.Get("/asset", func(c *fiber.Ctx) error { return c.SendString("asset") })

	pages := app.Group("", k.resolver.Resolve)
	pages.Get("/me", func(c *fiber.Ctx) error {
		if cur := visitor.From(c).Account; cur != nil {
			return c.SendString(strconv.FormatUint(uint64(cur.UserID), 10))
		}
		return c.SendString("guest")
	})
	pages.Get("/cart", func(c *fiber.Ctx) error {
		lines, err := visitor.From(c).Cart.Lines(c.UserContext())
		if err != nil {
			return err
		}
		// Read without side effects: Resolve has judged the cookie.
		var token string
		if plain, _, ok := k.jar.Open(cookies.Cart, c.Cookies(k.jar.CookieName(cookies.Cart))); ok {
			if g, err := cookies.DecodeCart(plain, cookies.CartLimits{Lines: models.MaxCartLines, Quantity: models.MaxLineQuantity}); err == nil {
				token = g.Token
			}
		}
		return c.SendString(hex.EncodeToString([]byte(token)) + "|" + formatLines(lines))
	})
	pages.Post("/cart", func(c *fiber.Ctx) error {
		return replaceLines(c.UserContext(), visitor.From(c).Cart, parseLines(c.Query("lines")))
	})
	pages.Post("/cart/forget", func(c *fiber.Ctx) error { return visitor.From(c).ForgetCart(c.UserContext()) })
	pages.Get("/cart/cookie", func(c *fiber.Ctx) error { return c.SendString(k.cartCookie(c)) })
	pages.Get("/form", func(c *fiber.Ctx) error {
		token, err := visitor.From(c).CSRFToken()
		if err != nil {
			return err
		}
		return c.SendString(token)
	})
	pages.Post("/check", func(c *fiber.Ctx) error {
		return c.SendString(strconv.FormatBool(visitor.From(c).CheckCSRF(c.Query("token"))))
	})
	pages.Post("/login", func(c *fiber.Ctx) error {
		v := visitor.From(c)
		if err := v.SignIn(c.UserContext(), k.user, sessions.ByPassword, ""); err != nil {
			return err
		}
		if c.Query("remember") != "" {
			if err := v.Remember(c.UserContext()); err != nil {
				return err
			}
		}
		token, err := v.CSRFToken()
		if err != nil {
			return err
		}
		return c.SendString(token)
	})
	pages.Post("/logout", func(c *fiber.Ctx) error {
		v := visitor.From(c)
		if err := v.SignOut(c.UserContext()); err != nil {
			return err
		}
		token, err := v.CSRFToken()
		if err != nil {
			return err
		}
		return c.SendString(token)
	})
	pages.Post("/popup/dismiss", func(c *fiber.Ctx) error {
		loc, err := time.LoadLocation(c.Query("tz"))
		if err != nil {
			return err
		}
		until, err := visitor.From(c).HideOffer(loc)
		if err != nil {
			return err
		}
		return c.SendString(until.Format(time.RFC3339))
	})
	pages.Get("/popup", func(c *fiber.Ctx) error {
		return c.SendString(strconv.FormatBool(visitor.From(c).OfferHidden))
	})
	pages.Post("/email/remember", func(c *fiber.Ctx) error { return visitor.From(c).RememberEmail(c.Query("email")) })
	pages.Post("/email/forget", func(c *fiber.Ctx) error { visitor.From(c).ForgetEmail(); return nil })
	pages.Get("/email", func(c *fiber.Ctx) error { return c.SendString(visitor.From(c).RememberedEmail) })
	pages.Post("/everything", func(c *fiber.Ctx) error {
		ctx, v := c.UserContext(), visitor.From(c)
		ids := k.productIDs()
		// Two saves of the guest cart: still one Set-Cookie.
		if err := v.Cart.Add(ctx, ids[0], 1); err != nil {
			return err
		}
		if err := v.Cart.Add(ctx, ids[1], 2); err != nil {
			return err
		}
		if _, err := v.HideOffer(time.UTC); err != nil {
			return err
		}
		if err := v.RememberEmail("ada@example.com"); err != nil {
			return err
		}
		if err := v.ChooseLanguage(models.Korean); err != nil {
			return err
		}
		if err := v.SignIn(ctx, k.user, sessions.ByPassword, ""); err != nil {
			return err
		}
		return v.Remember(ctx)
	})
	pages.Post("/forget", func(c *fiber.Ctx) error { return visitor.From(c).Forget(c.UserContext()) })
	pages.Get("/held", func(c *fiber.Ctx) error {
		var out []string
		for _, h := range visitor.From(c).Held() {
			var exp int64
			if !h.Expires.IsZero() {
				exp = h.Expires.Unix()
			}
			out = append(out, fmt.Sprintf("%s %d %d", h.Name.Spec().Name, h.Bytes, exp))
		}
		return c.SendString(strings.Join(out, "\n"))
	})
	return app
}

// cartCookie tells what the cart cookie the browser sent holds.
func (k *kit) cartCookie(c *fiber.Ctx) string {
	o := k.jar.Read(cookies.Cart, c.Cookies(k.jar.CookieName(cookies.Cart)))
	if !o.OK {
		return "none"
	}
	g, err := cookies.DecodeCart(o.Plain, cookies.CartLimits{Lines: models.MaxCartLines, Quantity: models.MaxLineQuantity})
	switch {
	case err != nil:
		return "malformed"
	case g.Token != "":
		return "token " + hex.EncodeToString([]byte(g.Token))
	}
	return "lines " + strconv.Itoa(len(g.Lines))
}

// replaceLines makes cart hold exactly want, through the cart's rules as
// the storefront's forms do: lines to drop set to 0, new ones merged in at
// once.
func replaceLines(ctx context.Context, cart models.Cart, want []models.CartLine) error {
	have, err := cart.Lines(ctx)
	if err != nil {
		return err
	}
	for _, l := range have {
		if !slices.ContainsFunc(want, func(w models.CartLine) bool { return w.ProductID == l.ProductID }) {
			if err := cart.Set(ctx, l.ProductID, 0); err != nil {
				return err
			}
		}
	}
	var add []models.CartLine
	total := 0
	for _, w := range want {
		i := slices.IndexFunc(have, func(l models.CartLine) bool { return l.ProductID == w.ProductID })
		switch {
		case i < 0:
			add, total = append(add, w), total+w.Quantity
		case have[i].Quantity != w.Quantity:
			if err := cart.Set(ctx, w.ProductID, w.Quantity); err != nil {
				return err
			}
		}
	}
	if n, err := cart.Merge(ctx, add); err != nil || n != total {
		return fmt.Errorf("merged %d of %d items: %v", n, total, err)
	}
	return nil
}

func (k *kit) productIDs() []uint {
	k.t.Helper()
	var ids []uint
	if err := k.db.Model(&models.Product{}).Order("id").Pluck("id", &ids).Error; err != nil {
		k.t.Fatal(err)
	}
	if len(ids) < 36 {
		k.t.Fatalf("seeded %d products, want 36", len(ids))
	}
	return ids
}

// someLines are n lines of the first products, in few enough of each
// that every product has them in stock.
func someLines(ids []uint, n int) []models.CartLine {
	lines := make([]models.CartLine, n)
	for i := range lines {
		lines[i] = models.CartLine{ProductID: ids[i], Quantity: i%4 + 1}
	}
	return lines
}

func formatLines(lines []models.CartLine) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = fmt.Sprintf("%d:%d", l.ProductID, l.Quantity)
	}
	return strings.Join(parts, ",")
}

func parseLines(s string) []models.CartLine {
	var lines []models.CartLine
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		id, qty, _ := strings.Cut(part, ":")
		i, _ := strconv.Atoi(id)
		q, _ := strconv.Atoi(qty)
		lines = append(lines, models.CartLine{ProductID: uint(i), Quantity: q})
	}
	return lines
}

func (k *kit) count(query string) int64 {
	k.t.Helper()
	var n int64
	if err := k.db.Raw(query).Scan(&n).Error; err != nil {
		k.t.Fatal(err)
	}
	return n
}

// browser sends requests to app and keeps cookies between them the way a
// browser does, except that it never drops a cookie on its own when it
// expires: a server must not rely on that.
type browser struct {
	t       testing.TB
	app     *fiber.App
	clk     *testkit.Clock
	cookies map[string]string
	// set is what the last response did to each cookie, by name; raw is
	// its Set-Cookie headers.
	set map[string]*http.Cookie
	raw []string
}

func (k *kit) browser() *browser {
	return &browser{t: k.t, app: k.app, clk: k.clk, cookies: map[string]string{}}
}

// do sends a request and returns the response and its body.
func (b *browser) do(method, path string) (*http.Response, string) {
	b.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	var pairs []string
	for name, value := range b.cookies {
		pairs = append(pairs, name+"="+value)
	}
	if len(pairs) > 0 {
		req.Header.Set("Cookie", strings.Join(pairs, "; "))
	}
	resp, err := b.app.Test(req, -1)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		b.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b.t.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, body)
	}
	b.set, b.raw = map[string]*http.Cookie{}, resp.Header.Values("Set-Cookie")
	for _, ck := range resp.Cookies() {
		if _, twice := b.set[ck.Name]; twice {
			b.t.Errorf("%s %s: %s set twice", method, path, ck.Name)
		}
		b.set[ck.Name] = ck
		if b.clearing(ck) {
			delete(b.cookies, ck.Name)
		} else {
			b.cookies[ck.Name] = ck.Value
		}
	}
	return resp, string(body)
}

// clearing reports whether a Set-Cookie tells the browser to drop the cookie.
func (b *browser) clearing(ck *http.Cookie) bool {
	return ck.MaxAge < 0 || (!ck.Expires.IsZero() && ck.Expires.Before(b.clk.Now()))
}

// mustClear fails unless the last response cleared cookie name.
func (b *browser) mustClear(name string) {
	b.t.Helper()
	ck, ok := b.set[name]
	if !ok {
		b.t.Fatalf("response did not touch cookie %s", name)
	}
	if !b.clearing(ck) {
		b.t.Fatalf("cookie %s was set to %q (Max-Age %d, Expires %v), want it cleared", name, ck.Value, ck.MaxAge, ck.Expires)
	}
}

// mustNotTouch fails if the last response set or cleared cookie name.
func (b *browser) mustNotTouch(name string) {
	b.t.Helper()
	if ck, ok := b.set[name]; ok {
		b.t.Fatalf("response unexpectedly set cookie %s: %s", name, ck.Raw)
	}
}

// header is the raw Set-Cookie of the last response for name.
func (b *browser) header(name string) string {
	for _, h := range b.raw {
		if strings.HasPrefix(h, name+"=") {
			return h
		}
	}
	return ""
}
