package i18n_test

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"crumb/cookies"
	"crumb/i18n"
	"crumb/models"
)

// values are the values a message takes: {{.Name}} and printf verbs.
var values = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}|%(\[\d+\])?[ds]`)

// TestEveryMessageInBothLanguages: Korean and English are equals, so a
// message missing in either, or taking other values in one, fails.
func TestEveryMessageInBothLanguages(t *testing.T) {
	en, ko := i18n.IDs(models.English), i18n.IDs(models.Korean)
	if len(en) < 50 {
		t.Fatalf("only %d English messages", len(en))
	}
	for _, id := range en {
		if !i18n.Has(models.Korean, id) {
			t.Errorf("%s has no Korean", id)
			continue
		}
		e, k := i18n.T(models.English, id), i18n.T(models.Korean, id)
		if strings.TrimSpace(k) == "" || strings.TrimSpace(e) == "" {
			t.Errorf("%s is empty in a language", id)
		}
		ev, kv := valuesOf(e), valuesOf(k)
		if !slices.Equal(ev, kv) {
			t.Errorf("%s takes %v in English but %v in Korean", id, ev, kv)
		}
	}
	for _, id := range ko {
		if !i18n.Has(models.English, id) {
			t.Errorf("%s has no English", id)
		}
	}
}

// valuesOf lists the values s takes: each {{.Name}}, and each printf
// argument by its position and verb ("1d": the first, a number).
func valuesOf(s string) []string {
	var out []string
	next := 1
	for _, m := range values.FindAllStringSubmatch(s, -1) {
		switch {
		case m[1] != "":
			out = append(out, m[1])
		case m[2] != "":
			n, _ := strconv.Atoi(strings.Trim(m[2], "[]"))
			out = append(out, strconv.Itoa(n)+m[0][len(m[0])-1:])
			next = n + 1
		default:
			out = append(out, strconv.Itoa(next)+m[0][len(m[0])-1:])
			next++
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestEveryCodeAndCookieHasWords: every code the models return and every
// registered cookie can be put into words in both languages.
func TestEveryCodeAndCookieHasWords(t *testing.T) {
	for _, lang := range models.Languages {
		for _, code := range models.Codes() {
			if !i18n.Has(lang, "code."+string(code)) {
				t.Errorf("%s: no words for %s", lang, code)
			}
		}
		for _, spec := range cookies.All() {
			for _, part := range []string{"purpose", "holds", "lifetime"} {
				if !i18n.Has(lang, "cookie."+spec.Name+"."+part) {
					t.Errorf("%s: the policy cannot say the %s of %s", lang, part, spec.Name)
				}
			}
		}
	}
	stock := models.Message{Code: models.CodeStockShort, Args: []any{3, "Baguette"}}
	if got := i18n.Say(models.English, stock); got != "Only 3 of Baguette left in stock; you can have at most 3." {
		t.Errorf("English: %q", got)
	}
	if got := i18n.Say(models.Korean, stock); got != "Baguette 상품은 재고가 3개 남아 있어 3개까지 담을 수 있습니다." {
		t.Errorf("Korean: %q", got)
	}
}

func TestTranslateWritesTheWordsIn(t *testing.T) {
	src := []byte(`<html lang="{{t "meta.lang"}}"><title>{{t "cart.title"}}</title>{{template "x" (t "layout.cart")}}{{tr "products.results" "Query" .Q}}`)
	got, err := i18n.Translate(src, models.Korean, true)
	if err != nil {
		t.Fatal(err)
	}
	want := `<html lang="ko"><title>장바구니</title>{{template "x" "장바구니"}}{{tr "products.results" "Query" .Q}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := i18n.Translate([]byte(`{{t "no.such.message"}}`), models.English, true); err == nil || !strings.Contains(err.Error(), "no.such.message") {
		t.Errorf("an unknown message: %v", err)
	}
	if _, err := i18n.Translate([]byte(`{{t "products.results"}}`), models.English, true); err == nil {
		t.Error("a message with values written in without them")
	}
}

