package i18n

import (
	"fmt"
	"time"

	"crumb/models"
)

// When is a moment as the language writes it, in zone: "2026년 12월 1일
// 오후 4:19" or "1 Dec 2026, 4:19 PM". Every date and time a person reads
// is written here.
func When(lang models.Language, t time.Time, zone *time.Location) string {
	t = t.In(zone)
	if lang == models.Korean {
		half := "오전"
		if t.Hour() >= 12 {
			half = "오후"
		}
		return fmt.Sprintf("%s %s %d:%02d", Day(lang, t, zone), half, hour12(t), t.Minute())
	}
	return fmt.Sprintf("%s, %d:%02d %s", Day(lang, t, zone), hour12(t), t.Minute(), t.Format("PM"))
}

// Day is the date of a moment as the language writes it, in zone:
// "2026년 12월 1일" or "1 Dec 2026".
func Day(lang models.Language, t time.Time, zone *time.Location) string {
	t = t.In(zone)
	if lang == models.Korean {
		return fmt.Sprintf("%d년 %d월 %d일", t.Year(), t.Month(), t.Day())
	}
	return t.Format("2 Jan 2006")
}

func hour12(t time.Time) int {
	if h := t.Hour() % 12; h != 0 {
		return h
	}
	return 12
}
