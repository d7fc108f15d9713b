package web

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/assets"
	"crumb/handlers/visitor"
)

// Headers marks HTML as revalidate-on-every-use. Every page carries this
// browser's cart count and form tokens, so no shared cache may keep it;
// pages that show more personal data switch to no-store (see private).
func Headers(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return c.Next()
}

// ETag gives every successful page a strong ETag computed from its body,
// and answers 304 Not Modified when the browser already has it.
func ETag(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return err
	}
	method := c.Method()
	body := c.Response().Body()
	if (method != fiber.MethodGet && method != fiber.MethodHead) || c.Response().StatusCode() != fiber.StatusOK || len(body) == 0 {
		return nil
	}
	etag := assets.ETag(body)
	c.Set(fiber.HeaderETag, etag)
	if assets.MatchesETag(c.Get(fiber.HeaderIfNoneMatch), etag) {
		c.Context().ResetBody()
		return c.SendStatus(fiber.StatusNotModified)
	}
	return nil
}

// private marks a response as personal: kept by no cache at all.
func private(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
}

// ErrCSRF is returned when a form's token is missing or wrong.
var ErrCSRF = errors.New("web: form token missing or wrong")

// CheckCSRF refuses state-changing requests that do not carry this
// browser's form token (in the form's body or the X-CSRF-Token header),
// and any that a browser marks as cross-site.
func (s *Server) CheckCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	token := bodyValue(c, "_csrf")
	if token == "" {
		token = c.Get("X-CSRF-Token")
	}
	if c.Get("Sec-Fetch-Site") == "cross-site" || !visitor.From(c).CheckCSRF(token) {
		return ErrCSRF
	}
	return c.Next()
}

// bodyValue is a field of the form in the request body (URL-encoded or
// multipart), never of the query string: a form token in a URL would leak
// through logs and Referer headers.
func bodyValue(c *fiber.Ctx, key string) string {
	if v := c.Request().PostArgs().Peek(key); len(v) > 0 {
		return string(v)
	}
	if form, err := c.MultipartForm(); err == nil && len(form.Value[key]) > 0 {
		return form.Value[key][0]
	}
	return ""
}

// RequireLogin sends guests to the sign-in page, then back here. Every
// page behind it is personal: no cache keeps it.
func (s *Server) RequireLogin(c *fiber.Ctx) error {
	if visitor.From(c).Account == nil {
		next := "/account"
		if c.Path() == "/checkout" {
			next = "/checkout"
		} else if c.Method() == fiber.MethodGet {
			next = c.OriginalURL()
		}
		return c.Redirect("/login?next="+url.QueryEscape(next), fiber.StatusSeeOther)
	}
	private(c)
	return c.Next()
}

// wantsJSON reports whether the page's script asked for a JSON answer.
func wantsJSON(c *fiber.Ctx) bool {
	return strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON)
}

func splitLines(s string) []string { return strings.Split(s, "\n") }
