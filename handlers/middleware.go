package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/sessions"
)

const requestIDLocal = "request_id"

// errEncodedBody is returned for a request whose body is compressed.
var errEncodedBody = fiber.NewError(fiber.StatusUnsupportedMediaType, "content-encoding")

// refuseEncodedBodies answers 415 to a request whose body says it is
// compressed (any Content-Encoding but identity), before anything reads it.
// Fiber inflates every listed coding when a body is read, and its BodyLimit
// bounds only the bytes on the wire: a few kilobytes of nested gzip would
// otherwise unpack to gigabytes. Browsers and the app never compress what
// they send.
func refuseEncodedBodies(c *fiber.Ctx) error {
	for _, value := range c.Request().Header.PeekAll(fiber.HeaderContentEncoding) {
		for _, coding := range strings.Split(string(value), ",") {
			if coding = strings.TrimSpace(coding); coding != "" && !strings.EqualFold(coding, "identity") {
				return errEncodedBody
			}
		}
	}
	return c.Next()
}

// clientAddress makes c.IP() the client's address when the request came
// through one of TRUSTED_PROXIES: the right-most X-Forwarded-For hop that
// is not itself a trusted proxy (hops to its left were written by the
// client and prove nothing). From any other peer the header is ignored.
// Fiber's ProxyHeader is not used for this: its c.IP() takes the left-most
// hop, which the client chooses.
func (s *Server) clientAddress(c *fiber.Ctx) error {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok || !s.trustedProxy(peer.Unmap()) {
		return c.Next()
	}
	client := peer.Unmap()
	hops := strings.Split(strings.Join(headerValues(c, fiber.HeaderXForwardedFor), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		addr, err := parseHop(hops[i])
		if err != nil {
			break // a malformed hop: nothing to its left can be trusted either
		}
		client = addr
		if !s.trustedProxy(addr) {
			break
		}
	}
	c.Context().SetRemoteAddr(&net.TCPAddr{IP: client.AsSlice()})
	return c.Next()
}

func (s *Server) trustedProxy(addr netip.Addr) bool {
	for _, p := range s.Config.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, with a port or not.
func parseHop(hop string) (netip.Addr, error) {
	hop = strings.TrimSpace(hop)
	addr, err := netip.ParseAddr(hop)
	if err != nil {
		ap, perr := netip.ParseAddrPort(hop)
		if perr != nil {
			return netip.Addr{}, err
		}
		addr = ap.Addr()
	}
	return addr.Unmap(), nil
}

func headerValues(c *fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Request().Header.PeekAll(name) {
		out = append(out, string(v))
	}
	return out
}

// requestLog gives every request an id (kept from a sane incoming
// X-Request-Id, otherwise random), returns it as X-Request-Id and logs the
// request when it ends.
func (s *Server) requestLog(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Get(fiber.HeaderXRequestID)
	if !validRequestID(id) {
		b := make([]byte, 8)
		_, _ = rand.Read(b) // crypto/rand.Read never returns an error
		id = hex.EncodeToString(b)
	}
	c.Locals(requestIDLocal, id)
	c.Set(fiber.HeaderXRequestID, id)
	err := c.Next()
	if err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	if s.Log.Enabled(c.UserContext(), slog.LevelInfo) {
		s.Log.LogAttrs(c.UserContext(), slog.LevelInfo, "request",
			slog.String("id", id),
			slog.String("method", c.Method()),
			slog.String("path", c.Path()),
			slog.String("ip", c.IP()),
			slog.Int("status", c.Response().StatusCode()),
			slog.Duration("duration", time.Since(start)),
		)
	}
	return nil
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// contentSecurityPolicy allows scripts, styles and everything else from
// the store itself only: no inline script or style, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "strict-origin-when-cross-origin")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set(fiber.HeaderPermissionsPolicy, "camera=(), microphone=(), geolocation=(), payment=()")
	if s.Config.Secure() {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=63072000; includeSubDomains")
	}
	return c.Next()
}

// pageHeaders marks HTML as revalidate-on-every-use. Every page carries
// this browser's cart count and form tokens, so no shared cache may keep it;
// pages that show more personal data switch to no-store (see private).
func (s *Server) pageHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return c.Next()
}

// pageETag gives every successful page a strong ETag computed from its
// body, and answers 304 Not Modified when the browser already has it.
// (Fiber's etag middleware hashes with a CRC polynomial that has no
// hardware support; IEEE CRC-32 is several times faster here.)
func pageETag(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return err
	}
	method := c.Method()
	body := c.Response().Body()
	if (method != fiber.MethodGet && method != fiber.MethodHead) || c.Response().StatusCode() != fiber.StatusOK || len(body) == 0 {
		return nil
	}
	etag := fmt.Sprintf(`"%08x-%x"`, crc32.ChecksumIEEE(body), len(body))
	c.Set(fiber.HeaderETag, etag)
	for _, candidate := range strings.Split(c.Get(fiber.HeaderIfNoneMatch), ",") {
		if strings.TrimPrefix(strings.TrimSpace(candidate), "W/") == etag {
			c.Context().ResetBody()
			return c.SendStatus(fiber.StatusNotModified)
		}
	}
	return nil
}

// private marks a response as personal: kept by no cache at all.
func private(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
}

// errCSRF is returned when a form's token is missing or wrong.
var errCSRF = fiber.NewError(fiber.StatusForbidden, "csrf")

// checkCSRF refuses state-changing requests that do not carry this
// browser's form token, and any that a browser marks as cross-site.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	token := c.FormValue("_csrf")
	if token == "" {
		token = c.Get("X-CSRF-Token")
	}
	if c.Get("Sec-Fetch-Site") == "cross-site" || !s.Jar.CheckCSRF(c, s.csrfBinding(c), token) {
		return errCSRF
	}
	return c.Next()
}

// csrfBinding ties form tokens to the signed-in session; guests have none.
func (s *Server) csrfBinding(c *fiber.Ctx) string {
	if cur := s.current(c); cur != nil {
		return cur.KeyHash
	}
	return ""
}

// loadSession finds who is signed in (resuming from a remember-me cookie
// if needed) before anything else looks.
func (s *Server) loadSession(c *fiber.Ctx) error {
	if _, err := s.Sessions.Load(c); err != nil {
		return err
	}
	return c.Next()
}

// current is who is signed in on this request, or nil.
func (s *Server) current(c *fiber.Ctx) *sessions.Current {
	cur, err := s.Sessions.Load(c)
	if err != nil {
		return nil
	}
	return cur
}

// requireLogin sends guests to the sign-in page, then back here. Every
// page behind it is personal: no cache keeps it.
func (s *Server) requireLogin(c *fiber.Ctx) error {
	if s.current(c) == nil {
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

// limit allows AUTH_ATTEMPTS_PER_MINUTE (10) attempts of kind a minute from
// each client address, counted in the shared store so every instance agrees.
func (s *Server) limit(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		wait, ok, err := s.Limits.Attempt(kind, c.IP())
		if err != nil {
			return err
		}
		if !ok {
			return tooManyRequests(c, wait)
		}
		return c.Next()
	}
}

// signInAllowed refuses a sign-in to email from this address while the
// account is over its failure limits (see sessions.Limits).
func (s *Server) signInAllowed(c *fiber.Ctx, email string) error {
	wait, ok, err := s.Limits.SignInAllowed(email, c.IP())
	if err != nil {
		return err
	}
	if !ok {
		return tooManyRequests(c, wait)
	}
	return nil
}

func tooManyRequests(c *fiber.Ctx, wait time.Duration) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	return fiber.ErrTooManyRequests
}
