package web_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/database"
	"crumb/internal/apptest"
	"crumb/models"
)

func TestSignUp(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	res := b.SignUp("Ana Baker", "  Ana@Example.COM ", apptest.Password, nil)
	if res.Header.Get("Location") != "/account" {
		t.Errorf("sign-up goes to %q", res.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "crumb_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.MaxAge != 0 || session.RawExpires != "" || session.Path != "/" {
		t.Errorf("session cookie: %+v", session)
	}
	if len(session.Value) < 43 {
		t.Errorf("session id %q is shorter than 256 bits", session.Value)
	}
	page := b.Get("/account")
	if !strings.Contains(page.Text, "Hello, Ana Baker") || !strings.Contains(page.Text, "ana@example.com") {
		t.Error("account page does not show the account")
	}
	if page.Header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("account Cache-Control = %q", page.Header.Get("Cache-Control"))
	}
	var u models.User
	ta.DB.Where("email = ?", "ana@example.com").Take(&u)
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || strings.Contains(u.PasswordHash, apptest.Password) {
		t.Errorf("password stored as %q", u.PasswordHash)
	}
}

func TestSignUpRejectsBadInput(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("First", "taken@example.com", apptest.Password, nil)
	tests := []struct {
		name, field, value, message string
	}{
		{"no name", "name", " ", "Enter your name"},
		{"bad email", "email", "not-an-email", "Enter an email address"},
		{"email with a display name", "email", "Eve <eve@example.com>", "Enter an email address"},
		{"short password", "password", "short", "at least 8"},
		{"long password", "password", strings.Repeat("x", 129), "at most 128"},
		{"common password", "password", "Password123", "too common"},
		{"email taken in another case", "email", "TAKEN@example.com", "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"name": {"Bea"}, "email": {"bea@example.com"}, "password": {apptest.Password}}
			form.Set(tt.field, tt.value)
			res := ta.Browser().Post("/signup", form)
			if res.StatusCode != fiber.StatusUnprocessableEntity {
				t.Fatalf("status = %d, want 422", res.StatusCode)
			}
			if !strings.Contains(res.Text, htmlEscape(tt.message)) && !strings.Contains(res.Text, tt.message) {
				t.Errorf("page lacks %q", tt.message)
			}
			if tt.field != "name" && !strings.Contains(res.Text, `value="Bea"`) {
				t.Error("the name typed was lost")
			}
			if strings.Contains(res.Text, apptest.Password) || (tt.field == "password" && strings.Contains(res.Text, `value="`+tt.value)) {
				t.Error("the password is echoed back")
			}
		})
	}
	var n int64
	ta.DB.Model(&models.User{}).Where("email NOT IN ?", []string{database.DemoEmail, database.OwnerEmail}).Count(&n)
	if n != 1 {
		t.Errorf("%d accounts exist besides the demo accounts, want 1", n)
	}
}

// TestSignUpRefusesUntypableNames: a name with NUL, BEL, CR/LF (which
// would put lines of its own into the shop's emails), ESC or invalid UTF-8
// is a 422 naming the field on SQLite and Postgres alike, with the email
// typed kept; nothing is stored.
func TestSignUpRefusesUntypableNames(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		for _, name := range []string{"Kim\x00", "Kim\a", "Kim\r\nBcc: all@example.com", "Kim\x1b[2J", "Kim\xff", "\u202eKim", strings.Repeat("k", 101)} {
			res := ta.Browser().Post("/signup", url.Values{"name": {name}, "email": {"kim@example.com"}, "password": {apptest.Password}})
			if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, `id="name-error"`) {
				t.Errorf("name %q: %d, without an error on the name", name, res.StatusCode)
			}
			if !strings.Contains(res.Text, `value="kim@example.com"`) {
				t.Errorf("name %q: the email typed was lost", name)
			}
		}
		var n int64
		ta.DB.Model(&models.User{}).Where("email = ?", "kim@example.com").Count(&n)
		if n != 0 {
			t.Errorf("%d accounts made from untypable names", n)
		}
		// A password may hold any printable character, never a control one.
		ta.Clock.Advance(time.Minute) // past the sign-up limit
		for _, password := range []string{"rye bread \u00e9 42!", "rye\x00bread42", "rye\tbread42", "rye\xffbread42"} {
			res := ta.Browser().Post("/signup", url.Values{"name": {"Kim"}, "email": {"kim@example.com"}, "password": {password}})
			if ok := password == "rye bread \u00e9 42!"; ok != (res.StatusCode == fiber.StatusSeeOther) || !ok && !strings.Contains(res.Text, `id="password-error"`) {
				t.Errorf("password %q: %d", password, res.StatusCode)
			}
		}
	})
}

