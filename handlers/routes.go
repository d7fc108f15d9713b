package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"crumb/assets"
	"crumb/config"
	"crumb/handlers/api"
	"crumb/handlers/web"
)

// routes lists every route, grouped by what guards them.
func (s *server) routes(app *fiber.App) {
	w, a, ad := s.web, s.api, s.admin
	app.Use(s.clientAddress, s.countRequest, s.requestLog, recover.New(), s.securityHeaders, refuseEncodedBodies)

	// Fingerprinted assets and uploaded pictures: cached for a year, no
	// cookies, no sessions.
	app.Get(assets.Prefix+assets.UploadPrefix+":name", s.uploadedImage)
	app.Get(assets.Prefix+"*", s.Assets.Serve)

	// Probes for load balancers and orchestrators.
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)

	// The mobile app's JSON API: problem+json errors, bearer tokens.
	app.Get("/api/openapi.json", api.OpenAPI)
	v1 := app.Group("/api/v1", api.Headers)
	v1.Post("/auth/token", s.limit("signin"), a.SignIn)
	v1.Post("/auth/refresh", s.limit("refresh"), a.RefreshSignIn)
	v1.Post("/auth/revoke", a.SignOut)
	v1.Post("/auth/forgot", s.limit("forgot"), a.Forgot)
	v1.Post("/accounts", s.limit("signup"), a.SignUp)
	v1.Get("/categories", a.Categories)
	v1.Get("/products", a.Products)
	v1.Get("/products/:id", a.Product)
	bearer := a.RequireBearer
	v1.Get("/me", bearer, a.Me)
	v1.Patch("/me", bearer, a.UpdateMe)
	v1.Delete("/me", bearer, s.limit("signin"), a.DeleteAccount)
	v1.Get("/me/export", bearer, a.Export)
	v1.Put("/me/password", bearer, a.ChangePassword)
	v1.Post("/me/verification", bearer, s.limit("verify"), a.ResendVerification)
	v1.Get("/me/sessions", bearer, a.SignIns)
	v1.Delete("/me/sessions", bearer, a.EndEverySignIn)
	v1.Delete("/me/sessions/:id", bearer, a.EndSignIn)
	v1.Get("/cart", bearer, a.Cart)
	v1.Post("/cart/items", bearer, a.AddToCart)
	v1.Put("/cart/items/:product_id", bearer, a.SetCartQuantity)
	v1.Delete("/cart/items/:product_id", bearer, a.RemoveFromCart)
	v1.Post("/orders", bearer, a.PlaceOrder)
	v1.Get("/orders", bearer, a.OrderList)
	v1.Get("/orders/:id", bearer, a.Order)
	v1.Post("/orders/:id/cancel", bearer, a.CancelOrder)
	// Any other path under /api/v1 is a 404 problem, whoever asks.
	v1.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })

	// Pages: revalidated with an ETag on every view. (A group without a
	// prefix guards every route registered after it.)
	pages := app.Group("", web.Headers, web.ETag, s.Visitors.Resolve, w.CheckCSRF)
	pages.Get("/", w.Home)
	pages.Get("/products", w.ProductList)
	pages.Get("/products/:slug", w.ProductDetail)
	pages.Get("/cart", w.Cart)
	pages.Post("/cart/items", w.AddToCart)
	pages.Post("/cart/items/:product_id", w.SetCartQuantity)
	pages.Post("/popup/dismiss", w.DismissPopup)
	pages.Get("/cookies", w.CookiePolicy)
	pages.Get("/cookies/mine", w.MyCookies)
	pages.Post("/cookies/forget", w.ForgetBrowser)
	pages.Post("/language", w.ChooseLanguage)

	// Accounts: sign-up and sign-in are rate limited per client address;
	// failed sign-ins also per account (see sessions.Limits).
	pages.Get("/signup", w.SignupForm)
	pages.Post("/signup", s.limit("signup"), w.Signup)
	pages.Get("/login", w.LoginForm)
	pages.Post("/login", s.limit("signin"), w.Login)
	pages.Post("/login/forget-email", w.ForgetEmail)
	pages.Post("/logout", w.Logout)

	// Account recovery: asking for a link is limited per client address
	// (and per email, in the handlers); the reset pages send no referrer.
	pages.Get("/password/forgot", w.ForgotForm)
	pages.Post("/password/forgot", s.limit("forgot"), w.Forgot)
	pages.Get("/password/reset", w.ResetForm)
	pages.Post("/password/reset", s.limit("reset"), w.Reset)

	// The link that verifies an email works signed in or not (it sends no
	// referrer), so it comes before the signed-in group; asking for it
	// again is limited per client address (and per account, in the
	// handler).
	pages.Get("/account/verify", w.Verify)
	// The goodbye page after an account was deleted: signed out by then.
	pages.Get("/account/deleted", w.AccountDeleted)

	// Signed-in pages.
	account := pages.Group("/account", w.RequireLogin)
	account.Get("", w.Account)
	account.Post("/verify", s.limit("verify"), w.ResendVerification)
	account.Post("/password", w.ChangePassword)
	account.Post("/email", w.ChangeEmail)
	account.Get("/security", w.Devices)
	account.Post("/security/revoke", w.Revoke)
	account.Post("/security/revoke-all", w.RevokeAll)
	account.Get("/data", w.MyData)
	account.Get("/data/export", w.ExportMyData)
	account.Post("/data/export", s.limit("signin"), w.ProveForExport)
	account.Post("/delete", s.limit("signin"), w.DeleteMyAccount)
	pages.Get("/checkout", w.RequireLogin, w.Checkout)
	pages.Post("/checkout", w.RequireLogin, w.PlaceOrder)
	pages.Get("/orders", w.RequireLogin, w.OrderList)
	pages.Get("/orders/:number", w.RequireLogin, w.Order)
	pages.Post("/orders/:number/cancel", w.RequireLogin, w.CancelOrder)

	// The back office: admins only (404 for everyone else); a password
	// given recently, and again after 10 minutes unused.
	back := pages.Group("/admin", ad.Only)
	back.Post("/unlock", s.limit("signin"), ad.Unlock)
	office := back.Group("", ad.Unlocked)
	office.Get("", ad.Dashboard)
	office.Get("/products", ad.Products)
	office.Get("/products/new", ad.NewProductForm)
	office.Post("/products/new", ad.CreateProduct)
	office.Get("/products/:id", ad.EditProductForm)
	office.Post("/products/:id", ad.UpdateProduct)
	office.Post("/products/:id/stock", ad.AdjustStock)
	office.Get("/orders", ad.OrderList)
	office.Get("/orders/:number", ad.Order)
	office.Post("/orders/:number/status", ad.SetOrderStatus)
	office.Get("/customers", ad.Customers)
	office.Get("/customers/:id", ad.Customer)
	office.Post("/customers/:id/revoke", ad.RevokeOne)
	office.Post("/customers/:id/revoke-all", ad.RevokeAll)
	office.Post("/customers/:id/disable", ad.Disable)
	office.Post("/customers/:id/enable", ad.Enable)
	office.Get("/audit", ad.AuditLog)

	// Development only: the outbox, so `go run .` shows every email.
	if s.Config.Env == config.Development {
		pages.Get("/dev/mail", w.DevMail)
		pages.Get("/dev/mail/:id/html", w.DevMailHTML)
	}

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