func TestTrPutsValuesIn(t *testing.T) {
	if got := i18n.Tr(models.Korean, "products.results", "Query", "크루아상"); got != "“크루아상” 검색 결과" {
		t.Errorf("Korean: %q", got)
	}
	if got := i18n.Tr(models.English, "products.results", "Query", "rye"); got != "Results for “rye”" {
		t.Errorf("English: %q", got)
	}
}

func TestMatch(t *testing.T) {
	for header, want := range map[string]models.Language{
		"ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7": models.Korean,
		"ko":                                  models.Korean,
		"en-GB,en;q=0.9":                      models.English,
		"fr-FR,fr;q=0.9,ko;q=0.5":             models.Korean,
		"fr;q=0.9, en;q=0.8, ko;q=0.1":        models.English,
		"de, fr":                              "",
		"":                                    "",
		"ko;q=nonsense\x00":                   "",
		strings.Repeat("en-US,", 500):         "",
	} {
		got, ok := i18n.Match(header)
		if got != want || ok != (want != "") {
			t.Errorf("Match(%.40q) = %q, %v; want %q", header, got, ok, want)
		}
	}
}

func TestWhen(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 7, 19, 0, 0, time.UTC) // 16:19 in Seoul
	for _, c := range []struct {
		lang      models.Language
		when, day string
	}{
		{models.Korean, "2026년 12월 1일 오후 4:19", "2026년 12월 1일"},
		{models.English, "1 Dec 2026, 4:19 PM", "1 Dec 2026"},
	} {
		if got := i18n.When(c.lang, at, seoul); got != c.when {
			t.Errorf("%s: When = %q, want %q", c.lang, got, c.when)
		}
		if got := i18n.Day(c.lang, at, seoul); got != c.day {
			t.Errorf("%s: Day = %q, want %q", c.lang, got, c.day)
		}
	}
	midnight := time.Date(2026, 12, 1, 15, 5, 0, 0, time.UTC) // 00:05 in Seoul
	if got := i18n.When(models.Korean, midnight, seoul); got != "2026년 12월 2일 오전 12:05" {
		t.Errorf("just after midnight: %q", got)
	}
}

func TestDeviceInEachLanguage(t *testing.T) {
	for _, tt := range []struct{ label, en, ko string }{
		{"Firefox on Windows", "Firefox on Windows", "Windows의 Firefox"},
		{"A browser on Android", "A browser on Android", "Android의 브라우저"},
		{"Unknown browser", "Unknown browser", "알 수 없는 브라우저"},
		{"Chrome", "Chrome", "Chrome"},
		{"Crumb app", "Crumb app", "Crumb 앱"},
		{"Crumb app (Safari on iPhone)", "Crumb app (Safari on iPhone)", "Crumb 앱 (iPhone의 Safari)"},
	} {
		if got := i18n.Device(models.English, tt.label); got != tt.en {
			t.Errorf("Device(en, %q) = %q, want %q", tt.label, got, tt.en)
		}
		if got := i18n.Device(models.Korean, tt.label); got != tt.ko {
			t.Errorf("Device(ko, %q) = %q, want %q", tt.label, got, tt.ko)
		}
	}
}

func TestMatchAnswersTheSameTwice(t *testing.T) {
	for _, h := range []string{"ko-KR,ko;q=0.9,en;q=0.8", "fr-FR", "en-GB;q=0.5, ko;q=0.4", "!!"} {
		lang, ok := i18n.Match(h)
		again, okAgain := i18n.Match(h)
		if lang != again || ok != okAgain {
			t.Errorf("Match(%q) = %q %v, then %q %v", h, lang, ok, again, okAgain)
		}
	}
	if lang, ok := i18n.Match("fr-FR"); ok {
		t.Errorf("Match(fr-FR) = %q, want no match", lang)
	}
	if lang, _ := i18n.Match("ko-KR,ko;q=0.9,en;q=0.8"); lang != models.Korean {
		t.Errorf("Match(ko-KR...) = %q", lang)
	}
}
