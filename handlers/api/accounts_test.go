package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/config"
	"crumb/handlers/api"
	"crumb/internal/apptest"
	"crumb/internal/testkit"
	"crumb/models"
)

// apiAccount is GET /api/v1/me as the app reads it.
type apiAccount struct {
	ID            uint   `json:"id"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Language      string `json:"language"`
	CreatedAt     string `json:"created_at"`
}

// meAccount is the account an access token is signed in to.
func meAccount(t *testing.T, ta *apptest.App, access string) apiAccount {
	t.Helper()
	res := call(ta, fiber.MethodGet, "/api/v1/me", nil, access)
	if res.StatusCode != fiber.StatusOK {
		t.Fatalf("me = %d: %s", res.StatusCode, res.Text)
	}
	var a apiAccount
	res.decode(t, &a)
	return a
}

// signUpApp creates an account from the app and expects its token pair.
func signUpApp(t *testing.T, ta *apptest.App, body map[string]string, opts ...apiOption) tokenPair {
	t.Helper()
	res := call(ta, fiber.MethodPost, "/api/v1/accounts", body, "", opts...)
	if res.StatusCode != fiber.StatusCreated {
		t.Fatalf("sign-up = %d: %s", res.StatusCode, res.Text)
	}
	if loc := res.Header.Get(fiber.HeaderLocation); loc != "/api/v1/me" {
		t.Errorf("Location = %q, want /api/v1/me", loc)
	}
	var pair tokenPair
	res.decode(t, &pair)
	return pair
}

// countUsers is how many accounts have email.
func countUsers(ta *apptest.App, email string) int64 {
	var n int64
	ta.DB.Model(&models.User{}).Where("email = ?", email).Count(&n)
	return n
}

// TestAPISignUp: the account the app creates is a whole one: signed in at
// once, stored as the website stores it (email trimmed and lower-cased),
// its verification link mailed, signing in with its password in the app
// and on the website, ordering once the link is followed.
func TestAPISignUp(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		pair := signUpApp(t, ta, map[string]string{"name": "  Yuna Park ", "email": " Yuna@Example.COM ", "password": apptest.Password, "language": "ko"})
		if pair.TokenType != "Bearer" || pair.ExpiresIn != 900 || pair.RefreshToken == "" {
			t.Errorf("pair = %+v", pair)
		}
		acct := meAccount(t, ta, pair.AccessToken)
		if acct.Name != "Yuna Park" || acct.Email != "yuna@example.com" || acct.EmailVerified || acct.Language != "ko" {
			t.Errorf("me = %+v", acct)
		}
		utcTime(t, acct.CreatedAt)

		// The verification email is queued, in the account's language.
		mail := ta.MailTo("yuna@example.com", models.MailVerifyEmail)
		if len(mail) != 1 || !strings.Contains(mail[0], "/account/verify?token=") || !hangul(mail[0]) {
			t.Fatalf("verification emails: %q", mail)
		}

		// The password works in the app and on the website.
		if other := signInApp(t, ta, "yuna@example.com", apptest.Password); me(ta, other.AccessToken) != fiber.StatusOK {
			t.Error("a sign-in with the new account's password gives a token that does not work")
		}
		web := ta.Browser()
		if res := web.LogIn("yuna@example.com", apptest.Password, nil); res.StatusCode != fiber.StatusSeeOther {
			t.Errorf("web sign-in = %d", res.StatusCode)
		}
		// The app's own refresh token works.
		if me(ta, refreshed(t, ta, pair.RefreshToken).AccessToken) != fiber.StatusOK {
			t.Error("the sign-up's refresh token does not work")
		}

		// Until the link is followed the account orders nothing; then it does.
		addToCartAPI(t, ta, pair.AccessToken, "baguette", 1)
		if p := placeOrderAPI(ta, pair.AccessToken, "signup-1", orderRequest("cod")).problem(t, fiber.StatusForbidden); p.Type != api.ProblemEmailUnverified {
			t.Errorf("unverified order: type %q, want %q", p.Type, api.ProblemEmailUnverified)
		}
		ta.Browser().VerifyEmail("yuna@example.com")
		if !meAccount(t, ta, pair.AccessToken).EmailVerified {
			t.Error("the followed link did not verify the email")
		}
		if res := placeOrderAPI(ta, pair.AccessToken, "signup-1", orderRequest("cod")); res.StatusCode != fiber.StatusCreated {
			t.Errorf("order once verified = %d: %s", res.StatusCode, res.Text)
		}
	})
}

// TestAPISignUpEmailTaken: an email some account has, in any case and
// however it was made, is 409 naming email; nothing is written or mailed.
func TestAPISignUpEmailTaken(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		ta.Browser().SignUp("Web", "web@example.com", apptest.Password, nil)
		signUpApp(t, ta, map[string]string{"name": "App", "email": "app@example.com", "password": apptest.Password})
		for _, email := range []string{"web@example.com", "WEB@Example.com", " app@example.com", "App@EXAMPLE.com"} {
			res := call(ta, fiber.MethodPost, "/api/v1/accounts", map[string]string{"name": "Again", "email": email, "password": "another-rye-loaf-9"}, "")
			p := res.problem(t, fiber.StatusConflict)
			if joinFields(p.fields()) != "email" || p.Title != "Email taken" || p.Detail != "An account with this email already exists. Sign in instead." {
				t.Errorf("%q: %+v", email, p)
			}
		}
		for _, email := range []string{"web@example.com", "app@example.com"} {
			if n := countUsers(ta, email); n != 1 {
				t.Errorf("%d accounts with %s", n, email)
			}
			if n := len(ta.MailTo(email, models.MailVerifyEmail)); n != 1 {
				t.Errorf("%d verification emails to %s, want the sign-up's 1", n, email)
			}
		}
		// The first account's password is the one that works.
		call(ta, fiber.MethodPost, "/api/v1/auth/token", map[string]string{"email": "app@example.com", "password": "another-rye-loaf-9"}, "").problem(t, fiber.StatusUnauthorized)
		signInApp(t, ta, "app@example.com", apptest.Password)
	})
}

// TestAPISignUpRefusals: each field that breaks a rule is named, by the
// website's rules; a body the API cannot read is 400, 413 or 415. No
// account is made and nothing is mailed.
func TestAPISignUpRefusals(t *testing.T) {
	apptest.EachDatabase(t, testSignUpRefusals)
}

func testSignUpRefusals(t *testing.T, ta *apptest.App) {
	good := map[string]string{"name": "Ivo", "email": "ivo@example.com", "password": apptest.Password}
	with := func(changes ...string) map[string]string {
		body := map[string]string{}
		for k, v := range good {
			body[k] = v
		}
		for i := 0; i < len(changes); i += 2 {
			body[changes[i]] = changes[i+1]
		}
		return body
	}
	tests := []struct {
		name   string
		body   any
		status int
		fields string
		words  string // in the first field's message, or else the detail
	}{
		{"short password", with("password", "short"), 422, "password", "at least 8"},
		{"long password", with("password", strings.Repeat("p", 129)), 422, "password", "128"},
		{"common password", with("password", "Password123"), 422, "password", "too common"},
		{"password with a control character", with("password", "rye-and-\tbutter"), 422, "password", ""},
		{"blank name", with("name", "   "), 422, "name", ""},
		{"name of two lines", with("name", "Ivo\nIvanov"), 422, "name", ""},
		{"name too long", with("name", strings.Repeat("n", 101)), 422, "name", ""},
		{"email without @", with("email", "ivo-at-example.com"), 422, "email", "name@example.com"},
		{"email without a domain", with("email", "ivo@example"), 422, "email", ""},
		{"language the shop does not speak", jsonBody(`{"name":"Ivo","email":"ivo@example.com","password":"rye-and-butter-42","language":"fr"}`), 422, "language", ""},
		{"empty language", jsonBody(`{"name":"Ivo","email":"ivo@example.com","password":"rye-and-butter-42","language":""}`), 422, "language", ""},
		{"everything wrong", jsonBody(`{"name":"","email":"x","password":"x","language":"xx"}`), 422, "name, email, password, language", ""},
		{"nothing sent", jsonBody(`{}`), 422, "name, email, password", ""},
		{"unknown field", jsonBody(`{"name":"Ivo","email":"ivo@example.com","password":"rye-and-butter-42","admin":true}`), 400, "", `"admin"`},
		{"password as a number", jsonBody(`{"name":"Ivo","email":"ivo@example.com","password":12345678}`), 400, "", `"password"`},
		{"malformed JSON", jsonBody(`{"name":"Ivo",`), 400, "", "not valid JSON"},
		{"form encoded", rawBody{fiber.MIMEApplicationForm, "name=Ivo&email=ivo%40example.com&password=rye-and-butter-42"}, 415, "", ""},
		{"over 16 KB", jsonBody(`{"name":"Ivo","email":"ivo@example.com","password":"` + strings.Repeat("p", 17<<10) + `"}`), 413, "", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if i > 0 && i%9 == 0 {
				ta.Clock.Advance(time.Minute) // past the sign-up limit per address
			}
			p := call(ta, fiber.MethodPost, "/api/v1/accounts", tt.body, "").problem(t, tt.status)
			if got := joinFields(p.fields()); got != tt.fields {
				t.Errorf("errors name %q, want %q", got, tt.fields)
			}
			words := p.Detail
			if len(p.Errors) > 0 {
				words = p.Errors[0].Message
			}
			if !strings.Contains(words, tt.words) {
				t.Errorf("%q does not say %q", words, tt.words)
			}
		})
	}
	var users int64
	ta.DB.Model(&models.User{}).Where("email LIKE ?", "ivo%").Count(&users)
	if users != 0 || len(ta.MailTo("ivo@example.com", "")) != 0 {
		t.Errorf("refused sign-ups made %d accounts or sent mail", users)
	}
}

// TestAPISignUpLanguage: an account signed up without a language reads
// the shop in the one the app asked in (Accept-Language), else the
// shop's; a language sent wins. The words of a refusal follow
// Accept-Language.
func TestAPISignUpLanguage(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		tests := []struct {
			email, language, acceptLanguage string
			want                            string
		}{
			{"ko-phone@example.com", "", "ko", "ko"},
			{"ko-kr-phone@example.com", "", "ko-KR,ko;q=0.9,en;q=0.5", "ko"},
			{"en-phone@example.com", "", "en-GB", "en"},
			{"fr-phone@example.com", "", "fr-FR,fr;q=0.9", "en"},
			{"silent-phone@example.com", "", "", "en"},
			{"chose-en@example.com", "en", "ko", "en"},
			{"chose-ko@example.com", "ko", "en", "ko"},
		}
		for _, tt := range tests {
			body := map[string]string{"name": "Min", "email": tt.email, "password": apptest.Password}
			if tt.language != "" {
				body["language"] = tt.language
			}
			var opts []apiOption
			if tt.acceptLanguage != "" {
				opts = append(opts, inLanguage(tt.acceptLanguage))
			}
			pair := signUpApp(t, ta, body, opts...)
			if got := meAccount(t, ta, pair.AccessToken).Language; got != tt.want {
				t.Errorf("%s (language %q, Accept-Language %q): account language %q, want %q", tt.email, tt.language, tt.acceptLanguage, got, tt.want)
			}
			// The account's mail speaks its language.
			if mail := ta.MailTo(tt.email, models.MailVerifyEmail); len(mail) != 1 || hangul(mail[0]) != (tt.want == "ko") {
				t.Errorf("%s: verification email in the wrong language: %q", tt.email, mail)
			}
		}
		ta.Clock.Advance(time.Minute) // past the sign-up limit per address

		// A taken email and a weak password, in Korean.
		res := call(ta, fiber.MethodPost, "/api/v1/accounts", map[string]string{"name": "Min", "email": "KO-PHONE@example.com", "password": apptest.Password}, "", inLanguage("ko"))
		speaks(t, res, "ko")
		p := res.problem(t, fiber.StatusConflict)
		if p.Title != "이미 가입된 이메일이에요" || joinFields(p.fields()) != "email" || !hangul(p.Errors[0].Message) {
			t.Errorf("Korean 409: %+v", p)
		}
		res = call(ta, fiber.MethodPost, "/api/v1/accounts", map[string]string{"name": "Min", "email": "min@example.com", "password": "short"}, "", inLanguage("ko"))
		p = res.problem(t, fiber.StatusUnprocessableEntity)
		if joinFields(p.fields()) != "password" || !strings.Contains(p.Errors[0].Message, "8자 이상") {
			t.Errorf("Korean 422: %+v", p)
		}
	})
}

// TestAPISignUpIsLimited: sign-ups from one address are limited per
// minute, the app's and the website's together.
func TestAPISignUpIsLimited(t *testing.T) {
	apptest.EachDatabase(t, testSignUpIsLimited)
}

func testSignUpIsLimited(t *testing.T, ta *apptest.App) {
	for i := range 5 {
		ta.Browser().SignUp("Web", fmt.Sprintf("web%d@example.com", i), apptest.Password, nil)
	}
	for i := range 5 {
		signUpApp(t, ta, map[string]string{"name": "App", "email": fmt.Sprintf("app%d@example.com", i), "password": apptest.Password})
	}
	res := call(ta, fiber.MethodPost, "/api/v1/accounts", map[string]string{"name": "One more", "email": "more@example.com", "password": apptest.Password}, "")
	res.problem(t, fiber.StatusTooManyRequests)
	if countUsers(ta, "more@example.com") != 0 {
		t.Error("a limited sign-up made the account")
	}
	ta.Clock.Advance(61 * time.Second)
	signUpApp(t, ta, map[string]string{"name": "One more", "email": "more@example.com", "password": apptest.Password})
}

// TestAPIAccountCallsWhenRedisFails: with the Redis that holds the limits
// stopped, a sign-up and a password change answer the documented 503
// and change nothing.
func TestAPIAccountCallsWhenRedisFails(t *testing.T) {
	redis := testkit.StartRedis(t)
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		testAccountCallsWhenRedisFails(t, ta, redis)
	}, apptest.WithConfig(func(cfg *config.Config) { cfg.SessionStore = redis.URL() }))
}

func testAccountCallsWhenRedisFails(t *testing.T, ta *apptest.App, redis *testkit.Redis) {
	pair := signUpApp(t, ta, map[string]string{"name": "Ren", "email": "ren@example.com", "password": apptest.Password})
	redis.Stop()
	for _, try := range []struct {
		name string
		res  func() apiResponse
	}{
		{"sign-up", func() apiResponse {
			return call(ta, fiber.MethodPost, "/api/v1/accounts", map[string]string{"name": "Ren", "email": "ren2@example.com", "password": apptest.Password}, "")
		}},
		{"password change", func() apiResponse {
			return call(ta, fiber.MethodPut, "/api/v1/me/password", map[string]string{"current_password": apptest.Password, "new_password": "rye-after-the-storm-3"}, pair.AccessToken)
		}},
	} {
		res := try.res()
		res.problem(t, fiber.StatusServiceUnavailable)
		if res.Header.Get(fiber.HeaderRetryAfter) == "" {
			t.Errorf("%s: a 503 without Retry-After", try.name)
		}
	}
	redis.Start()
	if countUsers(ta, "ren2@example.com") != 0 {
		t.Error("the sign-up refused with 503 made the account")
	}
	signInApp(t, ta, "ren@example.com", apptest.Password)
}

// TestAPIUpdateMe: the name and the language change, each alone or
// together; the website shows the change; a field that breaks a rule is
// 422 naming it and nothing changes.
func TestAPIUpdateMe(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		u := newAppUser(t, ta, "Noa")
		access := u.pair.AccessToken
		patch := func(body any, opts ...apiOption) apiResponse {
			return call(ta, fiber.MethodPatch, "/api/v1/me", body, access, opts...)
		}
		changed := func(body any) apiAccount {
			t.Helper()
			res := patch(body)
			if res.StatusCode != fiber.StatusOK {
				t.Fatalf("PATCH %v = %d: %s", body, res.StatusCode, res.Text)
			}
			var a apiAccount
			res.decode(t, &a)
			if got := meAccount(t, ta, access); got != a {
				t.Errorf("PATCH answered %+v, GET /me says %+v", a, got)
			}
			return a
		}

		if a := changed(map[string]string{"name": "  Noa Kim  "}); a.Name != "Noa Kim" || a.Language != "en" || a.Email != u.email || !a.EmailVerified {
			t.Errorf("after the name: %+v", a)
		}
		if page := u.b.Get("/account"); !strings.Contains(page.Text, "Noa Kim") {
			t.Error("the website does not show the new name")
		}
		if a := changed(map[string]string{"language": "ko"}); a.Name != "Noa Kim" || a.Language != "ko" {
			t.Errorf("after the language: %+v", a)
		}
		// The website speaks Korean to the account from its next sign-in
		// (a session keeps the language it signed in with), and so does
		// its mail.
		web := ta.Browser()
		web.LogIn(u.email, apptest.Password, nil)
		if page := web.Get("/account"); !strings.Contains(page.Text, `<html lang="ko">`) {
			t.Error("the website does not speak the account's new language")
		}
		call(ta, fiber.MethodPost, "/api/v1/auth/forgot", map[string]string{"email": u.email}, "")
		ta.IssueResetLinks()
		if mail := ta.MailTo(u.email, models.MailPasswordReset); len(mail) != 1 || !hangul(mail[0]) {
			t.Errorf("the reset email is not in Korean: %q", mail)
		}
		if a := changed(map[string]string{"name": "노아", "language": "en"}); a.Name != "노아" || a.Language != "en" {
			t.Errorf("after both: %+v", a)
		}
		if a := changed(jsonBody(`{}`)); a.Name != "노아" || a.Language != "en" {
			t.Errorf("after nothing: %+v", a)
		}
		if a := changed(jsonBody(`{"name":null,"language":null}`)); a.Name != "노아" || a.Language != "en" {
			t.Errorf("after nulls: %+v", a)
		}

		refusals := []struct {
			body   any
			status int
			fields string
		}{
			{jsonBody(`{"name":""}`), 422, "name"},
			{jsonBody(`{"name":"   "}`), 422, "name"},
			{jsonBody(`{"name":"Noa\nKim"}`), 422, "name"},
			{jsonBody(`{"name":"` + strings.Repeat("n", 101) + `"}`), 422, "name"},
			{jsonBody(`{"name":"Noa\u0000"}`), 422, "name"},
			{jsonBody(`{"language":"fr"}`), 422, "language"},
			{jsonBody(`{"language":"KO"}`), 422, "language"},
			{jsonBody(`{"language":""}`), 422, "language"},
			{jsonBody(`{"name":"","language":"fr"}`), 422, "name, language"},
			{jsonBody(`{"name":"Valid","language":"fr"}`), 422, "language"}, // nothing changes, the name neither
			{jsonBody(`{"email":"someone-else@example.com"}`), 400, ""},
			{jsonBody(`{"name":42}`), 400, ""},
			{jsonBody(`["name"]`), 400, ""},
			{rawBody{"text/plain", `{"name":"Plain"}`}, 415, ""},
			{jsonBody(`{"name":"` + strings.Repeat("n", 17<<10) + `"}`), 413, ""},
		}
		for _, tt := range refusals {
			p := patch(tt.body).problem(t, tt.status)
			if got := joinFields(p.fields()); got != tt.fields {
				t.Errorf("%v: errors name %q, want %q", tt.body, got, tt.fields)
			}
		}
		if a := meAccount(t, ta, access); a.Name != "노아" || a.Language != "en" || a.Email != u.email {
			t.Errorf("refused changes changed the account: %+v", a)
		}
		// The words of a refusal follow Accept-Language.
		p := patch(jsonBody(`{"name":""}`), inLanguage("ko")).problem(t, fiber.StatusUnprocessableEntity)
		if !hangul(p.Title) || !strings.Contains(p.Errors[0].Message, "이름을 입력해 주세요") {
			t.Errorf("Korean refusal: %+v", p)
		}
	})
}

// TestAPIAccountCallsNeedASignIn: every call about the signed-in account
// without an access token, or with one that is no longer good, is 401.
func TestAPIAccountCallsNeedASignIn(t *testing.T) {
	apptest.EachDatabase(t, testAccountCallsNeedASignIn)
}

func testAccountCallsNeedASignIn(t *testing.T, ta *apptest.App) {
	u := newAppUser(t, ta, "Uri")
	stale := u.pair.AccessToken
	call(ta, fiber.MethodDelete, "/api/v1/me/sessions", nil, stale) // ends every sign-in, so stale is refused
	calls := []struct {
		method, path string
		body         any
	}{
		{fiber.MethodPatch, "/api/v1/me", map[string]string{"name": "Eve"}},
		{fiber.MethodPut, "/api/v1/me/password", map[string]string{"current_password": apptest.Password, "new_password": "eves-own-loaf-9"}},
		{fiber.MethodPost, "/api/v1/me/verification", nil},
		{fiber.MethodGet, "/api/v1/me/sessions", nil},
		{fiber.MethodDelete, "/api/v1/me/sessions", nil},
		{fiber.MethodDelete, "/api/v1/me/sessions/app-1", nil},
		{fiber.MethodPost, "/api/v1/orders/CR-2222222222/cancel", nil},
	}
	for _, c := range calls {
		for _, token := range []string{"", stale} {
			res := call(ta, c.method, c.path, c.body, token)
			res.problem(t, fiber.StatusUnauthorized)
			if !strings.HasPrefix(res.Header.Get(fiber.HeaderWWWAuthenticate), `Bearer realm="crumb"`) {
				t.Errorf("%s %s: WWW-Authenticate = %q", c.method, c.path, res.Header.Get(fiber.HeaderWWWAuthenticate))
			}
		}
	}
	if a := meAccount(t, ta, signInApp(t, ta, u.email, apptest.Password).AccessToken); a.Name != "Uri" {
		t.Errorf("refused calls changed the account: %+v", a)
	}
	if n := len(ta.MailTo(u.email, models.MailPasswordChanged)); n != 0 {
		t.Errorf("%d password changed emails", n)
	}
}

// TestAPIResendVerificationSharesTheLinkLimit: the verification link sent
// again counts with the password reset links against the address's
// hourly limit, as on the website; the answer is the same either way, in
// the request's language.
func TestAPIResendVerificationSharesTheLinkLimit(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		pair := signUpApp(t, ta, map[string]string{"name": "Lin", "email": "lin@example.com", "password": apptest.Password})
		call(ta, fiber.MethodPost, "/api/v1/auth/forgot", map[string]string{"email": "lin@example.com"}, "")
		ta.IssueResetLinks()
		// The sign-up's link and the reset link: one more goes, then none.
		var answers []string
		for range 3 {
			res := call(ta, fiber.MethodPost, "/api/v1/me/verification", nil, pair.AccessToken, inLanguage("ko"))
			speaks(t, res, "ko")
			if res.StatusCode != fiber.StatusAccepted {
				t.Fatalf("ask = %d: %s", res.StatusCode, res.Text)
			}
			answers = append(answers, res.Text)
		}
		if answers[0] != answers[2] || !strings.Contains(answers[0], "lin@example.com(으)로 새 링크를 보내 드렸어요") {
			t.Errorf("answers: %q", answers)
		}
		if n := len(ta.MailTo("lin@example.com", models.MailVerifyEmail)); n != 2 {
			t.Errorf("%d verification emails, want 2 (the sign-up's and one asked for)", n)
		}
		// Asked too often, it is refused until the minute is over.
		for range 7 {
			call(ta, fiber.MethodPost, "/api/v1/me/verification", nil, pair.AccessToken)
		}
		limited := call(ta, fiber.MethodPost, "/api/v1/me/verification", nil, pair.AccessToken, inLanguage("ko"))
		if p := limited.problem(t, fiber.StatusTooManyRequests); !hangul(p.Title) || limited.Header.Get(fiber.HeaderRetryAfter) == "" {
			t.Errorf("limited: %+v, Retry-After %q", p, limited.Header.Get(fiber.HeaderRetryAfter))
		}
		ta.Clock.Advance(time.Minute)

		// Any of the links verifies the email; asking again then says so.
		ta.Browser().VerifyEmail("lin@example.com")
		res := call(ta, fiber.MethodPost, "/api/v1/me/verification", nil, pair.AccessToken)
		if res.StatusCode != fiber.StatusAccepted || !strings.Contains(res.Text, `"email_verified":true`) || !strings.Contains(res.Text, "verified already") {
			t.Errorf("asking once verified = %d: %s", res.StatusCode, res.Text)
		}
	})
}

// cancelOrderAPI is POST /api/v1/orders/{id}/cancel.
func cancelOrderAPI(ta *apptest.App, access, id string, opts ...apiOption) apiResponse {
	ta.T.Helper()
	return call(ta, fiber.MethodPost, "/api/v1/orders/"+id+"/cancel", nil, access, opts...)
}

// TestAPICancelOrder: a placed order is cancelled once, its items back on
// the shelf (the catalog shows them) and the cancellation emailed; an
// order past that, another account's or none is refused and nothing
// moves.
func TestAPICancelOrder(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		u := newAppUser(t, ta, "Cho")
		other := newAppUser(t, ta, "Dev")
		access := u.pair.AccessToken
		pecan, baguette := ta.Stock("pecan-pie"), ta.Stock("baguette")
		place := func(key string) apiOrder {
			t.Helper()
			addToCartAPI(t, ta, access, "pecan-pie", 2)
			addToCartAPI(t, ta, access, "baguette", 1)
			res := placeOrderAPI(ta, access, key, orderRequest("cod"))
			if res.StatusCode != fiber.StatusCreated {
				t.Fatalf("order = %d: %s", res.StatusCode, res.Text)
			}
			var o apiOrder
			res.decode(t, &o)
			return o
		}
		placed := place("cancel-1")
		if ta.Stock("pecan-pie") != pecan-2 || ta.Stock("baguette") != baguette-1 {
			t.Fatal("the order did not take its stock")
		}

		res := cancelOrderAPI(ta, access, placed.ID)
		var cancelled apiOrder
		res.decode(t, &cancelled)
		if res.StatusCode != fiber.StatusOK || cancelled.ID != placed.ID || cancelled.Status != "cancelled" || len(cancelled.Items) != 2 || cancelled.Total != placed.Total {
			t.Fatalf("cancel = %d: %s", res.StatusCode, res.Text)
		}
		if ta.Stock("pecan-pie") != pecan || ta.Stock("baguette") != baguette {
			t.Errorf("stock after the cancellation: %d pecan pies, %d baguettes; want %d, %d", ta.Stock("pecan-pie"), ta.Stock("baguette"), pecan, baguette)
		}
		var shown apiProduct
		call(ta, fiber.MethodGet, "/api/v1/products/"+ta.ProductID("pecan-pie"), nil, "").decode(t, &shown)
		if shown.Stock != pecan {
			t.Errorf("the catalog shows %d pecan pies, want %d", shown.Stock, pecan)
		}
		var again apiOrder
		call(ta, fiber.MethodGet, "/api/v1/orders/"+placed.ID, nil, access).decode(t, &again)
		if again.Status != "cancelled" {
			t.Errorf("the order is %s", again.Status)
		}
		if mail := ta.MailTo(u.email, models.MailOrderCancelled); len(mail) != 1 || !strings.Contains(mail[0], placed.ID) {
			t.Errorf("cancellation emails: %q", mail)
		}
		if page := u.b.Get("/orders/" + placed.ID); !strings.Contains(strings.ToLower(page.Text), "cancelled") {
			t.Error("the website does not show the order cancelled")
		}

		// Once cancelled, or paid, shipped or delivered, it stays as it is.
		p := cancelOrderAPI(ta, access, placed.ID).problem(t, fiber.StatusConflict)
		if p.Title != "Order can no longer be cancelled" || p.Detail != "This order is cancelled already: only an order that is placed, not yet paid, can be cancelled." {
			t.Errorf("cancelled twice: %+v", p)
		}
		if ta.Stock("pecan-pie") != pecan || len(ta.MailTo(u.email, models.MailOrderCancelled)) != 1 {
			t.Error("cancelling twice returned the stock or emailed twice")
		}
		for _, status := range []string{models.StatusPaid, models.StatusShipped, models.StatusDelivered} {
			o := place("cancel-" + status)
			ta.DB.Model(&models.Order{}).Where("number = ?", o.ID).Update("status", status)
			p := cancelOrderAPI(ta, access, o.ID).problem(t, fiber.StatusConflict)
			if !strings.Contains(p.Detail, "This order is "+status+" already") {
				t.Errorf("%s: %+v", status, p)
			}
			var still apiOrder
			call(ta, fiber.MethodGet, "/api/v1/orders/"+o.ID, nil, access).decode(t, &still)
			if still.Status != status || ta.Stock("pecan-pie") != pecan-2 {
				t.Errorf("a refused cancellation of a %s order: now %s, %d pecan pies", status, still.Status, ta.Stock("pecan-pie"))
			}
			ta.SetProduct("pecan-pie", "stock", pecan)
			ta.SetProduct("baguette", "stock", baguette)
		}

		// Another account's order, and orders that do not exist.
		mine := place("cancel-mine")
		for _, id := range []string{"CR-2222222222", "cr-" + mine.ID[3:], "CR-", "abc", mine.ID + "X"} {
			cancelOrderAPI(ta, access, id).problem(t, fiber.StatusNotFound)
		}
		cancelOrderAPI(ta, other.pair.AccessToken, mine.ID).problem(t, fiber.StatusNotFound)
		var kept apiOrder
		call(ta, fiber.MethodGet, "/api/v1/orders/"+mine.ID, nil, access).decode(t, &kept)
		if kept.Status != "placed" || ta.Stock("pecan-pie") != pecan-2 {
			t.Errorf("a refused cancellation changed the order (%s) or the stock", kept.Status)
		}
	})
}

// TestAPICancelOrderOnce: the app sending the same cancellation twice at
// once cancels the order once: one 200, one 409, the stock returned once.
func TestAPICancelOrderOnce(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		u := newAppUser(t, ta, "Eun")
		access := u.pair.AccessToken
		stock := ta.Stock("apple-pie")
		addToCartAPI(t, ta, access, "apple-pie", 3)
		var o apiOrder
		placeOrderAPI(ta, access, "once-1", orderRequest("cod")).decode(t, &o)
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = cancelOrderAPI(ta, access, o.ID).StatusCode
			}()
		}
		wg.Wait()
		if statuses[0]+statuses[1] != fiber.StatusOK+fiber.StatusConflict {
			t.Errorf("statuses %v, want one 200 and one 409", statuses)
		}
		if got := ta.Stock("apple-pie"); got != stock {
			t.Errorf("%d apple pies after the cancellation, want %d", got, stock)
		}
		if n := len(ta.MailTo(u.email, models.MailOrderCancelled)); n != 1 {
			t.Errorf("%d cancellation emails", n)
		}
	})
}

// TestAPICategories: the shelves in the shop's order, each with the slug
// the product list takes, named in the request's language; a shelf moved
// in the shop moves in the list.
func TestAPICategories(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		type shelf struct{ Slug, Name string }
		list := func(lang string) []shelf {
			t.Helper()
			res := call(ta, fiber.MethodGet, "/api/v1/categories", nil, "", inLanguage(lang))
			if res.StatusCode != fiber.StatusOK {
				t.Fatalf("categories = %d: %s", res.StatusCode, res.Text)
			}
			speaks(t, res, lang)
			var out struct {
				Items []shelf `json:"items"`
			}
			res.decode(t, &out)
			return out.Items
		}
		slugs := func(items []shelf) string {
			var out []string
			for _, c := range items {
				out = append(out, c.Slug)
			}
			return strings.Join(out, " ")
		}
		en, ko := list("en"), list("ko")
		if got := slugs(en); got != "bread pastries cakes biscuits tarts savory" || slugs(ko) != got {
			t.Errorf("categories %q in English, %q in Korean", got, slugs(ko))
		}
		total := 0
		for i, c := range en {
			var stored models.Category
			ta.DB.Where("slug = ?", c.Slug).Take(&stored)
			if c.Name != stored.Name || ko[i].Name != stored.In(models.Korean).Name || !hangul(ko[i].Name) {
				t.Errorf("%s is named %q and %q, the shop says %q and %q", c.Slug, c.Name, ko[i].Name, stored.Name, stored.NameKo)
			}
			var page productPage
			call(ta, fiber.MethodGet, "/api/v1/products?per_page=100&category="+c.Slug, nil, "").decode(t, &page)
			if page.Total == 0 {
				t.Errorf("no products in %s", c.Slug)
			}
			total += page.Total
		}
		var all productPage
		call(ta, fiber.MethodGet, "/api/v1/products", nil, "").decode(t, &all)
		if total != all.Total {
			t.Errorf("the categories hold %d products, the shop %d", total, all.Total)
		}

		ta.DB.Model(&models.Category{}).Where("slug = ?", "savory").Update("position", -1)
		if err := ta.Catalog.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := slugs(list("ko")); got != "savory bread pastries cakes biscuits tarts" {
			t.Errorf("after moving savory first: %q", got)
		}
	})
}

// TestAPISignUpTwiceAtOnce: the same sign-up sent twice at once (a
// double tap) makes one account: one 201 and one 409.
func TestAPISignUpTwiceAtOnce(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		for round := range 3 {
			email := fmt.Sprintf("tap%d@example.com", round)
			statuses := make([]int, 2)
			var wg sync.WaitGroup
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = call(ta, fiber.MethodPost, "/api/v1/accounts", map[string]string{"name": "Tap", "email": email, "password": apptest.Password}, "").StatusCode
				}()
			}
			wg.Wait()
			if statuses[0]+statuses[1] != fiber.StatusCreated+fiber.StatusConflict {
				t.Errorf("round %d: statuses %v, want one 201 and one 409", round, statuses)
			}
			if n := countUsers(ta, email); n != 1 {
				t.Errorf("round %d: %d accounts", round, n)
			}
		}
	})
}
