package web

import (
	"strings"
	"time"

	"crumb/handlers/visitor"

	"github.com/gofiber/fiber/v2"
)

// DismissPopup hides today's offer until the next midnight in the
// shopper's time zone (tz, filled in by script), or the store's when tz is
// missing or not a valid IANA name.
func (s *Server) DismissPopup(c *fiber.Ctx) error {
	if _, err := visitor.From(c).HideOffer(s.shopperZone(c.FormValue("tz"))); err != nil {
		return err
	}
	if wantsJSON(c) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

func (s *Server) shopperZone(tz string) *time.Location {
	tz = strings.TrimSpace(tz)
	if tz == "" || len(tz) > 64 || tz == "Local" {
		return s.Config.StoreTimezone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return s.Config.StoreTimezone
	}
	return loc
}
