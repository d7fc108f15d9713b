// Package api serves the mobile app's JSON API under /api/v1. Every error
// is problem+json (RFC 9457); money is minor units with a currency; times
// are RFC 3339 UTC; lists are {items, page, per_page, total}. An access
// token is checked by its signature, then against its account (one lookup
// by primary key): a disabled account's, or one of a generation of tokens
// the account was signed out of everywhere, is refused at once. The OpenAPI document
// (openapi.json) describes every route and response.
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

func badRequest(detail string) error {
	return &Problem{Status: fiber.StatusBadRequest, Title: "Bad request", Detail: detail}
}

func invalidFields(errs ...FieldError) error {
	return &Problem{Status: fiber.StatusUnprocessableEntity, Title: "Invalid input", Detail: "Some fields are not valid; see errors.", Errors: errs}
}

func notFound(detail string) error {
	return &Problem{Status: fiber.StatusNotFound, Title: "Not found", Detail: detail}
}

// AsProblem is the problem to answer for err on an API route: err itself
// when it is one, a 422 naming the field for a models.InputError, and
// otherwise fallback (the status and words the web would show).
func AsProblem(err error, fallback Problem) *Problem {
	var p *Problem
	var ie *models.InputError
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &ie):
		msg := i18n.Say(models.English, ie.Message)
		return &Problem{Status: fiber.StatusUnprocessableEntity, Title: "Invalid input", Detail: msg, Errors: []FieldError{{ie.Field, msg}}}
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

// Headers: API answers are personal or short-lived; no cache keeps them.
func Headers(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// decodeJSON reads a JSON request body into v: it must be application/json,
// at most 16 KB, one object with no unknown fields.
func decodeJSON(c *fiber.Ctx, v any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return &Problem{Status: fiber.StatusUnsupportedMediaType, Title: "Unsupported media type", Detail: "Send the body as application/json."}
	}
	body := c.Request().Body() // as sent: compressed bodies never get this far
	if len(body) > bodyLimit {
		return &Problem{Status: fiber.StatusRequestEntityTooLarge, Title: "Body too large", Detail: fmt.Sprintf("The body may be at most %d bytes.", bodyLimit)}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest(describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("The body must hold a single JSON object.")
	}
	return nil
}

func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "The body is empty; send a JSON object."
	case errors.As(err, &syntax):
		return fmt.Sprintf("The body is not valid JSON (at byte %d).", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("The field %q must be %s.", typ.Field, jsonKind(typ.Type.Kind().String()))
		}
		return "The body must be a JSON object."
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "Unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + "."
	}
	return "The body is not valid JSON."
}

func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "a whole number in range"
	case kind == "string":
		return "a string"
	case kind == "struct", kind == "map":
		return "an object"
	}
	return "of another type"
}

// RequireBearer accepts a valid access token in Authorization and makes
// its account the request visitor's AppUserID.
func (s *Server) RequireBearer(c *fiber.Ctx) error {
	scheme, token, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="crumb"`)
		return &Problem{Status: fiber.StatusUnauthorized, Title: "Sign-in required", Detail: "Send an access token as Authorization: Bearer <token>."}
	}
	claims, err := s.Access.Verify(strings.TrimSpace(token))
	var epoch int64
	active := false
	if err == nil {
		if epoch, active, err = s.Users.AppAccess(c.UserContext(), claims.UserID); err != nil {
			return err
		}
	}
	if err != nil || !active || claims.Epoch != epoch {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="crumb", error="invalid_token", error_description="The access token is invalid or expired"`)
		return &Problem{Status: fiber.StatusUnauthorized, Title: "Invalid access token", Detail: "The access token is invalid, expired or signed out. Refresh it or sign in again."}
	}
	visitor.From(c).AppUserID = claims.UserID
	visitor.From(c).AppSignIn = claims.SignIn
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
			errs = append(errs, FieldError{name, fmt.Sprintf("%s must be a whole number from %d to %d.", name, lo, hi)})
		}
		return n
	}
	page = read("page", 1, 1, 1_000_000)
	perPage = read("per_page", defaultPerPage, 1, maxPerPage)
	if len(errs) > 0 {
		return 0, 0, &Problem{Status: fiber.StatusBadRequest, Title: "Bad request", Detail: "Some query parameters are not valid; see errors.", Errors: errs}
	}
	return page, perPage, nil
}
