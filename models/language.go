package models

// Language is a language the shop speaks, by its BCP 47 code. Korean and
// English are equals: every page, email and message exists in both.
type Language string

// The languages the shop speaks.
const (
	English Language = "en"
	Korean  Language = "ko"
)

// Languages are the languages the shop speaks, in the order the language
// switch lists them.
var Languages = []Language{Korean, English}

// ParseLanguage reads a language code exactly as the shop writes it ("ko",
// "en"); ok is false for anything else.
func ParseLanguage(s string) (Language, bool) {
	switch l := Language(s); l {
	case English, Korean:
		return l, true
	}
	return "", false
}
