package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/deps"
)

// healthz answers as long as the process serves requests.
func (s *server) healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok")
}

// readyz answers 200 only while the stores that requests need answer, so a
// load balancer sends no traffic to an instance that cannot serve it, and
// 503 from the moment the process starts shutting down (not worth a
// warning: the balancer checks it every moment).
func (s *server) readyz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.Ready(ctx); err != nil {
		if !errors.Is(err, deps.ErrShuttingDown) {
			s.Log.Warn("not ready", "err", err)
		}
		return c.Status(fiber.StatusServiceUnavailable).SendString("not ready: " + err.Error())
	}
	return c.SendString("ready")
}
