package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"crumb/database"
	"crumb/internal/apptest"
)

// TestErrorPagesSpeakTheShoppersLanguage: what went wrong and what to do
// next, in Korean for a Korean browser, in English for an English one.
func TestErrorPagesSpeakTheShoppersLanguage(t *testing.T) {
	notFound := map[string]string{"en": "Page not found", "ko": "페이지를 찾을 수 없습니다"}
	forged := map[string]string{"en": "This form has expired", "ko": "양식의 유효 시간이 지났습니다"}
	broken := map[string]string{"en": "Something went wrong on our side", "ko": "저희 쪽에 문제가 생겼습니다"}
	back := map[string]string{"en": "Back to the shop", "ko": "홈으로 돌아가기"}
	for language, other := range map[string]string{"en": "ko", "ko": "en"} {
		t.Run(language, func(t *testing.T) {
			ta := apptest.New(t)
			b := ta.Browser()
			b.Headers = http.Header{"Accept-Language": {language}}
			page := func(res apptest.Response, status int, says map[string]string) {
				t.Helper()
				if res.StatusCode != status || !strings.Contains(res.Text, `<html lang="`+language+`"`) {
					t.Errorf("%d in %.20q, want %d in %s", res.StatusCode, res.Text, status, language)
				}
				for _, words := range []map[string]string{says, back} {
					if !strings.Contains(res.Text, words[language]) || strings.Contains(res.Text, words[other]) {
						t.Errorf("the %d page does not say %q, or says %q", status, words[language], words[other])
					}
				}
			}
			page(b.Get("/no-such-page"), http.StatusNotFound, notFound)
			page(b.Post("/cart/items", url.Values{"_csrf": {"forged"}}), http.StatusForbidden, forged)

			token := b.CSRF()
			if err := database.Close(ta.DB); err != nil {
				t.Fatal(err)
			}
			page(b.Post("/cart/items", url.Values{"_csrf": {token}, "product_id": {"1"}, "quantity": {"1"}}), http.StatusInternalServerError, broken)
		})
	}
}