func TestLogin(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("Cal", "cal@example.com", apptest.Password, nil)

	for name, form := range map[string][2]string{
		"wrong password": {"cal@example.com", "wrong-password-1"},
		"unknown email":  {"nobody@example.com", apptest.Password},
	} {
		b := ta.Browser()
		res := b.LogIn(form[0], form[1], nil)
		if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "The email or password is wrong") {
			t.Errorf("%s: %d", name, res.StatusCode)
		}
		if !strings.Contains(res.Text, `value="`+form[0]+`"`) {
			t.Errorf("%s: the email typed was lost", name)
		}
		if b.SignedIn() {
			t.Errorf("%s: signed in", name)
		}
	}

	b := ta.Browser()
	before := b.CSRF()
	res := b.LogIn("CAL@example.com", apptest.Password, url.Values{"next": {"/cart"}})
	if res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Location") != "/cart" {
		t.Fatalf("login = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if !b.SignedIn() {
		t.Fatal("not signed in")
	}
	// A form token from before sign-in no longer works.
	if res := b.Post("/cart/items", url.Values{"_csrf": {before}, "product_id": {ta.ProductID("baguette")}}); res.StatusCode != fiber.StatusForbidden {
		t.Errorf("pre-login form token accepted: %d", res.StatusCode)
	}
	if res := ta.Browser().Post("/login", url.Values{"email": {"cal@example.com"}, "password": {apptest.Password}, "_csrf": {""}}); res.StatusCode != fiber.StatusForbidden {
		t.Errorf("login without a form token = %d, want 403", res.StatusCode)
	}
}

func TestLoginOnlyRedirectsToLocalPaths(t *testing.T) {
	ta := apptest.New(t)
	ta.Browser().SignUp("Dee", "dee@example.com", apptest.Password, nil)
	for next, want := range map[string]string{
		"/orders?page=2":          "/orders?page=2",
		"//evil.example/x":        "/account",
		"https://evil.example/":   "/account",
		"/\\evil.example":         "/account",
		"javascript:alert(1)":     "/account",
		"evil.example":            "/account",
		"/%0d%0aSet-Cookie:x=y":   "/%0d%0aSet-Cookie:x=y",
		"/account\r\nX-Evil: yes": "/account",
	} {
		b := ta.Browser()
		res := b.LogIn("dee@example.com", apptest.Password, url.Values{"next": {next}})
		if got := res.Header.Get("Location"); got != want {
			t.Errorf("next=%q redirects to %q, want %q", next, got, want)
		}
	}
	// The sign-in page keeps a safe next and drops an unsafe one.
	if page := ta.Get("/login?next=/checkout"); !strings.Contains(page.Text, `name="next" value="/checkout"`) {
		t.Error("safe next not kept")
	}
	if page := ta.Get("/login?next=//evil.example"); strings.Contains(page.Text, `name="next" value="//evil.example"`) {
		t.Error("unsafe next kept")
	}
}

func TestSessionFixationAndLogout(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUp("Eli", "eli@example.com", apptest.Password, nil)
	b.Post("/logout", nil)
	// An attacker plants a session id before sign-in; sign-in must replace it.
	planted := &http.Cookie{Name: "crumb_session", Value: "planted-session-id-planted-session-id-plant"}
	b.Cookies["crumb_session"] = planted
	b.LogIn("eli@example.com", apptest.Password, nil)
	if b.Cookies["crumb_session"].Value == planted.Value {
		t.Fatal("session id not regenerated at sign-in")
	}
	stolen := b.Cookies["crumb_session"].Value

	res := b.Post("/logout", nil)
	if res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Clear-Site-Data") != `"cache", "storage"` {
		t.Errorf("logout = %d, Clear-Site-Data %q", res.StatusCode, res.Header.Get("Clear-Site-Data"))
	}
	if _, ok := b.Cookies["crumb_session"]; ok {
		t.Error("session cookie not cleared")
	}
	// The old cookie replayed after sign-out is anonymous.
	replay := ta.Browser()
	replay.Cookies["crumb_session"] = &http.Cookie{Name: "crumb_session", Value: stolen}
	if replay.SignedIn() {
		t.Error("the session survived sign-out on the server")
	}
	var n int64
	ta.DB.Model(&models.WebSession{}).Count(&n)
	if n != 0 {
		t.Errorf("%d sessions listed after sign-out", n)
	}
	// Sign-out is a POST: a GET changes nothing.
	b.LogIn("eli@example.com", apptest.Password, nil)
	if res := b.Get("/logout"); res.StatusCode != 404 && res.StatusCode != 405 {
		t.Errorf("GET /logout = %d", res.StatusCode)
	}
	if !b.SignedIn() {
		t.Error("GET /logout signed out")
	}
}

