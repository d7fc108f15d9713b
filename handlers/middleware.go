package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"crumb/cookies"
	"crumb/secret"
)

// Request bodies: small forms and JSON everywhere; a back-office product
// form may carry a picture (models.MaxImageBytes) and its fields.
const (
	smallBody   = 64 << 10
	uploadLimit = 3 << 20
)

// bodyLimit sets, once a request's header has arrived and before its body
// is read, how large a body the server reads: uploadLimit for a back-office
// product form sent by an admin's session, smallBody for everything else
// (the back office's forms from anyone else included, so they cannot make
// the server read more than any other page). A larger body is answered
// 413 from its Content-Length, without reading it.
func (s *server) bodyLimit(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if string(h.Method()) == fiber.MethodPost && bytes.HasPrefix(h.RequestURI(), []byte("/admin/products/")) && s.adminCookie(h) {
		return fasthttp.RequestConfig{MaxRequestBodySize: uploadLimit}
	}
	return fasthttp.RequestConfig{MaxRequestBodySize: smallBody}
}

// adminCookie reports whether the request's session cookie signs in an
// admin.
func (s *server) adminCookie(h *fasthttp.RequestHeader) bool {
	o := s.Jar.Read(cookies.Session, string(h.Cookie(s.Jar.CookieName(cookies.Session))))
	if !o.OK {
		return false
	}
	uid := s.Sessions.AccountOf(string(o.Plain))
	if uid == 0 {
		return false
	}
	u, err := s.Users.ByID(context.Background(), uid)
	return err == nil && u.IsAdmin()
}

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
func (s *server) clientAddress(c *fiber.Ctx) error {
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

func (s *server) trustedProxy(addr netip.Addr) bool {
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

// requestLog gives every request its visitor and an id (kept from a sane
// incoming X-Request-Id, otherwise random), returns it as X-Request-Id,
// writes the cookies the request changed once it is answered, and logs it.
func (s *server) requestLog(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Get(fiber.HeaderXRequestID)
	if !validRequestID(id) {
		id = secret.Hex(8)
	}
	v := s.Visitors.Begin(c, id)
	c.Set(fiber.HeaderXRequestID, id)
	err := c.Next()
	if err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	v.Finish(c)
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
func (s *server) securityHeaders(c *fiber.Ctx) error {
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

// limit allows AUTH_ATTEMPTS_PER_MINUTE (10) attempts of kind a minute from
// each client address, counted in the shared store so every instance agrees.
func (s *server) limit(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.Limits.Attempt(kind, c.IP()); err != nil {
			return err
		}
		return c.Next()
	}
}
