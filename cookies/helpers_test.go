package cookies_test

import (
	"bytes"
	"testing"
	"time"

	"crumb/cookies"
	"crumb/internal/testkit"
)

type clock = testkit.Clock

func newClock(t time.Time) *clock { return testkit.NewClock(t) }

// start is a whole second, so Max-Age arithmetic is exact.
var start = time.Date(2026, time.May, 14, 9, 30, 0, 0, time.UTC)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func newJar(t testing.TB, secret []byte, secure bool, clk *clock) *cookies.Jar {
	t.Helper()
	j, err := cookies.NewJar(secret, secure, clk.Now)
	if err != nil {
		t.Fatalf("NewJar: %v", err)
	}
	return j
}

// names lists every registered cookie.
func names() []cookies.Name {
	out := make([]cookies.Name, cookies.Count)
	for i := range out {
		out[i] = cookies.Name(i)
	}
	return out
}
