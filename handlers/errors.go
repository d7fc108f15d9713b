package handlers

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/api"
	"crumb/handlers/web"
	"crumb/i18n"
	"crumb/models"
	"crumb/sessions"
)

// describeError is what a person reads for err, in lang: its status, and what
// happened and what to do next in plain words, never internals.
func describeError(err error, lang models.Language) web.Problem {
	t := func(id string) string { return i18n.T(lang, id) }
	var fe *fiber.Error
	var ie *models.InputError
	var ap *api.Problem
	var limited *sessions.TooManyAttempts
	switch {
	case errors.As(err, &ap):
		return web.Problem{Status: ap.Status, Title: ap.Title, Message: ap.Detail}
	case errors.Is(err, models.ErrNotFound):
		return web.Problem{Status: fiber.StatusNotFound, Title: t("error.not_found.title"), Message: t("error.not_found.message")}
	case errors.Is(err, models.ErrDisabled):
		return web.Problem{Status: fiber.StatusForbidden, Title: t("error.disabled.title"), Message: t("error.disabled.message")}
	case errors.Is(err, models.ErrEmailUnverified):
		return web.Problem{Status: fiber.StatusForbidden, Title: t("error.unverified.title"), Message: t("error.unverified.message")}
	case errors.Is(err, web.ErrCSRF):
		return web.Problem{Status: fiber.StatusForbidden, Title: t("error.csrf.title"), Message: t("error.csrf.message")}
	case errors.As(err, &ie):
		return web.Problem{Status: fiber.StatusUnprocessableEntity, Title: t("error.input.title"), Message: i18n.Say(lang, ie.Message)}
	case errors.As(err, &limited):
		return web.Problem{Status: fiber.StatusTooManyRequests, Title: t("error.too_many.title"), Message: t("error.too_many.message")}
	case errors.Is(err, sessions.ErrStoreUnavailable):
		return web.Problem{Status: fiber.StatusServiceUnavailable, Title: t("error.store_down.title"), Message: t("error.store_down.message")}
	case errors.Is(err, errEncodedBody):
		return web.Problem{Status: fiber.StatusUnsupportedMediaType, Title: t("error.encoded.title"), Message: t("error.encoded.message")}
	case errors.As(err, &fe):
		switch fe.Code {
		case fiber.StatusNotFound:
			return web.Problem{Status: fe.Code, Title: t("error.not_found.title"), Message: t("error.not_found.message")}
		case fiber.StatusMethodNotAllowed:
			return web.Problem{Status: fe.Code, Title: t("error.method.title"), Message: t("error.method.message")}
		case fiber.StatusRequestEntityTooLarge:
			return web.Problem{Status: fe.Code, Title: t("error.too_large.title"), Message: t("error.too_large.message")}
		case fiber.StatusRequestHeaderFieldsTooLarge, fiber.StatusRequestURITooLong:
			return web.Problem{Status: fe.Code, Title: t("error.too_long.title"), Message: t("error.too_long.message")}
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return web.Problem{Status: fe.Code, Title: t("error.bad_request.title"), Message: t("error.bad_request.message")}
		}
	}
	return web.Problem{Status: fiber.StatusInternalServerError, Title: t("error.server.title"), Message: t("error.server.message")}
}

// handleError is the one place errors become responses: a page for the
// browser, problem+json for the API. 500s are logged with the method, path
// and request id; their details never reach the client.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	v := s.Visitors.Of(c)
	isAPI := strings.HasPrefix(c.Path(), "/api/")
	lang := v.Lang
	if isAPI {
		lang = api.Speak(c) // also for a request refused before the API's routes ran
	}
	p := describeError(err, lang)
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
	if isAPI {
		fallback := api.Problem{Status: p.Status, Title: p.Title, Detail: p.Message}
		if errors.Is(err, errEncodedBody) {
			fallback.Title, fallback.Detail = i18n.T(lang, "api.encoded.title"), i18n.T(lang, "api.encoded.detail")
		}
		return api.WriteProblem(c, api.AsProblem(err, lang, fallback))
	}
	return s.web.ErrorPage(c, p)
}
