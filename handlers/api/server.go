// Package api serves the mobile app's JSON API under /api/v1. Every error
// is problem+json (RFC 9457); money is minor units with a currency; times
// are RFC 3339 UTC; lists are {items, page, per_page, total}. An access
// token is checked by its signature, then against its account (one lookup
// by primary key): a disabled account's, or one of a generation of tokens
// the account was signed out of everywhere, is refused at once. The OpenAPI document
// (openapi.json) describes every route and response. Every word a person
// reads (a problem's title and detail, a field's message, a cart's
// notices) is in the language Accept-Language names (see Speak); codes,
// problem types and field names are the same in every language.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/deps"
	"crumb/handlers/visitor"
	"crumb/i18n"
	"crumb/models"
)

const (
	bodyLimit      = 16 << 10
	maxPerPage     = 100
	defaultPerPage = 20
)

// Server holds the dependencies; its methods are the handlers.
type Server struct{ *deps.Deps }

// New builds the API's server.
func New(d *deps.Deps) *Server { return &Server{Deps: d} }

// Problem is an API error with what the client needs to show or fix.
type Problem struct {
	Type   string // a URI naming the problem for clients to act on; empty is "about:blank" (the status says it all)
	Status int
	Title  string
	Detail string
	Errors []FieldError
}

// Problem types an app acts on, beyond what the status says.
const (
	// ProblemEmailUnverified: the account must verify its email (follow
	// the mailed link) before its first order; POST /api/v1/me/verification
	// mails it again.
	ProblemEmailUnverified = "urn:crumb:problem:email-unverified"
)

// FieldError names a field of the request and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *Problem) Error() string {
	return fmt.Sprintf("api: %d %s: %s", p.Status, p.Title, p.Detail)
}

func badRequest(c *fiber.Ctx, detail string) error {
	return &Problem{Status: fiber.StatusBadRequest, Title: t(c, "api.bad_request.title"), Detail: detail}
}

func invalidFields(c *fiber.Ctx, errs ...FieldError) error {
	return &Problem{Status: fiber.StatusUnprocessableEntity, Title: t(c, "api.invalid.title"), Detail: t(c, "api.invalid.detail"), Errors: errs}
}

func notFound(c *fiber.Ctx, detail string) error {
	return &Problem{Status: fiber.StatusNotFound, Title: t(c, "api.not_found.title"), Detail: detail}
}

// t is message id in the request's language.
func t(c *fiber.Ctx, id string) string { return visitor.From(c).T(id) }

// tr is message id in the request's language with its values.
func tr(c *fiber.Ctx, id string, pairs ...any) string { return visitor.From(c).Tr(id, pairs...) }

// AsProblem is the problem to answer for err on an API route, in lang:
// err itself when it is one, a 422 naming the field for a
// models.InputError, and otherwise fallback (the status and words the web
// would show).
func AsProblem(err error, lang models.Language, fallback Problem) *Problem {
	var p *Problem
	var ie *models.InputError
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &ie):
		msg := i18n.Say(lang, ie.Message)
		return &Problem{Status: fiber.StatusUnprocessableEntity, Title: i18n.T(lang, "api.invalid.title"), Detail: msg, Errors: []FieldError{{ie.Field, msg}}}
	}
	return &fallback
}

// WriteProblem answers with p as problem+json.
func WriteProblem(c *fiber.Ctx, p *Problem) error {
	typ := p.Type
	if typ == "" {
		typ = "about:blank"
	}
	body := fiber.Map{"type": typ, "title": p.Title, "status": p.Status, "detail": p.Detail}
	if len(p.Errors) > 0 {
		body["errors"] = p.Errors
	}
	c.Status(p.Status)
	if err := c.JSON(body); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return nil
}

// Headers: API answers are personal or short-lived, so no cache keeps
// them, and in the language of the request (Speak).
func Headers(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	Speak(c)
	return c.Next()
}

