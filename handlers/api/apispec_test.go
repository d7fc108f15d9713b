package api_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"crumb/internal/apptest"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gofiber/fiber/v2"
)

// The API tests send every request through call, which checks the
// response (status, headers, body) against the OpenAPI document the app
// serves, and the request too unless it is deliberately outside it. So the
// document cannot drift from what the API does.

// apiSpec is a loaded and validated OpenAPI document with its router.
type apiSpec struct {
	doc    *openapi3.T
	router routers.Router
}

// apiSpecs holds each served document, loaded once, by its SHA-256;
// appSpecs remembers which one each app serves.
var apiSpecs, appSpecs sync.Map

// loadAPISpec parses and validates an OpenAPI document.
func loadAPISpec(data []byte) (*apiSpec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, err
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &apiSpec{doc: doc, router: router}, nil
}

// spec is the document this app serves at /api/openapi.json.
func specOf(ta *apptest.App) *apiSpec {
	ta.T.Helper()
	if s, ok := appSpecs.Load(ta.HTTP); ok {
		return s.(*apiSpec)
	}
	res := ta.Get("/api/openapi.json")
	if res.StatusCode != fiber.StatusOK {
		ta.T.Fatalf("GET /api/openapi.json = %d", res.StatusCode)
	}
	key := sha256.Sum256([]byte(res.Text))
	s, ok := apiSpecs.Load(key)
	if !ok {
		loaded, err := loadAPISpec([]byte(res.Text))
		if err != nil {
			ta.T.Fatalf("the served OpenAPI document is not valid: %v", err)
		}
		s, _ = apiSpecs.LoadOrStore(key, loaded)
	}
	appSpecs.Store(ta.HTTP, s)
	return s.(*apiSpec)
}

// rawBody is sent as it is, with its own Content-Type: a request that is
// deliberately malformed, so it is not checked against the document.
type rawBody struct {
	contentType string
	data        string
}

// jsonBody is a well-formed JSON body the document does not allow (a
// quantity out of range, a missing field), sent unchecked.
func jsonBody(s string) rawBody { return rawBody{fiber.MIMEApplicationJSON, s} }

// apiOption adjusts one API request.
type apiOption func(*apiRequest)

type apiRequest struct {
	header    http.Header
	unchecked bool
	base      string // send over the network to this base URL
}

// withHeader sets a request header.
func withHeader(name, value string) apiOption {
	return func(r *apiRequest) { r.header.Set(name, value) }
}

// unchecked marks a request the document does not allow (a query
// parameter out of range, a hostile Authorization header): only the
// response is checked.
func unchecked() apiOption {
	return func(r *apiRequest) { r.unchecked = true }
}

// overNetwork sends the request to the app listening at base (see
// ta.listen), for what only the network server does.
func overNetwork(base string) apiOption {
	return func(r *apiRequest) { r.base = base }
}

// apiResponse is an API answer that matched the document.
type apiResponse struct {
	apptest.Response
}

// decode unmarshals the body into v.
func (r apiResponse) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Text), v); err != nil {
		t.Fatalf("decode %q: %v", r.Text, err)
	}
}

// problemDoc is an RFC 9457 problem as the API writes it.
type problemDoc struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// fields lists the fields the problem names.
func (p problemDoc) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// problem asserts the response is a complete problem+json with status and
// returns it.
func (r apiResponse) problem(t *testing.T, status int) problemDoc {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status = %d, want %d: %s", r.StatusCode, status, r.Text)
	}
	if ct := r.Header.Get(fiber.HeaderContentType); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p problemDoc
	r.decode(t, &p)
	if p.Type == "" || p.Title == "" || p.Detail == "" || p.Status != status {
		t.Errorf("incomplete problem: %s", r.Text)
	}
	return p
}

// api sends one request to the JSON API and checks it, and its response,
// against the served document. body is nil (no body), a rawBody, or a
// value sent as JSON; token, if set, goes in Authorization as a bearer
// token. Failures are reported with Errorf, so api may run in goroutines.
func call(ta *apptest.App, method, path string, body any, token string, opts ...apiOption) apiResponse {
	t := ta.T
	t.Helper()
	spec := specOf(ta)
	r := apiRequest{header: http.Header{}}
	if token != "" {
		r.header.Set(fiber.HeaderAuthorization, "Bearer "+token)
	}
	var data []byte
	switch b := body.(type) {
	case nil:
	case rawBody:
		data = []byte(b.data)
		r.header.Set(fiber.HeaderContentType, b.contentType)
		r.unchecked = true
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			t.Fatalf("encode %T: %v", body, err)
		}
		r.header.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	}
	for _, opt := range opts {
		opt(&r)
	}
	newRequest := func() *http.Request {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(data)
		}
		req := httptest.NewRequest(method, path, rd)
		for k, v := range r.header {
			req.Header[k] = v
		}
		return req
	}

	ctx := context.Background()
	check := newRequest()
	route, params, err := spec.router.FindRoute(check)
	if err != nil {
		t.Errorf("%s %s is not in the OpenAPI document: %v", method, path, err)
		return noResponse
	}
	input := &openapi3filter.RequestValidationInput{
		Request: check, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
			AuthenticationFunc:    func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
		},
	}
	if !r.unchecked {
		if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
			t.Errorf("%s %s: the request does not match the document: %v", method, path, err)
		}
	}

	var res *http.Response
	if r.base == "" {
		res, err = ta.HTTP.Test(newRequest(), -1)
	} else {
		res, err = sendOverNetwork(r.base, newRequest())
	}
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return noResponse
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	out := apiResponse{apptest.Response{Response: res, Text: string(b)}}

	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Body:                   io.NopCloser(bytes.NewReader(b)),
		Options:                input.Options,
	})
	if err != nil {
		t.Errorf("%s %s = %d: the response does not match the document: %v\n%s", method, path, res.StatusCode, err, clip(out.Text, 2000))
	}
	if cc := res.Header.Get(fiber.HeaderCacheControl); cc != "no-store" {
		t.Errorf("%s %s: Cache-Control = %q, want no-store", method, path, cc)
	}
	return out
}

// noResponse stands for a request that got no answer (already reported).
var noResponse = apiResponse{apptest.Response{Response: &http.Response{Header: http.Header{}}}}

// sendOverNetwork writes req whole on a new connection to base and reads
// the answer. A server that refuses a body answers before reading it and
// may reset the connection while the body is still being written, so a
// failed write is ignored as long as an answer arrives.
func sendOverNetwork(base string, req *http.Request) (*http.Response, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	var raw bytes.Buffer
	req.Host = u.Host
	if err := req.Write(&raw); err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	go func() { _, _ = conn.Write(raw.Bytes()) }()
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res, err
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// hasField reports whether fields holds name.
func hasField(fields []string, name string) bool {
	for _, f := range fields {
		if f == name {
			return true
		}
	}
	return false
}

// joinFields is for messages.
func joinFields(fields []string) string { return strings.Join(fields, ", ") }
