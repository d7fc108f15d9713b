package api_test

import (
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/config"
	"crumb/internal/apptest"
	"crumb/internal/testkit"
)

// TestAPIWhenRedisFails: with the Redis that holds the sign-in limits
// stopped, signing in and refreshing answer a 503 problem (as documented)
// within two seconds, while the catalog and everything an access token
// opens keep working; when Redis is back, the same refresh token works.
func TestAPIWhenRedisFails(t *testing.T) {
	redis := testkit.StartRedis(t)
	ta := apptest.New(t, apptest.WithConfig(func(cfg *config.Config) { cfg.SessionStore = redis.URL() }))
	u := newAppUser(t, ta, "Rhea")

	redis.Stop()
	for _, try := range []struct {
		name string
		do   func() apiResponse
	}{
		{"sign-in", func() apiResponse {
			return call(ta, fiber.MethodPost, "/api/v1/auth/token", map[string]string{"email": u.email, "password": apptest.Password}, "")
		}},
		{"refresh", func() apiResponse { return refreshApp(ta, u.pair.RefreshToken) }},
	} {
		start := time.Now()
		res := try.do()
		if took := time.Since(start); took >= 2*time.Second {
			t.Errorf("%s took %v with Redis stopped", try.name, took)
		}
		res.problem(t, fiber.StatusServiceUnavailable)
		if res.Header.Get(fiber.HeaderRetryAfter) == "" {
			t.Errorf("%s: a 503 without Retry-After", try.name)
		}
	}
	if res := call(ta, fiber.MethodGet, "/api/v1/products", nil, ""); res.StatusCode != fiber.StatusOK {
		t.Errorf("the catalog with Redis stopped = %d", res.StatusCode)
	}
	if res := call(ta, fiber.MethodGet, "/api/v1/cart", nil, u.pair.AccessToken); res.StatusCode != fiber.StatusOK {
		t.Errorf("the cart with an access token and Redis stopped = %d", res.StatusCode)
	}

	redis.Start()
	if me(ta, refreshed(t, ta, u.pair.RefreshToken).AccessToken) != fiber.StatusOK {
		t.Error("the pair refreshed after Redis came back does not work")
	}
}
