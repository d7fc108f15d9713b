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
	accepts := acceptedEncodings(c.Get(fiber.HeaderAcceptEncoding))
	switch {
	case asset.Brotli != nil && accepts["br"]:
		body, encoding, etag = asset.Brotli, "br", `"`+asset.Hash+`-br"`
	case asset.Gzip != nil && accepts["gzip"]:
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

// acceptedEncodings parses Accept-Encoding, leaving out codings with q=0.
// "*" stands only for codings the header does not name, so an explicit q=0
// wins over it.
func acceptedEncodings(header string) map[string]bool {
	accepted, named := map[string]bool{}, map[string]bool{}
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding == "" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		named[coding] = true
		if q > 0 {
			accepted[coding] = true
		}
	}
	if accepted["*"] {
		accepted["br"] = accepted["br"] || !named["br"]
		accepted["gzip"] = accepted["gzip"] || !named["gzip"]
	}
	return accepted
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
