package i18n

import (
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"

	"crumb/models"
)

// TestFilledAsGoI18nWould holds Tr's own filling-in to go-i18n's, for
// every message it fills in, in each language and for counts that pick
// each plural form.
func TestFilledAsGoI18nWould(t *testing.T) {
	n := 0
	for _, lang := range models.Languages {
		for id, c := range catalogue.filled[lang] {
			names := map[string]bool{}
			for _, pieces := range c {
				for _, p := range pieces {
					if p.name != "" && p.name != "Count" {
						names[p.name] = true
					}
				}
			}
			for _, count := range []int{0, 1, 2, 21} {
				pairs := []any{"Count", count}
				data := map[string]any{"Count": count}
				for name := range names {
					pairs = append(pairs, name, "«"+name+"»")
					data[name] = "«" + name + "»"
				}
				got, ok := c.render(lang, pairs)
				if !ok {
					t.Fatalf("%s %s: not filled in", lang, id)
				}
				var plural any // go-i18n refuses a count for a message without plural forms
				if len(c) > 1 {
					plural = count
				}
				want, err := catalogue.localizers[lang].Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: plural})
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("%s %s (Count %d) = %q, go-i18n says %q", lang, id, count, got, want)
				}
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no message is filled in by Tr itself")
	}
}

func TestFilledFallsBackWithoutItsValues(t *testing.T) {
	if got := Tr(models.English, "products.results"); got != "Results for “<no value>”" {
		t.Errorf("without its value = %q, want go-i18n's", got)
	}
	if got := Tr(models.English, "products.results", "Query", 42); got != "Results for “42”" {
		t.Errorf("with a number = %q", got)
	}
}
