package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
	"crumb/sessions"
	"crumb/tokens"
)

// The mobile app's JSON API under /api/v1. Every error is problem+json
// (RFC 9457); money is minor units with a currency; times are RFC 3339 UTC;
// lists are {items, page, per_page, total}. Access tokens are checked by
// signature only, never against the database: that keeps each request
// stateless, and is why a revocation takes effect when the access token
// expires (at most 15 minutes).

const (
	apiBodyLimit      = 16 << 10
	apiMaxPerPage     = 100
	apiDefaultPerPage = 20
	userIDLocal       = "crumb.api_user"
)

// apiProblem is an API error with the fields the client needs.
type apiProblem struct {
	Status int
	Title  string
	Detail string
	Errors []fieldError
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *apiProblem) Error() string {
	return fmt.Sprintf("api: %d %s: %s", p.Status, p.Title, p.Detail)
}

func badRequest(detail string) error {
	return &apiProblem{Status: fiber.StatusBadRequest, Title: "Bad request", Detail: detail}
}

func invalidFields(errs ...fieldError) error {
	return &apiProblem{Status: fiber.StatusUnprocessableEntity, Title: "Invalid input", Detail: "Some fields are not valid; see errors.", Errors: errs}
}

// writeProblem renders any error of an API route as problem+json.
func writeProblem(c *fiber.Ctx, err error, page errorPage) error {
	p := &apiProblem{Status: page.Status, Title: page.Title, Detail: page.Message}
	var ap *apiProblem
	var ie *models.InputError
	switch {
	case errors.As(err, &ap):
		p = ap
	case errors.Is(err, errEncodedBody):
		p = &apiProblem{Status: fiber.StatusUnsupportedMediaType, Title: "Unsupported content encoding", Detail: "Send the body uncompressed: Content-Encoding must be absent or identity."}
	case errors.As(err, &ie):
		p = &apiProblem{Status: fiber.StatusUnprocessableEntity, Title: "Invalid input", Detail: ie.Message, Errors: []fieldError{{ie.Field, ie.Message}}}
	}
	body := fiber.Map{"type": "about:blank", "title": p.Title, "status": p.Status, "detail": p.Detail}
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

// apiHeaders: API answers are personal or short-lived; no cache keeps them.
func (s *Server) apiHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// decodeJSON reads a JSON request body into v: it must be application/json,
// at most 16 KB, one object with no unknown fields.
func decodeJSON(c *fiber.Ctx, v any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return &apiProblem{Status: fiber.StatusUnsupportedMediaType, Title: "Unsupported media type", Detail: "Send the body as application/json."}
	}
	body := c.Request().Body() // as sent: compressed bodies never get this far
	if len(body) > apiBodyLimit {
		return &apiProblem{Status: fiber.StatusRequestEntityTooLarge, Title: "Body too large", Detail: fmt.Sprintf("The body may be at most %d bytes.", apiBodyLimit)}
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

// requireBearer accepts a valid access token in Authorization and puts its
// user id in the request's locals.
func (s *Server) requireBearer(c *fiber.Ctx) error {
	scheme, token, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="crumb"`)
		return &apiProblem{Status: fiber.StatusUnauthorized, Title: "Sign-in required", Detail: "Send an access token as Authorization: Bearer <token>."}
	}
	claims, err := s.Access.Verify(strings.TrimSpace(token))
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="crumb", error="invalid_token", error_description="The access token is invalid or expired"`)
		return &apiProblem{Status: fiber.StatusUnauthorized, Title: "Invalid access token", Detail: "The access token is invalid or expired. Refresh it or sign in again."}
	}
	c.Locals(userIDLocal, claims.UserID)
	return c.Next()
}

func apiUser(c *fiber.Ctx) uint { return c.Locals(userIDLocal).(uint) }

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) issuePair(c *fiber.Ctx, userID uint, refresh string) error {
	access, lifetime, err := s.Access.Issue(userID)
	if err != nil {
		return err
	}
	return c.JSON(tokenPair{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(lifetime.Seconds()), RefreshToken: refresh})
}

// apiToken signs the app in: email and password for a token pair.
func (s *Server) apiToken(c *fiber.Ctx) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	email, err := models.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	if err := s.signInAllowed(c, email); err != nil {
		return err
	}
	user, err := models.Authenticate(c.UserContext(), s.DB, email, in.Password)
	if errors.Is(err, models.ErrNotFound) {
		if err := s.Limits.SignInFailed(email, c.IP()); err != nil {
			return err
		}
		return &apiProblem{Status: fiber.StatusUnauthorized, Title: "Wrong email or password", Detail: "The email or password is wrong. Check them and try again."}
	}
	if err != nil {
		return err
	}
	refresh, err := s.Refresh.Start(c.UserContext(), user.ID, deviceLabelOf(c), c.IP())
	if err != nil {
		return err
	}
	return s.issuePair(c, user.ID, refresh)
}

type refreshBody struct {
	RefreshToken string `json:"refresh_token"`
}

