// Package i18n holds what Crumb says in each language it speaks: one
// message catalogue per language (locales/<area>.<lang>.json, embedded),
// the match of a browser's Accept-Language, the words for the models'
// message codes, and the formats of dates. Korean and English are equals:
// every message exists in both, which TestEveryMessageInBothLanguages
// holds the catalogue to.
//
// The catalogue is read once, when the program starts, and never changes
// afterwards. Messages without values are looked up in a map; messages
// with values or plural forms (CLDR rules) go through go-i18n.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"crumb/models"
)

//go:embed locales/*.json
var files embed.FS

// catalogue is every message, loaded at start-up; read-only afterwards.
var catalogue = mustLoad(files)

type messages struct {
	bundle     *goi18n.Bundle
	localizers map[models.Language]*goi18n.Localizer
	// plain holds each message without values, by language and id.
	plain map[models.Language]map[string]string
	// filled holds the messages whose values Tr fills in itself.
	filled map[models.Language]map[string]compiled
	// ids are the message ids of each language.
	ids map[models.Language]map[string]bool
}

func mustLoad(fsys fs.FS) *messages {
	m, err := load(fsys)
	if err != nil {
		panic(err)
	}
	return m
}

func load(fsys fs.FS) (*messages, error) {
	m := &messages{
		bundle:     goi18n.NewBundle(language.English),
		localizers: map[models.Language]*goi18n.Localizer{},
		plain:      map[models.Language]map[string]string{},
		filled:     map[models.Language]map[string]compiled{},
		ids:        map[models.Language]map[string]bool{},
	}
	byLang := m.ids
	names, err := fs.Glob(fsys, "locales/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		file, err := m.bundle.ParseMessageFileBytes(data, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		lang, ok := models.ParseLanguage(file.Tag.String())
		if !ok {
			return nil, fmt.Errorf("i18n: %s is in %s, a language the shop does not speak", name, file.Tag)
		}
		if byLang[lang] == nil {
			byLang[lang], m.plain[lang], m.filled[lang] = map[string]bool{}, map[string]string{}, map[string]compiled{}
		}
		for _, msg := range file.Messages {
			if byLang[lang][msg.ID] {
				return nil, fmt.Errorf("i18n: %s: %q is defined twice in %s", name, msg.ID, lang)
			}
			byLang[lang][msg.ID] = true
			if msg.One == "" && !strings.Contains(msg.Other, "{{") {
				m.plain[lang][msg.ID] = msg.Other
			} else if c, ok := compile(msg); ok {
				m.filled[lang][msg.ID] = c
			}
		}
	}
	for _, lang := range models.Languages {
		if byLang[lang] == nil {
			return nil, fmt.Errorf("i18n: no messages in %s", lang)
		}
		m.localizers[lang] = goi18n.NewLocalizer(m.bundle, string(lang))
	}
	return m, nil
}

// IDs lists every message id of the catalogue in lang, sorted.
func IDs(lang models.Language) []string {
	out := make([]string, 0, len(catalogue.ids[lang]))
	for id := range catalogue.ids[lang] {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Has reports whether the catalogue has message id in lang.
func Has(lang models.Language, id string) bool { return catalogue.ids[lang][id] }

// T is message id in lang, for a message without values. A message the
// catalogue lacks is its id, so it shows (and the tests fail) rather than
// leaving a blank.
func T(lang models.Language, id string) string {
	if s, ok := catalogue.plain[lang][id]; ok {
		return s
	}
	return Tr(lang, id)
}

// Tr is message id in lang with its values, given as name-value pairs
// ("Count", 3, "Name", "Ada"). A "Count" also picks the plural form.
func Tr(lang models.Language, id string, pairs ...any) string {
	if c, ok := catalogue.filled[lang][id]; ok {
		if s, ok := c.render(lang, pairs); ok {
			return s
		}
	}
	data := make(map[string]any, len(pairs)/2)
	var count any
	for i := 0; i+1 < len(pairs); i += 2 {
		key, _ := pairs[i].(string)
		data[key] = pairs[i+1]
		if key == "Count" {
			count = pairs[i+1]
		}
	}
	loc := catalogue.localizers[lang]
	if loc == nil {
		loc = catalogue.localizers[models.English]
	}
	s, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		return id
	}
	return s
}
