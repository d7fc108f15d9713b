package api

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPIDocument describes the JSON API. It is written by hand and kept
// in the repository; the API tests validate every response against it.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI serves the API's OpenAPI 3.1 document.
func OpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(openAPIDocument)
}
