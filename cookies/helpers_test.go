package cookies_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/internal/testkit"
)

type clock = testkit.Clock

func newClock(t time.Time) *clock { return testkit.NewClock(t) }

// start is a whole second, so Max-Age arithmetic is exact.
var start = time.Date(2026, time.May, 14, 9, 30, 0, 0, time.UTC)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

type logBuffer = testkit.LogBuffer

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newJar(t testing.TB, secret []byte, secure bool, clk *clock, log *slog.Logger) *cookies.Jar {
	t.Helper()
	if log == nil {
		log = quietLog()
	}
	j, err := cookies.NewJar(secret, secure, clk.Now, log)
	if err != nil {
		t.Fatalf("NewJar: %v", err)
	}
	return j
}

// browser sends requests to app and keeps cookies between them the way a
// browser does, except that it never drops a cookie on its own when it
// expires: a server must not rely on that.
type browser struct {
	t       testing.TB
	app     *fiber.App
	clk     *clock
	cookies map[string]string
	// set is what the last response did to each cookie, by name.
	set map[string]*http.Cookie
}

func newBrowser(t testing.TB, app *fiber.App, clk *clock) *browser {
	return &browser{t: t, app: app, clk: clk, cookies: map[string]string{}}
}

// do sends a request and returns the response body.
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
	b.set = map[string]*http.Cookie{}
	for _, ck := range resp.Cookies() {
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

// newApp returns a fiber app whose error handler fails the test: nothing
// a browser sends may turn into a 500.
func newApp(t testing.TB) *fiber.App {
	return fiber.New(fiber.Config{
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			t.Errorf("%s %s: handler error: %v", c.Method(), c.Path(), err)
			return c.Status(fiber.StatusInternalServerError).SendString(err.Error())
		},
	})
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