// Speak makes the request's language the one its Accept-Language names,
// else the shop's (DEFAULT_LANGUAGE), and says so in Content-Language.
// The app sends no cookies, and the account's language is not consulted:
// the app says which language it shows. Calling it again (the error
// handler does, for requests refused before the API's routes) changes
// nothing.
func Speak(c *fiber.Ctx) models.Language {
	v := visitor.From(c)
	if lang, ok := i18n.Match(c.Get(fiber.HeaderAcceptLanguage)); ok {
		v.Lang = lang
	}
	c.Set(fiber.HeaderContentLanguage, string(v.Lang))
	c.Vary(fiber.HeaderAcceptLanguage)
	return v.Lang
}

// decodeJSON reads a JSON request body into v: it must be application/json,
// at most 16 KB, one object with no unknown fields.
func decodeJSON(c *fiber.Ctx, v any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return &Problem{Status: fiber.StatusUnsupportedMediaType, Title: t(c, "api.media_type.title"), Detail: t(c, "api.media_type.detail")}
	}
	body := c.Request().Body() // as sent: compressed bodies never get this far
	if len(body) > bodyLimit {
		return &Problem{Status: fiber.StatusRequestEntityTooLarge, Title: t(c, "api.too_large.title"), Detail: tr(c, "api.too_large.detail", "Bytes", bodyLimit)}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest(c, describeJSONError(c, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest(c, t(c, "api.json.single"))
	}
	return nil
}

func describeJSONError(c *fiber.Ctx, err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return t(c, "api.json.empty")
	case errors.As(err, &syntax):
		return tr(c, "api.json.syntax", "Offset", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return tr(c, jsonKind(typ.Type.Kind().String()), "Field", strconv.Quote(typ.Field))
		}
		return t(c, "api.json.not_object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return tr(c, "api.json.unknown_field", "Field", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return t(c, "api.json.invalid")
}

// jsonKind is the message saying what a field of kind must be.
func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "api.json.field.number"
	case kind == "string":
		return "api.json.field.string"
	case kind == "struct", kind == "map":
		return "api.json.field.object"
	}
	return "api.json.field.other"
}

// RequireBearer accepts a valid access token in Authorization and makes
// its account the request visitor's AppUserID.
func (s *Server) RequireBearer(c *fiber.Ctx) error {
	scheme, token, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="crumb"`)
		return &Problem{Status: fiber.StatusUnauthorized, Title: t(c, "api.token.missing.title"), Detail: t(c, "api.token.missing.detail")}
	}
	claims, err := s.Access.Verify(strings.TrimSpace(token))
	var epoch int64
	var lines []models.CartLine
	active := false
	if err == nil {
		if epoch, active, lines, err = s.Users.AppAccess(c.UserContext(), claims.UserID); err != nil {
			return err
		}
	}
	if err != nil || !active || claims.Epoch != epoch {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="crumb", error="invalid_token", error_description="The access token is invalid or expired"`)
		return &Problem{Status: fiber.StatusUnauthorized, Title: t(c, "api.token.invalid.title"), Detail: t(c, "api.token.invalid.detail")}
	}
	v := visitor.From(c)
	v.AppUserID, v.AppSignIn, v.Cart = claims.UserID, claims.SignIn, s.Carts.UserRead(claims.UserID, lines)
	return c.Next()
}

// signedIn is the account the request's access token names.
func signedIn(c *fiber.Ctx) uint { return visitor.From(c).AppUserID }

// pageParams reads page and per_page, refusing what is not a whole number
// in range.
func pageParams(c *fiber.Ctx) (page, perPage int, err error) {
	var errs []FieldError
	read := func(name string, def, lo, hi int) int {
		raw := c.Query(name)
		if raw == "" {
			return def
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < lo || n > hi {
			errs = append(errs, FieldError{name, tr(c, "api.query.range", "Name", name, "Min", lo, "Max", hi)})
		}
		return n
	}
	page = read("page", 1, 1, 1_000_000)
	perPage = read("per_page", defaultPerPage, 1, maxPerPage)
	if len(errs) > 0 {
		return 0, 0, &Problem{Status: fiber.StatusBadRequest, Title: t(c, "api.bad_request.title"), Detail: t(c, "api.query.invalid"), Errors: errs}
	}
	return page, perPage, nil
}
