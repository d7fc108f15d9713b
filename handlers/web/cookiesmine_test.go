package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/i18n"
	"crumb/internal/apptest"
	"crumb/models"
)

// speaking is a new browser that reads the shop in lang.
func speaking(ta *apptest.App, lang models.Language) *apptest.Browser {
	b := ta.Browser()
	b.Headers = http.Header{"Accept-Language": {string(lang)}}
	return b
}

// other is the language that is not lang.
func other(lang models.Language) models.Language {
	if lang == models.Korean {
		return models.English
	}
	return models.Korean
}

func product(t *testing.T, ta *apptest.App, slug string) models.Product {
	t.Helper()
	var p models.Product
	if err := ta.DB.Where("slug = ?", slug).Take(&p).Error; err != nil {
		t.Fatal(err)
	}
	return p
}

// mustSay fails unless page holds the words, and holds none of the other
// language's.
func mustSay(t *testing.T, lang models.Language, page, id string, pairs ...any) {
	t.Helper()
	if want := htmlEscape(i18n.Tr(lang, id, pairs...)); !strings.Contains(page, want) {
		t.Errorf("%s page lacks %q", lang, want)
	}
	if not := htmlEscape(i18n.Tr(other(lang), id, pairs...)); strings.Contains(page, not) {
		t.Errorf("%s page says %q", lang, not)
	}
}

func TestMyCookiesSaysWhatAGuestHolds(t *testing.T) {
	for _, lang := range []models.Language{models.English, models.Korean} {
		t.Run(string(lang), func(t *testing.T) {
			ta := apptest.New(t)
			ta.Browser().SignUp("Mina", "mina@example.com", apptest.Password, nil)
			b := speaking(ta, lang)
			b.LogIn("mina@example.com", apptest.Password, url.Values{"remember_email": {"1"}})
			b.Post("/logout", nil)
			b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"2"}})
			b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("macarons")}, "quantity": {"3"}})
			b.Post("/popup/dismiss", url.Values{"tz": {"Asia/Seoul"}})
			page := b.Get("/cookies/mine")
			if page.StatusCode != fiber.StatusOK || page.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("/cookies/mine = %d, Cache-Control %q", page.StatusCode, page.Header.Get("Cache-Control"))
			}
			for slug, n := range map[string]int{"baguette": 2, "macarons": 3} {
				mustSay(t, lang, page.Text, "cookies.mine.cart.line", "Name", product(t, ta, slug).In(lang).Name, "Quantity", n)
			}
			hidden := ta.Jar.Read(cookies.PopupHidden, b.Cookies["crumb_popup_hidden"].Value).Expires
			mustSay(t, lang, page.Text, "cookies.mine.offer", "When", i18n.When(lang, hidden, ta.Config.StoreTimezone))
			mustSay(t, lang, page.Text, "cookies.mine.email", "Email", "mina@example.com")
			mustSay(t, lang, page.Text, "cookies.mine.csrf")
			for _, n := range []cookies.Name{cookies.Cart, cookies.PopupHidden, cookies.Email, cookies.CSRF} {
				name := n.Spec().Name
				for _, want := range []string{"<code>" + name + "</code>", htmlEscape(i18n.T(lang, "cookie."+name+".purpose")), htmlEscape(i18n.T(lang, "cookie."+name+".lifetime"))} {
					if !strings.Contains(page.Text, want) {
						t.Errorf("page lacks %q", want)
					}
				}
			}
			for name, c := range b.Cookies {
				if strings.Contains(page.Text, c.Value) {
					t.Errorf("the page shows the sealed value of %s", name)
				}
			}
			if strings.Contains(page.Text, i18n.T(lang, "cookies.mine.ignored")) {
				t.Error("a good cookie shows as ignored")
			}
		})
	}
}

func TestMyCookiesSaysACartMovedToTheServer(t *testing.T) {
	for _, lang := range []models.Language{models.English, models.Korean} {
		ta := apptest.New(t, apptest.WithCartBudget(60))
		b := speaking(ta, lang)
		b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"2"}})
		page := b.Get("/cookies/mine").Text
		mustSay(t, lang, page, "cookies.mine.cart.server")
		if strings.Contains(page, htmlEscape(product(t, ta, "baguette").In(lang).Name)+" ") {
			t.Errorf("%s: the page names the lines of a cart kept on the server", lang)
		}
	}
}

