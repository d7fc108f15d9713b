package handlers

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
)

// TestEveryCookieFollowsTheRegistry walks every page and form of the app,
// over http and over https, and checks each Set-Cookie against the
// registry: a registered name, its flags, its lifetime and its budget.
func TestEveryCookieFollowsTheRegistry(t *testing.T) {
	for _, base := range []string{"http://127.0.0.1:3000", "https://shop.example.com"} {
		t.Run(base, func(t *testing.T) {
			ta := newTestApp(t, withBaseURL(base))
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
			record := func(res response) {
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

			b := ta.browser()
			for _, path := range []string{"/", "/products", "/products?category=cakes&q=cake", "/products/macarons", "/cart", "/cookies", "/nope"} {
				record(b.get(path))
			}
			for _, slug := range []string{"macarons", "baguette"} {
				record(b.post("/cart/items", url.Values{"product_id": {ta.productID(slug)}, "quantity": {"2"}}))
			}
			record(b.post("/cart/items/"+ta.productID("baguette"), url.Values{"quantity": {"0"}}))
			record(b.post("/cart/items", url.Values{"product_id": {ta.productID("baguette")}, "quantity": {"500"}}))
			record(b.post("/popup/dismiss", url.Values{"tz": {"Asia/Seoul"}}))
			record(b.get("/cookies"))
			record(b.post("/cookies/forget", nil))
			req := httptest.NewRequest("GET", "/cart", nil)
			req.AddCookie(&http.Cookie{Name: ta.jar.CookieName(cookies.Cart), Value: "tampered"})
			record(ta.do(req))

			names := map[string]bool{}
			for _, c := range seen {
				names[c.Name] = true
			}
			for _, n := range []cookies.Name{cookies.Cart, cookies.PopupHidden, cookies.CSRF} {
				if !names[ta.jar.CookieName(n)] {
					t.Errorf("the walk never saw %s set", ta.jar.CookieName(n))
				}
			}
		})
	}
}

func TestCookiePolicyPage(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	b.post("/cart/items", url.Values{"product_id": {ta.productID("baguette")}, "quantity": {"1"}})
	b.post("/popup/dismiss", url.Values{"tz": {"Asia/Seoul"}})
	page := b.get("/cookies")
	if page.StatusCode != 200 || page.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("/cookies = %d, Cache-Control %q", page.StatusCode, page.Header.Get("Cache-Control"))
	}
	for _, spec := range cookies.All() {
		for _, want := range []string{"<code>" + spec.Name + "</code>", htmlEscape(spec.Lifetime), htmlEscape(spec.Purpose)} {
			if !strings.Contains(page.body, want) {
				t.Errorf("policy lacks %q", want)
			}
		}
	}
	if !strings.Contains(page.body, "Never your password") {
		t.Error("policy does not say that no cookie holds a password")
	}
	held := page.body[strings.Index(page.body, `id="held-cookies"`):]
	rows := regexp.MustCompile(`<th scope="row"><code>([a-z_]+)</code></th>\s*<td>(\d+) bytes</td>`).FindAllStringSubmatch(held, -1)
	got := map[string]string{}
	for _, r := range rows {
		got[r[1]] = r[2]
	}
	for name, c := range b.cookies {
		if got[name] != strconv.Itoa(len(name)+len(c.Value)) {
			t.Errorf("held cookie %s: page says %q bytes, browser holds %d", name, got[name], len(name)+len(c.Value))
		}
		if strings.Contains(page.body, c.Value) {
			t.Errorf("the page shows the value of %s", name)
		}
	}
	if len(got) != len(b.cookies) {
		t.Errorf("page lists %v, browser holds %d cookies", got, len(b.cookies))
	}
	if !strings.Contains(held, "When you close the browser") || !strings.Contains(held, "<time datetime=") {
		t.Error("held cookies show no expiry")
	}
}

func TestForgetThisBrowser(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	b.post("/cart/items", url.Values{"product_id": {ta.productID("baguette")}, "quantity": {"1"}})
	b.post("/popup/dismiss", nil)
	res := b.post("/cookies/forget", nil)
	if res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Clear-Site-Data") != `"cookies"` {
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
	if page := b.get("/"); !strings.Contains(page.body, `id="todays-offer"`) || !strings.Contains(page.body, `id="cart-count" class="badge">0<`) {
		t.Error("the browser still has its cart or popup choice")
	}
}

func TestForgetThisBrowserSignsOut(t *testing.T) {
	ta := newTestApp(t)
	b := ta.browser()
	b.signUp("Zed", "zed@example.com", testPassword, url.Values{"remember_me": {"1"}})
	session, remember := b.copyCookie("crumb_session"), b.copyCookie("crumb_remember")
	b.post("/cookies/forget", nil)
	if b.signedIn() {
		t.Fatal("still signed in after forgetting the browser")
	}
	// Copies of the old cookies are worthless on the server too.
	replay := ta.browser()
	replay.cookies["crumb_session"], replay.cookies["crumb_remember"] = session, remember
	if replay.signedIn() {
		t.Error("the forgotten session or device token still works")
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer(`"`, "&#34;", "'", "&#39;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
