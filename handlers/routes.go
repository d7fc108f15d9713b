package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"crumb/assets"
)

// routes lists every route, grouped by what guards them.
func (s *Server) routes(app *fiber.App) {
	app.Use(s.clientAddress, s.requestLog, recover.New(), s.securityHeaders, refuseEncodedBodies)

	// Fingerprinted assets: cached for a year, no cookies, no sessions.
	app.Get(assets.Prefix+"*", s.Assets.Serve)

	// Probes for load balancers and orchestrators.
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)

	// The mobile app's JSON API: problem+json errors, bearer tokens.
	app.Get("/api/openapi.json", s.openAPI)
	api := app.Group("/api/v1", s.apiHeaders)
	api.Post("/auth/token", s.limit("signin"), s.apiToken)
	api.Post("/auth/refresh", s.limit("refresh"), s.apiRefresh)
	api.Post("/auth/revoke", s.apiRevoke)
	api.Get("/products", s.apiProducts)
	api.Get("/products/:id", s.apiProductDetail)
	bearer := api.Group("", s.requireBearer)
	bearer.Get("/me", s.apiMe)
	bearer.Get("/cart", s.apiCartView)
	bearer.Post("/cart/items", s.apiAddToCart)
	bearer.Put("/cart/items/:product_id", s.apiSetCartQuantity)
	bearer.Delete("/cart/items/:product_id", s.apiRemoveFromCart)
	bearer.Post("/orders", s.apiPlaceOrder)
	bearer.Get("/orders", s.apiOrders)
	bearer.Get("/orders/:id", s.apiOrder)

	// Pages: revalidated with an ETag on every view. (A group without a
	// prefix guards every route registered after it.)
	pages := app.Group("", s.pageHeaders, pageETag, s.Sessions.Cookie, s.loadSession, s.checkCSRF)
	pages.Get("/", s.home)
	pages.Get("/products", s.productList)
	pages.Get("/products/:slug", s.productDetail)
	pages.Get("/cart", s.cart)
	pages.Post("/cart/items", s.addToCart)
	pages.Post("/cart/items/:product_id", s.setCartQuantity)
	pages.Post("/popup/dismiss", s.dismissPopup)
	pages.Get("/cookies", s.cookiePolicy)
	pages.Post("/cookies/forget", s.forgetBrowser)

	// Accounts: sign-up and sign-in are rate limited per client address;
	// failed sign-ins also per account (see signInAllowed).
	pages.Get("/signup", s.signupForm)
	pages.Post("/signup", s.limit("signup"), s.signup)
	pages.Get("/login", s.loginForm)
	pages.Post("/login", s.limit("signin"), s.login)
	pages.Post("/login/forget-email", s.forgetEmail)
	pages.Post("/logout", s.logout)

	// Signed-in pages.
	account := pages.Group("/account", s.requireLogin)
	account.Get("", s.account)
	account.Post("/password", s.changePassword)
	account.Post("/email", s.changeEmail)
	account.Get("/security", s.security)
	account.Post("/security/revoke", s.revoke)
	account.Post("/security/revoke-all", s.revokeAll)
	pages.Get("/checkout", s.requireLogin, s.checkout)
	pages.Post("/checkout", s.requireLogin, s.placeOrder)
	pages.Get("/orders", s.requireLogin, s.orders)
	pages.Get("/orders/:number", s.requireLogin, s.order)
	pages.Post("/orders/:number/cancel", s.requireLogin, s.cancelOrder)

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
