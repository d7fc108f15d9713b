package i18n

import (
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/text/language"

	"crumb/models"
)

var matcher = language.NewMatcher([]language.Tag{language.English, language.Korean})

// Browsers send few distinct Accept-Language headers, and every page view
// of a guest asks for its match: the first maxMatched headers seen are
// kept with their answer, and any others matched each time.
const maxMatched = 512

var (
	matched     sync.Map // header -> models.Language ("" for no match)
	matchedKept atomic.Int32
)

// Match picks the shop's language for an Accept-Language header, by its
// q-values ("ko-KR" is Korean); ok is false when the header names neither
// language the shop speaks, or is unreadable.
func Match(acceptLanguage string) (models.Language, bool) {
	if acceptLanguage == "" || len(acceptLanguage) > 1024 {
		return "", false
	}
	if lang, ok := matched.Load(acceptLanguage); ok {
		return lang.(models.Language), lang != models.Language("")
	}
	lang, ok := match(acceptLanguage)
	if matchedKept.Add(1) <= maxMatched {
		matched.Store(strings.Clone(acceptLanguage), lang) // a server's header bytes are reused after the request
	}
	return lang, ok
}

func match(acceptLanguage string) (models.Language, bool) {
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
