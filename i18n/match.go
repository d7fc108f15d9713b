package i18n

import (
	"golang.org/x/text/language"

	"crumb/models"
)

var matcher = language.NewMatcher([]language.Tag{language.English, language.Korean})

// Match picks the shop's language for an Accept-Language header, by its
// q-values ("ko-KR" is Korean); ok is false when the header names neither
// language the shop speaks, or is unreadable.
func Match(acceptLanguage string) (models.Language, bool) {
	if acceptLanguage == "" || len(acceptLanguage) > 1024 {
		return "", false
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return "", false
	}
	tag, _, confidence := matcher.Match(tags...)
	if confidence == language.No {
		return "", false
	}
	base, _ := tag.Base()
	return models.ParseLanguage(base.String())
}
