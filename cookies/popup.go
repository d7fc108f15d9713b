package cookies

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// NextMidnight is the first instant of the day after now's day in loc. On
// a day when midnight does not exist (a DST jump at 00:00), it is the first
// instant that does.
func NextMidnight(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	if ny, nm, nd := next.Date(); ny == y && nm == m && nd == d {
		// time.Date may resolve a skipped midnight to the hour before the
		// jump, still today; the next day begins where that zone ends.
		_, next = next.ZoneBounds()
	}
	return next
}

// HidePopup hides today's offer until the next midnight in loc. The
// deadline is sealed inside the cookie as well as set as its expiry, so a
// cookie kept past it by the browser is still ignored.
func (j *Jar) HidePopup(c *fiber.Ctx, loc *time.Location) (time.Time, error) {
	until := NextMidnight(j.now(), loc)
	return until, j.Write(c, PopupHidden, nil, until)
}

// PopupHidden reports whether the shopper hid today's offer and the day
// has not ended yet.
func (j *Jar) PopupHidden(c *fiber.Ctx) bool {
	_, ok := j.Read(c, PopupHidden)
	return ok
}
