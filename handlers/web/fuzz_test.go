package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/internal/apptest"
	"crumb/models"
)

// FuzzRememberCookie presents arbitrary remember-me values, sealed as the
// shop seals them (so they reach the selector:validator parsing), with no
// session. None may cause a 5xx, and only a value naming the device's real
// selector may ever sign the browser in.
func FuzzRememberCookie(f *testing.F) {
	ta := apptest.New(f)
	b := ta.Browser()
	b.SignUp("Kim", "kim@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	plain, _, ok := ta.Jar.Open(cookies.Remember, b.Cookies["crumb_remember"].Value)
	if !ok {
		f.Fatal("the remember-me cookie does not open")
	}
	selector, _, _ := strings.Cut(string(plain), ":")
	for _, seed := range []string{string(plain), selector + ":wrong", selector + ":", ":" + selector, "", ":", "a:b:c", "\x00:\xff", strings.Repeat("x", 600)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		req := httptest.NewRequest(fiber.MethodGet, "/account", nil)
		req.AddCookie(&http.Cookie{Name: ta.Jar.CookieName(cookies.Remember), Value: ta.Jar.Seal(cookies.Remember, []byte(value), ta.Clock.Now().Add(time.Hour))})
		res, err := ta.HTTP.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		switch {
		case res.StatusCode == fiber.StatusSeeOther: // not signed in: off to the sign-in page
		case res.StatusCode == fiber.StatusOK && strings.HasPrefix(value, selector+":"):
		default:
			t.Fatalf("remember-me value %q: %d", value, res.StatusCode)
		}
	})
}

// FuzzForms posts arbitrary urlencoded bodies, behind a valid form token,
// to the forms a shopper fills in: adding to and changing the cart,
// placing an order, changing the email or password and signing a device
// out (signed in), and signing up or in (as a guest). None may cause a
// 5xx, no cart line may end up outside 1 to 99, and no name, email or
// shipping detail kept may hold a control character or invalid UTF-8.
func FuzzForms(f *testing.F) {
	ta := apptest.New(f)
	member := ta.Browser()
	member.SignUp("Fay", "fay@example.com", apptest.Password, nil)
	id := ta.ProductID("baguette")
	member.Post("/cart/items", url.Values{"product_id": {id}, "quantity": {"1"}})
	guest := ta.Browser()
	forms := []struct {
		path    string
		browser *apptest.Browser
		token   string
	}{
		{"/cart/items", member, member.CSRF()},
		{"/cart/items/" + id, member, member.CSRF()},
		{"/checkout", member, member.CSRF()},
		{"/account/email", member, member.CSRF()},
		{"/account/password", member, member.CSRF()},
		{"/account/security/revoke", member, member.CSRF()},
		{"/login", guest, guest.CSRF()},
		{"/signup", guest, guest.CSRF()},
	}
	for i, seed := range []string{
		"product_id=" + id + "&quantity=2",
		"quantity=0",
		"name=Fay&phone=%2B1+555+0100&address1=1+Flour+St&postal_code=10001&country=US&payment_method=cod&checkout_token=" + strings.Repeat("a", 32),
		"email=fay%40example.com&password=wrong-password-1",
		"product_id=%zz&quantity=1e400", "quantity=99999999999999999999", "product_id=-1", "&&==&", "name=%00%ff",
		"email=fay2%40example.com&password=" + apptest.Password,
		"password=" + apptest.Password + "&new_password=new%07loaf%00bread",
		"kind=session&id=a%00", "kind=device&id=%ff",
		"name=Fay%0D%0ABcc%3A+x&email=fay3%40example.com&password=rye-and-butter-42",
		"name=%1B%5B2JFay&phone=%2B1+555+0100&address1=1+Flour%07St&postal_code=10001&country=US&payment_method=cod&checkout_token=" + strings.Repeat("b", 32),
		"name=Fay&phone=%2B1+555+0100&address1=1+Flour+St&address2=%C0%80&postal_code=10001&country=US&payment_method=cod&checkout_token=" + strings.Repeat("c", 32),
	} {
		f.Add(uint8(i), seed)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		form := forms[int(which)%len(forms)]
		req := httptest.NewRequest(fiber.MethodPost, form.path, strings.NewReader("_csrf="+url.QueryEscape(form.token)+"&"+body))
		req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
		for _, c := range form.browser.Cookies {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		res, err := ta.HTTP.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("POST %s %q: %d", form.path, body, res.StatusCode)
		}
		var lo, hi int
		if err := ta.DB.Raw("SELECT COALESCE(MIN(quantity), 1), COALESCE(MAX(quantity), 1) FROM cart_items").Row().Scan(&lo, &hi); err != nil {
			t.Fatal(err)
		}
		if lo < 1 || hi > 99 {
			t.Fatalf("after POST %s %q a cart line holds %d..%d", form.path, body, lo, hi)
		}
		var kept []string
		if err := ta.DB.Raw("SELECT name FROM users UNION ALL SELECT email FROM users").Scan(&kept).Error; err != nil {
			t.Fatal(err)
		}
		var shipped []models.Shipping
		if err := ta.DB.Model(&models.Order{}).Select("name, phone, address1, address2, postal_code, country").Scan(&shipped).Error; err != nil {
			t.Fatal(err)
		}
		for _, s := range shipped {
			kept = append(kept, s.Name, s.Phone, s.Address1, s.Address2, s.PostalCode, s.Country)
		}
		for _, text := range kept {
			if !utf8.ValidString(text) || strings.ContainsFunc(text, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) {
				t.Fatalf("after POST %s %q the database keeps %q", form.path, body, text)
			}
		}
	})
}
