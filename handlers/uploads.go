package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"crumb/assets"
	"crumb/models"
)

// uploadCSP keeps an uploaded picture inert even when opened on its own:
// an SVG can hold script, and this forbids it to run or load anything.
const uploadCSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// uploadedImage serves a picture uploaded through the back office. Its
// name is the hash of its bytes, so, like every fingerprinted asset, it is
// cached for a year as immutable: a new picture has a new address.
func (s *server) uploadedImage(c *fiber.Ctx) error {
	img, err := s.Images.Get(c.UserContext(), assets.UploadPrefix+c.Params("name"))
	if errors.Is(err, models.ErrNotFound) {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	etag := `"` + img.Hash[:16] + `"`
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderContentSecurityPolicy, uploadCSP)
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderContentType, img.ContentType)
	if assets.MatchesETag(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentLength, strconv.Itoa(len(img.Data)))
	return c.Send(img.Data)
}