func TestMyCookiesSaysWhoIsSignedInButNotTheirIDs(t *testing.T) {
	for _, lang := range []models.Language{models.English, models.Korean} {
		t.Run(string(lang), func(t *testing.T) {
			ta := apptest.New(t)
			b := speaking(ta, lang)
			b.SignUp("Zed", "zed@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
			b.Post("/language", url.Values{"lang": {string(lang)}})
			page := b.Get("/cookies/mine").Text
			var session models.WebSession
			var device models.RememberToken
			if err := ta.DB.Take(&session).Error; err != nil {
				t.Fatal(err)
			}
			if err := ta.DB.Take(&device).Error; err != nil {
				t.Fatal(err)
			}
			zone := ta.Config.StoreTimezone
			mustSay(t, lang, page, "cookies.mine.session", "Name", "Zed", "When", i18n.When(lang, session.ExpiresAt, zone))
			mustSay(t, lang, page, "cookies.mine.remember", "When", i18n.When(lang, device.ExpiresAt, zone))
			mustSay(t, lang, page, "cookies.mine.lang."+string(lang))
			secrets := []string{session.KeyHash, device.Selector, device.ValidatorHash}
			for _, n := range []cookies.Name{cookies.Session, cookies.Remember, cookies.CSRF} {
				c := b.Cookies[ta.Jar.CookieName(n)]
				if c == nil {
					t.Fatalf("no %s", n.Spec().Name)
				}
				secrets = append(secrets, c.Value, string(ta.Jar.Read(n, c.Value).Plain))
			}
			for _, s := range secrets {
				if strings.Contains(page, s) {
					t.Errorf("the page shows %q, which could sign in or be replayed", s)
				}
			}
		})
	}
}

func TestMyCookiesIgnoresATamperedCookie(t *testing.T) {
	for _, lang := range []models.Language{models.English, models.Korean} {
		ta := apptest.New(t)
		b := speaking(ta, lang)
		b.Post("/popup/dismiss", nil)
		b.Cookies["crumb_email"] = &http.Cookie{Name: "crumb_email", Value: "tampered"}
		page := b.Get("/cookies/mine").Text
		row := page[strings.Index(page, "<code>crumb_email</code>"):]
		row = row[:strings.Index(row, "</tr>")]
		mustSay(t, lang, row, "cookies.mine.ignored")
		mustSay(t, lang, page, "cookies.mine.offer", "When", i18n.When(lang, ta.Jar.Read(cookies.PopupHidden, b.Cookies["crumb_popup_hidden"].Value).Expires, ta.Config.StoreTimezone))
	}
}

func TestForgetThisBrowserNeedsTheFormToken(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
	req, _ := http.NewRequest(fiber.MethodPost, "/cookies/forget", strings.NewReader(""))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	if res := b.Do(req); res.StatusCode != fiber.StatusForbidden || res.Header.Get("Clear-Site-Data") != "" {
		t.Fatalf("forget without a form token = %d, Clear-Site-Data %q", res.StatusCode, res.Header.Get("Clear-Site-Data"))
	}
	if b.Cookies["crumb_cart"] == nil {
		t.Error("a form without its token made the browser forget its cart")
	}
}

func TestForgetThisBrowserSaysWhatItForgot(t *testing.T) {
	for _, lang := range []models.Language{models.English, models.Korean} {
		t.Run(string(lang), func(t *testing.T) {
			ta := apptest.New(t)
			b := speaking(ta, lang)
			b.SignUp("Zed", "zed@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
			session, remember := b.CopyCookie("crumb_session"), b.CopyCookie("crumb_remember")
			res := b.Post("/cookies/forget", nil)
			where := res.Header.Get(fiber.HeaderLocation)
			if res.StatusCode != fiber.StatusSeeOther || !strings.HasPrefix(where, "/cookies/mine?") {
				t.Fatalf("forget = %d to %q", res.StatusCode, where)
			}
			landed := b.Get(where)
			page := landed.Text
			if set := landed.Header.Values("Set-Cookie"); len(set) != 0 || len(b.Cookies) != 0 {
				t.Errorf("the page after forgetting starts cookies again: %q (the browser holds %d)", set, len(b.Cookies))
			}
			mustSay(t, lang, page, "cookies.mine.forgotten")
			mustSay(t, lang, page, "cookies.mine.signed_out")
			for _, name := range []string{"crumb_session", "crumb_remember", "crumb_csrf"} {
				if !strings.Contains(page[strings.Index(page, `id="forgotten"`):], "<code>"+name+"</code>") {
					t.Errorf("the notice does not name %s", name)
				}
			}
			var sessions, devices int64
			ta.DB.Model(&models.WebSession{}).Count(&sessions)
			ta.DB.Model(&models.RememberToken{}).Count(&devices)
			if sessions != 0 || devices != 0 {
				t.Errorf("the server still keeps %d sessions and %d devices", sessions, devices)
			}
			replay := ta.Browser()
			replay.Cookies["crumb_session"] = session
			if replay.SignedIn() {
				t.Error("the forgotten session still signs in")
			}
			replay = ta.Browser()
			replay.Cookies["crumb_remember"] = remember
			if replay.SignedIn() {
				t.Error("the forgotten device still signs in")
			}
		})
	}
}
