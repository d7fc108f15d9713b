package cookies

import "time"

// NextMidnight is the first instant of the day after now's day in loc. On
// a day when midnight does not exist (a DST jump at 00:00), it is the first
// instant that does. The popup stays hidden until then: the deadline is
// sealed inside crumb_popup_hidden as well as set as its expiry, so a
// cookie kept past it by the browser is still ignored.
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
