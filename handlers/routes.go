package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/etag"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"crumb/assets"
)

// routes lists every route, grouped by what guards them.
func (s *Server) routes(app *fiber.App) {
	app.Use(s.requestLog, recover.New(), s.securityHeaders)

	// Fingerprinted assets: cached for a year, no cookies, no sessions.
	app.Get(assets.Prefix+"*", s.Assets.Serve)

	// Probes for load balancers and orchestrators.
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)

	// Pages: revalidated with an ETag on every view.
	pages := app.Group("", s.pageHeaders, etag.New(), s.checkCSRF)
	pages.Get("/", s.home)
	pages.Get("/products", s.productList)
	pages.Get("/products/:slug", s.productDetail)
	pages.Get("/cart", s.cart)
	pages.Post("/cart/items", s.addToCart)
	pages.Post("/cart/items/:product_id", s.setCartQuantity)
	pages.Post("/popup/dismiss", s.dismissPopup)
	pages.Get("/cookies", s.cookiePolicy)
	pages.Post("/cookies/forget", s.forgetBrowser)

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
