package handlers

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/api"
	"crumb/handlers/web"
	"crumb/models"
	"crumb/sessions"
	"crumb/views"
)

// describeError is what a person reads for err: its status, and what
// happened and what to do next in plain words, never internals.
func describeError(err error) web.Problem {
	var fe *fiber.Error
	var ie *models.InputError
	var ap *api.Problem
	var limited *sessions.TooManyAttempts
	switch {
	case errors.As(err, &ap):
		return web.Problem{Status: ap.Status, Title: ap.Title, Message: ap.Detail}
	case errors.Is(err, models.ErrNotFound):
		return web.Problem{Status: fiber.StatusNotFound, Title: "Page not found", Message: "We couldn't find what you were looking for. It may have moved or sold out for good."}
	case errors.Is(err, models.ErrDisabled):
		return web.Problem{Status: fiber.StatusForbidden, Title: "This account is disabled", Message: "The bakery has disabled this account, so it cannot sign in. If you think that is a mistake, contact the bakery."}
	case errors.Is(err, models.ErrEmailUnverified):
		return web.Problem{Status: fiber.StatusForbidden, Title: "Please confirm your email first", Message: "Before your first order, follow the link we emailed you. Your account page can send it again."}
	case errors.Is(err, web.ErrCSRF):
		return web.Problem{Status: fiber.StatusForbidden, Title: "This form has expired", Message: "For your safety we couldn't accept that form. Reload the page and try again."}
	case errors.As(err, &ie):
		return web.Problem{Status: fiber.StatusUnprocessableEntity, Title: "Please check what you entered", Message: views.Say(ie.Message)}
	case errors.As(err, &limited):
		return web.Problem{Status: fiber.StatusTooManyRequests, Title: "Too many tries", Message: "Please wait a minute before trying again."}
	case errors.Is(err, sessions.ErrStoreUnavailable):
		return web.Problem{Status: fiber.StatusServiceUnavailable, Title: "Signing in is paused for a moment", Message: "We can't reach the part of the shop that keeps you signed in, so this page has to wait. Nothing is lost: your cart and orders are safe. Please try again in a minute."}
	case errors.Is(err, errEncodedBody):
		return web.Problem{Status: fiber.StatusUnsupportedMediaType, Title: "We can't read that", Message: "What you sent was compressed, which the shop does not accept. Send it again from the shop's own pages."}
	case errors.As(err, &fe):
		switch fe.Code {
		case fiber.StatusNotFound:
			return web.Problem{Status: fe.Code, Title: "Page not found", Message: "We couldn't find what you were looking for. It may have moved or sold out for good."}
		case fiber.StatusMethodNotAllowed:
			return web.Problem{Status: fe.Code, Title: "That doesn't work here", Message: "This address can't be used that way. Go back and use the page's links and buttons."}
		case fiber.StatusRequestEntityTooLarge:
			return web.Problem{Status: fe.Code, Title: "That was too much to send", Message: "What you sent was too large. Shorten it and try again."}
		case fiber.StatusRequestHeaderFieldsTooLarge, fiber.StatusRequestURITooLong:
			return web.Problem{Status: fe.Code, Title: "That address is too long", Message: "The link or search you used is too long. Try a shorter search."}
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return web.Problem{Status: fe.Code, Title: "We couldn't understand that request", Message: "Go back and try again; if you typed an address, check it."}
		}
	}
	return web.Problem{Status: fiber.StatusInternalServerError, Title: "Something went wrong on our side", Message: "Sorry, our oven is acting up. Please try again in a moment; your cart is safe."}
}

// handleError is the one place errors become responses: a page for the
// browser, problem+json for the API. 500s are logged with the method, path
// and request id; their details never reach the client.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	p := describeError(err)
	v := s.Visitors.Of(c)
	if p.Status >= 500 {
		s.Log.Error("request failed", "method", c.Method(), "path", c.Path(), "request_id", v.RequestID, "err", err)
	}
	var limited *sessions.TooManyAttempts
	if errors.As(err, &limited) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(limited.Wait.Seconds()))))
	}
	if errors.Is(err, sessions.ErrStoreUnavailable) {
		c.Set(fiber.HeaderRetryAfter, "30")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if strings.HasPrefix(c.Path(), "/api/") {
		fallback := api.Problem{Status: p.Status, Title: p.Title, Detail: p.Message}
		if errors.Is(err, errEncodedBody) {
			fallback.Title, fallback.Detail = "Unsupported content encoding", "Send the body uncompressed: Content-Encoding must be absent or identity."
		}
		return api.WriteProblem(c, api.AsProblem(err, fallback))
	}
	return s.web.ErrorPage(c, p)
}
