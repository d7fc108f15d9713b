package handlers

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// countRequest counts every request by its route pattern and status, with
// its latency, once its answer (an error page included) is written.
func (s *server) countRequest(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	// The method is copied: Fiber's strings point into buffers it reuses.
	s.Metrics.Request(strings.Clone(c.Method()), routeLabel(c), c.Response().StatusCode(), time.Since(start))
	return err
}

// routeLabel is the pattern of the route that answered (/products/:slug),
// never the path asked for, so the labels stay few. A request answered by
// middleware before it reached a route (a form without its token, a
// sign-in page for a guest, a 404) is labelled with the middleware's prefix
// and /* (/* for the pages, /api/v1/* for the API), unless it asked for
// that very prefix (/account): a prefix is told from a route by having no
// parameters and not being the path asked for.
func routeLabel(c *fiber.Ctx) string {
	route := c.Route()
	if len(route.Params) > 0 || canonical(route.Path) == canonical(c.Path()) {
		return route.Path
	}
	return strings.TrimSuffix(route.Path, "/") + "/*"
}

// canonical is a path as Fiber's routing compares it: without case or a
// trailing slash.
func canonical(path string) string {
	return strings.ToLower(strings.TrimSuffix(path, "/"))
}