// apiRefresh spends a refresh token for a new pair.
func (s *Server) apiRefresh(c *fiber.Ctx) error {
	var in refreshBody
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.RefreshToken == "" {
		return invalidFields(fieldError{"refresh_token", "Send the refresh token."})
	}
	userID, next, err := s.Refresh.Rotate(c.UserContext(), in.RefreshToken, c.IP())
	switch {
	case errors.Is(err, tokens.ErrRefreshReused):
		if err := s.Sessions.Theft(c.UserContext(), userID, models.TheftRefresh, c.IP()); err != nil {
			return err
		}
		return &apiProblem{Status: fiber.StatusUnauthorized, Title: "Refresh token already used", Detail: "This refresh token was already used, which means it was copied, so the account was signed out everywhere for safety. Sign in again."}
	case errors.Is(err, tokens.ErrInvalidRefresh):
		return &apiProblem{Status: fiber.StatusUnauthorized, Title: "Invalid refresh token", Detail: "The refresh token is invalid, expired or revoked. Sign in again."}
	case err != nil:
		return err
	}
	return s.issuePair(c, userID, next)
}

// apiRevoke ends the refresh token's sign-in (its whole family).
func (s *Server) apiRevoke(c *fiber.Ctx) error {
	var in refreshBody
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.Refresh.Revoke(c.UserContext(), in.RefreshToken); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func deviceLabelOf(c *fiber.Ctx) string {
	if ua := c.Get(fiber.HeaderUserAgent); strings.Contains(ua, "Crumb") {
		return "Crumb app"
	}
	return "Crumb app (" + sessions.DeviceLabel(c.Get(fiber.HeaderUserAgent)) + ")"
}

type apiProduct struct {
	ID          uint         `json:"id"`
	Slug        string       `json:"slug"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Price       models.Money `json:"price"`
	Stock       int          `json:"stock"`
	InStock     bool         `json:"in_stock"`
	Category    string       `json:"category"`
	ImageURL    string       `json:"image_url"`
}

func (s *Server) productJSON(p models.Product, categorySlug string) apiProduct {
	img, _ := s.Assets.Path(p.Image)
	return apiProduct{ID: p.ID, Slug: p.Slug, Name: p.Name, Description: p.Description, Price: p.Price(),
		Stock: p.Stock, InStock: p.InStock(), Category: categorySlug, ImageURL: img}
}

func (s *Server) categorySlug(id uint) string {
	for _, c := range s.Catalog.Categories() {
		if c.ID == id {
			return c.Slug
		}
	}
	return ""
}

// pageParams reads page and per_page, refusing what is not a whole number
// in range.
func pageParams(c *fiber.Ctx) (page, perPage int, err error) {
	var errs []fieldError
	read := func(name string, def, lo, hi int) int {
		raw := c.Query(name)
		if raw == "" {
			return def
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < lo || n > hi {
			errs = append(errs, fieldError{name, fmt.Sprintf("%s must be a whole number from %d to %d.", name, lo, hi)})
		}
		return n
	}
	page = read("page", 1, 1, 1_000_000)
	perPage = read("per_page", apiDefaultPerPage, 1, apiMaxPerPage)
	if len(errs) > 0 {
		return 0, 0, &apiProblem{Status: fiber.StatusBadRequest, Title: "Bad request", Detail: "Some query parameters are not valid; see errors.", Errors: errs}
	}
	return page, perPage, nil
}

// apiProducts lists and searches the catalog.
func (s *Server) apiProducts(c *fiber.Ctx) error {
	page, perPage, err := pageParams(c)
	if err != nil {
		return err
	}
	q := models.ProductQuery{Q: cleanQuery(c.Query("q")), Page: page, PerPage: perPage}
	if slug := c.Query("category"); slug != "" {
		cat, err := s.Catalog.Category(slug)
		if err != nil {
			return &apiProblem{Status: fiber.StatusBadRequest, Title: "Bad request", Detail: "Unknown category.", Errors: []fieldError{{"category", "No category has that slug."}}}
		}
		q.CategoryID = cat.ID
	}
	result := s.Catalog.Search(q)
	items := make([]apiProduct, len(result.Items))
	for i, p := range result.Items {
		items[i] = s.productJSON(p, s.categorySlug(p.CategoryID))
	}
	// A page past the end is empty, not clamped: clients loop until it is.
	if page > result.Pages {
		items = []apiProduct{}
	}
	return c.JSON(fiber.Map{"items": items, "page": page, "per_page": perPage, "total": result.Total})
}

// apiProductDetail shows one product by id.
func (s *Server) apiProductDetail(c *fiber.Ctx) error {
	id, err := strconv.ParseUint(c.Params("id"), 10, 32)
	if err != nil {
		return &apiProblem{Status: fiber.StatusNotFound, Title: "Not found", Detail: "No product has that id."}
	}
	p, err := s.Catalog.ProductByID(uint(id))
	if err != nil {
		return &apiProblem{Status: fiber.StatusNotFound, Title: "Not found", Detail: "No product has that id."}
	}
	return c.JSON(s.productJSON(p, s.categorySlug(p.CategoryID)))
}

// apiMe shows the signed-in account.
func (s *Server) apiMe(c *fiber.Ctx) error {
	u, err := models.UserByID(c.UserContext(), s.DB, apiUser(c))
	if errors.Is(err, models.ErrNotFound) {
		return &apiProblem{Status: fiber.StatusUnauthorized, Title: "Invalid access token", Detail: "The account no longer exists."}
	}
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": u.ID, "name": u.Name, "email": u.Email, "created_at": u.CreatedAt.UTC().Format(time.RFC3339)})
}

func requestHash(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
