package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/i18n"
	"crumb/internal/apptest"
	"crumb/models"
)

// TestEveryCookieFollowsTheRegistry walks every page and form of the app,
// over http and over https, and checks each Set-Cookie against the
// registry: a registered name, its flags, its lifetime and its budget.
func TestEveryCookieFollowsTheRegistry(t *testing.T) {
	for _, base := range []string{"http://127.0.0.1:3000", "https://shop.example.com"} {
		t.Run(base, func(t *testing.T) {
			ta := apptest.New(t, apptest.WithBaseURL(base))
			secure := strings.HasPrefix(base, "https")
			specs := map[string]cookies.Spec{}
			for _, s := range cookies.All() {
				name := s.Name
				if secure {
					name = cookies.HostPrefix + name
				}
				specs[name] = s
			}
			var seen []*http.Cookie
			record := func(res apptest.Response) {
				for _, line := range res.Header.Values("Set-Cookie") {
					c, err := http.ParseSetCookie(line)
					if err != nil {
						t.Errorf("unparsable Set-Cookie %q: %v", line, err)
						continue
					}
					seen = append(seen, c)
					spec, ok := specs[c.Name]
					switch {
					case !ok:
						t.Errorf("cookie %q is not in the registry", c.Name)
						continue
					case len(line) >= cookies.MaxBytes || len(c.Name)+len(c.Value) > spec.Budget:
						t.Errorf("%s: %d bytes, over its budget of %d", c.Name, len(c.Name)+len(c.Value), spec.Budget)
					case c.HttpOnly != spec.HTTPOnly:
						t.Errorf("%s: HttpOnly = %v", c.Name, c.HttpOnly)
					case c.SameSite != http.SameSiteLaxMode:
						t.Errorf("%s: SameSite = %v", c.Name, c.SameSite)
					case c.Path != "/" || c.Domain != "":
						t.Errorf("%s: Path %q Domain %q", c.Name, c.Path, c.Domain)
					case c.Secure != secure:
						t.Errorf("%s: Secure = %v over %s", c.Name, c.Secure, base)
					}
					deleting := c.MaxAge < 0 || (c.Value == "" && c.RawExpires != "")
					if !deleting && spec.MaxAge == 0 && (c.MaxAge != 0 || c.RawExpires != "") {
						t.Errorf("%s should end with the browser, has Max-Age %d Expires %q", c.Name, c.MaxAge, c.RawExpires)
					}
					if !deleting && spec.MaxAge > 0 && (c.MaxAge <= 0 || c.MaxAge > int(spec.MaxAge.Seconds())) {
						t.Errorf("%s: Max-Age %d, registry allows up to %v", c.Name, c.MaxAge, spec.MaxAge)
					}
				}
			}

			b := ta.Browser()
			for _, path := range []string{"/", "/products", "/products?category=cakes&q=cake", "/products/macarons", "/cart", "/cookies", "/nope"} {
				record(b.Get(path))
			}
			for _, slug := range []string{"macarons", "baguette"} {
				record(b.Post("/cart/items", url.Values{"product_id": {ta.ProductID(slug)}, "quantity": {"2"}}))
			}
			record(b.Post("/cart/items/"+ta.ProductID("baguette"), url.Values{"quantity": {"0"}}))
			record(b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"500"}}))
			record(b.Post("/popup/dismiss", url.Values{"tz": {"Asia/Seoul"}}))
			record(b.Get("/cookies"))
			record(b.Post("/cookies/forget", nil))
			req := httptest.NewRequest("GET", "/cart", nil)
			req.AddCookie(&http.Cookie{Name: ta.Jar.CookieName(cookies.Cart), Value: "tampered"})
			record(ta.Do(req))

			names := map[string]bool{}
			for _, c := range seen {
				names[c.Name] = true
			}
			for _, n := range []cookies.Name{cookies.Cart, cookies.PopupHidden, cookies.CSRF} {
				if !names[ta.Jar.CookieName(n)] {
					t.Errorf("the walk never saw %s set", ta.Jar.CookieName(n))
				}
			}
		})
	}
}

func TestCookiePolicyPage(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
	b.Post("/popup/dismiss", url.Values{"tz": {"Asia/Seoul"}})
	page := b.Get("/cookies")
	if page.StatusCode != 200 || page.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("/cookies = %d, Cache-Control %q", page.StatusCode, page.Header.Get("Cache-Control"))
	}
	for _, spec := range cookies.All() {
		for _, want := range []string{"<code>" + spec.Name + "</code>", htmlEscape(i18n.T(models.English, "cookie."+spec.Name+".lifetime")), htmlEscape(i18n.T(models.English, "cookie."+spec.Name+".purpose"))} {
			if !strings.Contains(page.Text, want) {
				t.Errorf("policy lacks %q", want)
			}
		}
	}
	if !strings.Contains(page.Text, "Never your password") {
		t.Error("policy does not say that no cookie holds a password")
	}
	held := page.Text[strings.Index(page.Text, `id="held-cookies"`):]
	rows := regexp.MustCompile(`<th scope="row"><code>([a-z_]+)</code></th>\s*<td>(\d+) bytes</td>`).FindAllStringSubmatch(held, -1)
	got := map[string]string{}
	for _, r := range rows {
		got[r[1]] = r[2]
	}
	for name, c := range b.Cookies {
		if got[name] != strconv.Itoa(len(name)+len(c.Value)) {
			t.Errorf("held cookie %s: page says %q bytes, browser holds %d", name, got[name], len(name)+len(c.Value))
		}
		if strings.Contains(page.Text, c.Value) {
			t.Errorf("the page shows the value of %s", name)
		}
	}
	if len(got) != len(b.Cookies) {
		t.Errorf("page lists %v, browser holds %d cookies", got, len(b.Cookies))
	}
	if !strings.Contains(held, "When you close the browser") || !strings.Contains(held, "<time datetime=") {
		t.Error("held cookies show no expiry")
	}
}

func TestForgetThisBrowser(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
	b.Post("/popup/dismiss", nil)
	res := b.Post("/cookies/forget", nil)
	if res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Clear-Site-Data") != `"cookies", "storage"` {
		t.Fatalf("forget = %d, Clear-Site-Data %q", res.StatusCode, res.Header.Get("Clear-Site-Data"))
	}
	cleared := map[string]bool{}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Unix(86400, 0))) {
			cleared[c.Name] = true
		}
	}
	for _, spec := range cookies.All() {
		if !cleared[spec.Name] {
			t.Errorf("%s not cleared", spec.Name)
		}
	}
	if page := b.Get("/"); !strings.Contains(page.Text, `id="todays-offer"`) || !strings.Contains(page.Text, `id="cart-count" class="badge">0<`) {
		t.Error("the browser still has its cart or popup choice")
	}
}

func TestForgetThisBrowserSignsOut(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUp("Zed", "zed@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	session, remember := b.CopyCookie("crumb_session"), b.CopyCookie("crumb_remember")
	b.Post("/cookies/forget", nil)
	if b.SignedIn() {
		t.Fatal("still signed in after forgetting the browser")
	}
	// Copies of the old cookies are worthless on the server too.
	replay := ta.Browser()
	replay.Cookies["crumb_session"], replay.Cookies["crumb_remember"] = session, remember
	if replay.SignedIn() {
		t.Error("the forgotten session or device token still works")
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer(`"`, "&#34;", "'", "&#39;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
