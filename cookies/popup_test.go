package cookies_test

import (
	"testing"
	"time"

	"crumb/cookies"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err)
	}
	return loc
}

func TestNextMidnight(t *testing.T) {
	tests := []struct {
		name string
		zone string
		now  string // RFC 3339
		want string // RFC 3339
		// dayLength, when set, is how long the shopper's day lasted:
		// from its first instant to the returned one.
		dayLength time.Duration
	}{
		{"Seoul morning", "Asia/Seoul", "2026-05-14T09:30:00+09:00", "2026-05-15T00:00:00+09:00", 24 * time.Hour},
		{"Seoul last second", "Asia/Seoul", "2026-05-14T23:59:59+09:00", "2026-05-15T00:00:00+09:00", 24 * time.Hour},
		{"Seoul at midnight", "Asia/Seoul", "2026-05-14T00:00:00+09:00", "2026-05-15T00:00:00+09:00", 24 * time.Hour},
		{"Seoul, clock given in UTC", "Asia/Seoul", "2026-05-14T20:00:00Z", "2026-05-16T00:00:00+09:00", 24 * time.Hour},
		{"Seoul year end", "Asia/Seoul", "2026-12-31T18:00:00+09:00", "2027-01-01T00:00:00+09:00", 24 * time.Hour},
		{"New York ordinary", "America/New_York", "2026-05-14T12:00:00-04:00", "2026-05-15T00:00:00-04:00", 24 * time.Hour},
		{"New York, clock given in UTC", "America/New_York", "2026-05-15T02:00:00Z", "2026-05-15T00:00:00-04:00", 24 * time.Hour},
		{"New York DST starts", "America/New_York", "2026-03-08T10:00:00-04:00", "2026-03-09T00:00:00-04:00", 23 * time.Hour},
		{"New York DST starts, before the jump", "America/New_York", "2026-03-08T01:30:00-05:00", "2026-03-09T00:00:00-04:00", 23 * time.Hour},
		{"New York DST ends", "America/New_York", "2026-11-01T10:00:00-05:00", "2026-11-02T00:00:00-05:00", 25 * time.Hour},
		{"New York DST ends, first 01:30", "America/New_York", "2026-11-01T01:30:00-04:00", "2026-11-02T00:00:00-05:00", 25 * time.Hour},
		{"New York DST ends, second 01:30", "America/New_York", "2026-11-01T01:30:00-05:00", "2026-11-02T00:00:00-05:00", 25 * time.Hour},
		{"New York day before DST starts", "America/New_York", "2026-03-07T23:00:00-05:00", "2026-03-08T00:00:00-05:00", 24 * time.Hour},
		{"London winter", "Europe/London", "2026-01-10T15:00:00Z", "2026-01-11T00:00:00Z", 24 * time.Hour},
		{"London BST starts", "Europe/London", "2026-03-29T12:00:00+01:00", "2026-03-30T00:00:00+01:00", 23 * time.Hour},
		{"London BST ends", "Europe/London", "2026-10-25T12:00:00Z", "2026-10-26T00:00:00Z", 25 * time.Hour},
		{"London summer", "Europe/London", "2026-07-01T23:30:00+01:00", "2026-07-02T00:00:00+01:00", 24 * time.Hour},
		// Chile moves its clocks from 00:00 to 01:00: 2026-09-06 has no
		// midnight, and its first instant is 01:00 -03.
		{"Santiago, midnight skipped", "America/Santiago", "2026-09-05T22:00:00-04:00", "2026-09-06T01:00:00-03:00", 24 * time.Hour},
		{"Santiago, last half hour", "America/Santiago", "2026-09-05T23:30:00-04:00", "2026-09-06T01:00:00-03:00", 24 * time.Hour},
		{"Santiago, short day itself", "America/Santiago", "2026-09-06T12:00:00-03:00", "2026-09-07T00:00:00-03:00", 23 * time.Hour},
		// Cuba does the same in March.
		{"Havana, midnight skipped", "America/Havana", "2026-03-07T20:00:00-05:00", "2026-03-08T01:00:00-04:00", 24 * time.Hour},
		{"Beirut, midnight skipped", "Asia/Beirut", "2026-03-28T21:00:00+02:00", "2026-03-29T01:00:00+03:00", 24 * time.Hour},
		{"UTC", "UTC", "2026-02-28T08:00:00Z", "2026-03-01T00:00:00Z", 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			now, err := time.Parse(time.RFC3339, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			want, err := time.Parse(time.RFC3339, tt.want)
			if err != nil {
				t.Fatal(err)
			}
			got := cookies.NextMidnight(now, loc)
			if !got.Equal(want) {
				t.Fatalf("NextMidnight(%s in %s) = %s, want %s", tt.now, tt.zone, got.In(loc).Format(time.RFC3339), tt.want)
			}
			y, m, d := now.In(loc).Date()
			dayStart := cookies.NextMidnight(time.Date(y, m, d, 12, 0, 0, 0, loc).AddDate(0, 0, -1), loc)
			if length := got.Sub(dayStart); length != tt.dayLength {
				t.Errorf("the shopper's day lasted %v (from %s), want %v", length, dayStart.In(loc).Format(time.RFC3339), tt.dayLength)
			}
		})
	}
}

// TestNextMidnightIsTheFirstInstantOfTomorrow checks every half hour of
// 2026 in zones with ordinary, skipped-midnight and half-hour DST changes.
func TestNextMidnightIsTheFirstInstantOfTomorrow(t *testing.T) {
	for _, name := range []string{
		"Asia/Seoul", "America/New_York", "Europe/London", "America/Santiago", "America/Havana",
		"Asia/Beirut", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham", "America/Asuncion",
	} {
		loc := zone(t, name)
		for now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); now.Year() == 2026; now = now.Add(30 * time.Minute) {
			got := cookies.NextMidnight(now, loc)
			today := now.In(loc)
			tomorrow := time.Date(today.Year(), today.Month(), today.Day()+1, 12, 0, 0, 0, loc)
			local := got.In(loc)
			before := got.Add(-time.Second).In(loc)
			switch {
			case !got.After(now):
				t.Fatalf("%s: NextMidnight(%s) = %s is not after now", name, today, local)
			case local.YearDay() != tomorrow.YearDay():
				t.Fatalf("%s: NextMidnight(%s) = %s is not on the next day", name, today, local)
			case before.YearDay() != today.YearDay():
				t.Fatalf("%s: NextMidnight(%s) = %s is not the first instant of the next day", name, today, local)
			}
		}
	}
}
