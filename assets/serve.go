package assets

import (
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Serve answers GET/HEAD /static/... with the fingerprinted file, cached
// for a year as immutable, in the encoding the client prefers. An unknown or
// stale fingerprint is a 404 that no cache keeps.
func (a *Assets) Serve(c *fiber.Ctx) error {
	asset, ok := a.Lookup(c.Path())
	if !ok {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return fiber.ErrNotFound
	}
	body, encoding, etag := asset.Body, "", `"`+asset.Hash+`"`
	accepts := c.Get(fiber.HeaderAcceptEncoding)
	switch {
	case asset.Brotli != nil && Accepts(accepts, "br"):
		body, encoding, etag = asset.Brotli, "br", `"`+asset.Hash+`-br"`
	case asset.Gzip != nil && Accepts(accepts, "gzip"):
		body, encoding, etag = asset.Gzip, "gzip", `"`+asset.Hash+`-gz"`
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderContentType, asset.ContentType)
	if asset.Gzip != nil || asset.Brotli != nil {
		c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	}
	if MatchesETag(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	if encoding != "" {
		c.Set(fiber.HeaderContentEncoding, encoding)
	}
	c.Set(fiber.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Send(body)
}

// Accepts reports whether an Accept-Encoding header allows coding (br,
// gzip): named with a q above 0, or left unnamed while "*" is allowed (an
// explicit q=0 wins over "*"). It allocates nothing: every page asks.
func Accepts(header, coding string) bool {
	star := false
	for header != "" {
		var part string
		part, header, _ = strings.Cut(header, ",")
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		allowed := quality(params) > 0
		if strings.EqualFold(name, coding) {
			return allowed
		}
		if name == "*" {
			star = allowed
		}
	}
	return star
}

// quality is the q of an Accept-Encoding entry's parameters (1 if none).
func quality(params string) float64 {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				return f
			}
		}
	}
	return 1
}

// ETag is a strong ETag for a response body: its IEEE CRC-32 (which has
// hardware support; a collision only costs a needless 200) and length.
func ETag(body []byte) string {
	return fmt.Sprintf(`"%08x-%x"`, crc32.ChecksumIEEE(body), len(body))
}

// MatchesETag reports whether an If-None-Match header names etag, using
// the weak comparison RFC 9110 prescribes for If-None-Match.
func MatchesETag(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for _, candidate := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(candidate), "W/") == etag {
			return true
		}
	}
	return false
}
