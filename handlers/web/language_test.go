package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"crumb/config"
	"crumb/internal/apptest"
	"crumb/models"
)

// lang is the language a page says it is in, checking that its headers
// say the same.
func lang(t *testing.T, res apptest.Response) string {
	t.Helper()
	i := strings.Index(res.Text, `<html lang="`)
	if i < 0 {
		t.Fatalf("no <html lang> in a %d page", res.StatusCode)
	}
	got := res.Text[i+len(`<html lang="`) : i+len(`<html lang="`)+2]
	if cl := res.Header.Get("Content-Language"); cl != got {
		t.Errorf("Content-Language %q on a page in %q", cl, got)
	}
	vary := strings.Join(res.Header.Values("Vary"), ",")
	if !strings.Contains(vary, "Accept-Language") || !strings.Contains(vary, "Cookie") {
		t.Errorf("Vary %q: a cache could answer a page in the wrong language", vary)
	}
	return got
}

// TestTheLanguageOfARequest: the language chosen with the switch, else the
// account's, else the browser's, else the shop's default.
func TestTheLanguageOfARequest(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := ta.Browser()
		if got := lang(t, b.Get("/")); got != "en" {
			t.Errorf("no preference anywhere: %q, want the default en", got)
		}
		b.Headers = http.Header{"Accept-Language": {"ko-KR,ko;q=0.9,en;q=0.5"}}
		if got := lang(t, b.Get("/")); got != "ko" {
			t.Errorf("a Korean browser: %q", got)
		}
		b.Headers = http.Header{"Accept-Language": {"fr-FR, de;q=0.8"}}
		if got := lang(t, b.Get("/products")); got != "en" {
			t.Errorf("a browser asking for neither: %q, want the default", got)
		}

		// The account's language comes before the browser's.
		b.SignUpVerified("Min", "min@example.com", "rye-and-butter-42", nil)
		u, err := ta.Users.Authenticate(t.Context(), "min@example.com", "rye-and-butter-42")
		if err != nil {
			t.Fatal(err)
		}
		if err := ta.Users.SetLanguage(t.Context(), u.ID, models.Korean); err != nil {
			t.Fatal(err)
		}
		b.Post("/logout", nil)
		b.Headers = http.Header{"Accept-Language": {"en-US"}}
		b.LogIn("min@example.com", "rye-and-butter-42", nil)
		if got := lang(t, b.Get("/account")); got != "ko" {
			t.Errorf("signed in to a Korean account from an English browser: %q", got)
		}

		// The switch comes before both, and is kept as the account's.
		res := b.Post("/language", url.Values{"lang": {"en"}, "next": {"/account"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
			t.Fatalf("switch = %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		b.Headers = http.Header{"Accept-Language": {"ko"}}
		if got := lang(t, b.Get("/account")); got != "en" {
			t.Errorf("after choosing English: %q", got)
		}
		if u, _ := ta.Users.ByID(t.Context(), u.ID); u.Language != models.English {
			t.Errorf("the account's language is %q after choosing English", u.Language)
		}
	})
}

func TestTheDefaultLanguageIsASetting(t *testing.T) {
	ta := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.DefaultLanguage = "ko" }))
	if got := lang(t, ta.Browser().Get("/")); got != "ko" {
		t.Errorf("DEFAULT_LANGUAGE=ko: %q", got)
	}
}

// TestTheLanguageSwitch: back to a path on this site and nowhere else; a
// language the shop does not speak is refused and nothing is kept.
func TestTheLanguageSwitch(t *testing.T) {
	ta := apptest.New(t)
	for next, want := range map[string]string{
		"/products?q=rye": "/products?q=rye", "": "/", "//evil.example/x": "/", "https://evil.example/": "/",
		"/\\evil.example": "/", "javascript:alert(1)": "/",
	} {
		b := ta.Browser()
		res := b.Post("/language", url.Values{"lang": {"ko"}, "next": {next}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("next %q: %d to %q, want 303 to %q", next, res.StatusCode, res.Header.Get("Location"), want)
		}
		if got := lang(t, b.Get("/")); got != "ko" {
			t.Errorf("after choosing Korean: %q", got)
		}
	}
	b := ta.Browser()
	for _, bad := range []string{"fr", "", "KO", "ko-KR", "en\x00"} {
		res := b.Post("/language", url.Values{"lang": {bad}, "next": {"/cart"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text, "Korean and English") {
			t.Errorf("lang %q: %d", bad, res.StatusCode)
		}
		if _, kept := b.Cookies["crumb_lang"]; kept {
			t.Errorf("lang %q was kept", bad)
		}
	}
	if res := b.Post("/language", url.Values{"lang": {"ko"}, "_csrf": {"forged"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a switch without the form token: %d", res.StatusCode)
	}
	// The switch is in every page's header and works without script.
	page := b.Get("/cart")
	for _, want := range []string{`action="/language"`, `name="lang" value="ko"`, `name="lang" value="en"`, `name="next" value="/cart"`} {
		if !strings.Contains(page.Text, want) {
			t.Errorf("the cart page's header lacks %s", want)
		}
	}
}

// TestCachedPagesAreKeptPerLanguage: an English page never answers a
// Korean request, and an ETag from one language never earns a 304 in the
// other.
func TestCachedPagesAreKeptPerLanguage(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser() // one browser, one form token: its pages differ only by language
	get := func(path, accept, etag string) apptest.Response {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		b.Headers = http.Header{"Accept-Language": {accept}}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		return b.Do(req)
	}
	for _, path := range []string{"/", "/products", "/products?category=cakes", "/products/baguette", "/cart"} {
		en := get(path, "en", "")
		ko := get(path, "ko", "")
		if lang(t, en) != "en" || lang(t, ko) != "ko" {
			t.Errorf("%s: pages in %s and %s", path, lang(t, en), lang(t, ko))
		}
		if get(path, "en", "").Text != en.Text {
			t.Errorf("%s: English changed between two views", path)
		}
		if tag := ko.Header.Get("ETag"); tag != "" {
			if tag == en.Header.Get("ETag") {
				t.Errorf("%s: one ETag for both languages", path)
			}
			if res := get(path, "en", tag); res.StatusCode == http.StatusNotModified {
				t.Errorf("%s: the Korean ETag earned a 304 for English", path)
			}
			if res := get(path, "ko", tag); res.StatusCode != http.StatusNotModified {
				t.Errorf("%s: the Korean ETag did not earn a 304 for Korean: %d", path, res.StatusCode)
			}
		}
	}
}
