package i18n

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"crumb/models"
)

// Most messages with values only put values in ("Results for “{{.Query}}”"),
// and pages ask for them on every request: such a message is cut into its
// text and its holes once, at start, and filled in by Tr without a
// template. Its plural form is picked by CLDR's rules (x/text's, the data
// go-i18n's come from). A message using more of the template language goes
// through go-i18n.
type compiled map[plural.Form][]piece

// piece is a run of text, then the value called name (none at the end).
type piece struct{ text, name string }

var (
	hole = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
	tags = map[models.Language]language.Tag{models.English: language.English, models.Korean: language.Korean}
)

// compile cuts msg into pieces; ok is false when a form uses more than holes.
func compile(msg *goi18n.Message) (compiled, bool) {
	forms := map[plural.Form]string{
		plural.Zero: msg.Zero, plural.One: msg.One, plural.Two: msg.Two,
		plural.Few: msg.Few, plural.Many: msg.Many, plural.Other: msg.Other,
	}
	c := compiled{}
	for form, src := range forms {
		if src == "" {
			continue
		}
		var pieces []piece
		at := 0
		for _, m := range hole.FindAllStringSubmatchIndex(src, -1) {
			pieces = append(pieces, piece{src[at:m[0]], src[m[2]:m[3]]})
			at = m[1]
		}
		pieces = append(pieces, piece{text: src[at:]})
		for _, p := range pieces {
			if strings.Contains(p.text, "{{") || strings.Contains(p.text, "}}") {
				return nil, false
			}
		}
		c[form] = pieces
	}
	return c, c[plural.Other] != nil
}

// render fills the message in for lang with pairs (name, value, ...); ok
// is false when a value is missing or the count is not a whole number.
func (c compiled) render(lang models.Language, pairs []any) (string, bool) {
	form := plural.Other
	if len(c) > 1 {
		n, ok := wholeNumber(value(pairs, "Count"))
		if !ok {
			return "", false
		}
		if n < 0 {
			n = -n
		}
		if f := plural.Cardinal.MatchPlural(tags[lang], int(n%10_000_000), 0, 0, 0, 0); c[f] != nil {
			form = f
		}
	}
	var b strings.Builder
	for _, p := range c[form] {
		b.WriteString(p.text)
		if p.name == "" {
			continue
		}
		v := value(pairs, p.name)
		if v == nil {
			return "", false
		}
		switch v := v.(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		default:
			fmt.Fprint(&b, v)
		}
	}
	return b.String(), true
}

// value is the value called name among pairs, or nil.
func value(pairs []any, name string) any {
	for i := 0; i+1 < len(pairs); i += 2 {
		if k, _ := pairs[i].(string); k == name {
			return pairs[i+1]
		}
	}
	return nil
}

func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case uint:
		return int64(n), true
	case uint64:
		return int64(n), true
	case uint32:
		return int64(n), true
	}
	return 0, false
}