func TestSessionTimeouts(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUp("Fay", "fay@example.com", apptest.Password, nil)

	ta.Clock.Advance(29 * time.Minute)
	if !b.SignedIn() {
		t.Fatal("signed out before 30 idle minutes")
	}
	ta.Clock.Advance(30 * time.Minute)
	if b.SignedIn() {
		t.Fatal("still signed in after 30 idle minutes")
	}

	b.LogIn("fay@example.com", apptest.Password, nil)
	for range 24 { // active every 25 minutes for 10 hours
		ta.Clock.Advance(25 * time.Minute)
		if !b.SignedIn() {
			t.Fatal("an active session ended before 12 hours")
		}
	}
	ta.Clock.Advance(2*time.Hour + time.Minute)
	if b.SignedIn() {
		t.Fatal("a session outlived 12 hours")
	}
}

func TestSessionIsWrittenOnlyWhenItChanges(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUp("Gus", "gus@example.com", apptest.Password, nil)
	b.Get("/account") // shows and clears nothing-to-flash; settles the session
	expiry := func() int64 {
		var e struct{ ExpiresAt int64 }
		ta.DB.Table("storage_entries").Select("expires_at").Where("storage_key NOT LIKE 'limit:%'").Take(&e)
		return e.ExpiresAt
	}
	first := expiry()
	ta.Clock.Advance(50 * time.Second)
	b.Get("/products")
	b.Get("/cart")
	if got := expiry(); got != first {
		t.Errorf("the session was written within a minute (expiry %d -> %d)", first, got)
	}
	ta.Clock.Advance(15 * time.Second)
	b.Get("/products")
	if got := expiry(); got <= first {
		t.Errorf("the idle clock did not move after a minute (expiry %d -> %d)", first, got)
	}
}

func TestPersonalPagesAreNotCached(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUp("Hal", "hal@example.com", apptest.Password, nil)
	for _, path := range []string{"/account", "/account/security", "/cart"} {
		if got := b.Get(path).Header.Get("Cache-Control"); got != "private, no-store" {
			t.Errorf("%s Cache-Control = %q", path, got)
		}
	}
	if got := ta.Get("/login").Header.Get("Cache-Control"); got != "private, no-store" {
		t.Errorf("/login Cache-Control = %q", got)
	}
	if res := ta.Get("/account"); res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Faccount" {
		t.Errorf("guest /account = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestLoginRateLimits(t *testing.T) {
	ta := apptest.New(t)
	base := ta.Listen()
	client := func(ip string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	}
	token := func(c *http.Client) (string, []*http.Cookie) {
		res, err := c.Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return apptest.CSRFField.FindStringSubmatch(string(body))[1], res.Cookies()
	}
	attempt := func(c *http.Client, email string) *http.Response {
		tok, cks := token(c)
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(url.Values{"_csrf": {tok}, "email": {email}, "password": {"wrong-password-1"}}.Encode()))
		req.Header.Set("Content-Type", fiber.MIMEApplicationForm)
		for _, ck := range cks {
			req.AddCookie(ck)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	one, two, three := client("127.0.0.2"), client("127.0.0.3"), client("127.0.0.4")
	for i := range 10 {
		if res := attempt(one, "ivy@example.com"); res.StatusCode != fiber.StatusUnprocessableEntity {
			t.Fatalf("attempt %d = %d", i+1, res.StatusCode)
		}
	}
	res := attempt(one, "other@example.com")
	if res.StatusCode != fiber.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("11th attempt from one IP = %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Other addresses are not limited, whichever account they try (see
	// TestGuessingCannotLockTheOwnerOut for the account's own limits).
	if res := attempt(two, "ivy@example.com"); res.StatusCode != fiber.StatusUnprocessableEntity {
		t.Errorf("the same account from another IP = %d", res.StatusCode)
	}
	if res := attempt(three, "jo@example.com"); res.StatusCode != fiber.StatusUnprocessableEntity {
		t.Errorf("another account from another IP = %d", res.StatusCode)
	}
}

func TestSessionCookieIsSealed(t *testing.T) {
	ta := apptest.New(t)
	b := ta.Browser()
	b.SignUp("Sam", "sam@example.com", apptest.Password, nil)
	sealed := b.Cookies["crumb_session"].Value
	id, expires, ok := ta.Jar.Open(cookies.Session, sealed)
	if !ok || len(id) != 43 || !expires.IsZero() {
		t.Fatalf("session cookie does not hold a sealed 256-bit id: ok=%v len=%d expires=%v", ok, len(id), expires)
	}
	// The bare id is not accepted: only a value the store sealed is.
	bare := ta.Browser()
	bare.Cookies["crumb_session"] = &http.Cookie{Name: "crumb_session", Value: string(id)}
	if bare.SignedIn() {
		t.Error("an unsealed session id was accepted")
	}
	tampered := []byte(sealed)
	tampered[len(tampered)/2] ^= 1
	bare.Cookies["crumb_session"] = &http.Cookie{Name: "crumb_session", Value: string(tampered)}
	if bare.SignedIn() {
		t.Error("a tampered session cookie was accepted")
	}
	if !b.SignedIn() {
		t.Error("the sealed cookie stopped working")
	}
}
