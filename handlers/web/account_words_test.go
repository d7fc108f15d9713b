package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/config"
	"crumb/internal/apptest"
	"crumb/models"
)

var (
	markup = regexp.MustCompile(`(?s)<[^>]*>`)
	// said are the attributes a screen reader or a browser shows.
	said = regexp.MustCompile(`(?:aria-label|placeholder|title|alt)="([^"]*)"`)
	// mailContent is what the outbox page shows of an email itself: the
	// mail's words, not the page's.
	mailContent = regexp.MustCompile(`(?s)<h2 id="mail-[^>]*>.*?</h2>|<pre class="mail-text">.*?</pre>|<ul class="mail-links">.*?</ul>`)
	latinWord   = regexp.MustCompile(`[A-Za-z]+`)
	hangul      = regexp.MustCompile(`\p{Hangul}`)
	// A moment as each language writes it (see i18n.When).
	moment = map[models.Language]*regexp.Regexp{
		models.English: regexp.MustCompile(`\d{1,2} [A-Z][a-z]{2} \d{4}, \d{1,2}:\d{2} [AP]M`),
		models.Korean:  regexp.MustCompile(`\d{4}년 \d{1,2}월 \d{1,2}일 오[전후] \d{1,2}:\d{2}`),
	}
)

// readable is what a person reads of a page's own content, its <main>
// (the layout around it is another page's words): the text, a one-time
// message included, and what its controls say.
func readable(t *testing.T, page string) string {
	t.Helper()
	start, end := strings.Index(page, `<main`), strings.Index(page, `</main>`)
	if start < 0 || end < start {
		t.Fatal("a page without <main>")
	}
	main := mailContent.ReplaceAllString(page[start:end], " ")
	text := []string{markup.ReplaceAllString(main, " ")}
	for _, m := range said.FindAllStringSubmatch(main, -1) {
		text = append(text, m[1])
	}
	return html.UnescapeString(strings.Join(text, " "))
}

// reads checks a page as a reader of l finds it: in l, titled title,
// showing each of want, and without a word of the other language. On a
// Korean page that is any word in Latin letters but the brand, "IP" and
// those of allowed (what the shopper typed, the device labels, the
// outbox's settings).
func reads(t *testing.T, l models.Language, res apptest.Response, title string, want []string, allowed ...string) {
	t.Helper()
	if got := lang(t, res); got != string(l) {
		t.Fatalf("a page in %q, want %q", got, l)
	}
	if title != "" && !strings.Contains(res.Text, "<title>"+htmlEscape(title)+" · Crumb</title>") {
		t.Errorf("the page is not titled %q", title)
	}
	text := readable(t, res.Text)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
	if l == models.English {
		if hangul.MatchString(text) {
			t.Errorf("Korean on the English page: %s", strings.Join(strings.Fields(text), " "))
		}
		return
	}
	for _, a := range append(allowed, "Crumb", "IP") {
		text = strings.ReplaceAll(text, a, " ")
	}
	if words := latinWord.FindAllString(text, -1); len(words) > 0 {
		t.Errorf("English left on the Korean page: %q", words)
	}
}

// TestTheAccountPagesInBothLanguages walks a shopper through every
// account page, once in English and once in Korean: each page, its
// notices and its form errors are in the shopper's language, every word
// of it, and the English pages read as they always did.
func TestTheAccountPagesInBothLanguages(t *testing.T) {
	// Device labels name a browser in English (sessions.DeviceLabel, and
	// the app's sign-in in handlers/api).
	const device, app = "Firefox on Windows", "Crumb app (Firefox on Windows)"
	const agent = "Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/133.0"
	for _, l := range models.Languages {
		t.Run(string(l), func(t *testing.T) {
			ta := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.AuthAttemptsPerMinute = 1000 }))
			name := map[models.Language]string{models.English: "Ana", models.Korean: "김민지"}[l]
			email, newEmail := "minji@example.com", "minji.kim@example.com"
			browser := func() *apptest.Browser {
				b := ta.Browser()
				b.Headers = http.Header{"Accept-Language": {string(l)}, "User-Agent": {agent}}
				return b
			}
			b := browser()
			resetLink := ""
			steps := []struct {
				name   string
				do     func() apptest.Response
				status int       // a redirect's page is read where it goes
				title  [2]string // in English, in Korean
				en, ko []string
			}{
				{"an empty outbox", func() apptest.Response { return b.Get("/dev/mail") }, 200,
					[2]string{"Mail (development)", "메일 (개발용)"},
					[]string{"Mail (development)", "The outbox is empty."},
					[]string{"메일 (개발용)", "보낼 메일함이 비어 있습니다."}},
				{"a verification link that no longer works, signed out", func() apptest.Response { return b.Get("/account/verify?token=nonsense") }, 410,
					[2]string{"This link no longer works", "더 이상 쓸 수 없는 링크입니다"},
					[]string{"This link no longer works", "Sign in, and your account page sends you a new link.", "Sign in"},
					[]string{"더 이상 쓸 수 없는 링크입니다", "로그인하시면 내 계정 페이지에서 새 링크를 받으실 수 있습니다.", "로그인"}},
				{"the sign-in form", func() apptest.Response { return b.Get("/login") }, 200,
					[2]string{"Sign in", "로그인"},
					[]string{"Sign in", "Email", "Password", "Forgot your password?", "Keep me signed in on this device", "Remember my email", "New here?", "Create an account"},
					[]string{"로그인", "이메일", "비밀번호", "비밀번호 찾기", "자동 로그인", "아이디 저장", "처음 오셨나요?", "회원가입"}},
				{"the sign-up form", func() apptest.Response { return b.Get("/signup") }, 200,
					[2]string{"Create your account", "회원가입"},
					[]string{"Create your account", "Name", "At least 8 characters. Avoid common passwords.", "Keep me signed in on this device", "Create account", "Already have an account?"},
					[]string{"회원가입", "이름", "8자 이상으로 정해 주세요.", "자동 로그인", "가입하기", "이미 회원이신가요?"}},
				{"a sign-up with a bad email", func() apptest.Response {
					return b.Post("/signup", url.Values{"name": {name}, "email": {"not-an-email"}, "password": {apptest.Password}})
				}, 422, [2]string{"Create your account", "회원가입"},
					[]string{"Please fix the fields marked below.", "Enter an email address like name@example.com."},
					[]string{"아래 표시된 항목을 확인해 주세요.", "name@example.com 같은 이메일 주소를 입력해 주세요."}},
				{"a sign-up", func() apptest.Response {
					return b.Post("/signup", url.Values{"name": {name}, "email": {email}, "password": {apptest.Password}, "remember_me": {"1"}})
				}, 303, [2]string{"Your account", "내 계정"},
					[]string{"Hello, Ana", "Signed in as minji@example.com.", "Your email address is not confirmed yet.", "Follow the link we emailed to minji@example.com before your first order.",
						"Send the link again", "Recent orders", "You have no orders yet.", "Find something fresh", "Security", "Devices and sessions", "Change email", "New email", "Change password", "Current password", "New password"},
					[]string{"김민지님, 안녕하세요", "minji@example.com 계정으로 로그인되어 있습니다.", "아직 이메일 인증을 하지 않으셨습니다.", "첫 주문 전에 minji@example.com 주소로 보내 드린 링크를 눌러 인증해 주세요.",
						"인증 링크 다시 받기", "최근 주문", "아직 주문 내역이 없습니다.", "갓 구운 빵을 둘러보세요", "보안", "로그인 기기 관리", "이메일 변경", "새 이메일", "비밀번호 변경", "현재 비밀번호", "새 비밀번호"}},
				{"a wrong password and a short new one", func() apptest.Response {
					return b.Post("/account/password", url.Values{"password": {"not-my-password-1"}, "new_password": {"short"}})
				}, 422, [2]string{"Your account", "내 계정"},
					[]string{"Your current password is wrong.", "Use at least 8 characters for your password."},
					[]string{"현재 비밀번호가 맞지 않습니다.", "비밀번호는 8자 이상으로 설정해 주세요."}},
				{"a new verification link", func() apptest.Response { return b.Post("/account/verify", url.Values{"next": {"/account"}}) }, 303,
					[2]string{"Your account", "내 계정"},
					[]string{"We are sending a new link to minji@example.com. It works once, for 24 hours.", "at most 3 links an hour"},
					[]string{"minji@example.com 주소로 새 링크를 보내 드리고 있습니다.", "한 시간에 3번까지만"}},
				{"a verification link that no longer works", func() apptest.Response { return b.Get("/account/verify?token=nonsense") }, 410,
					[2]string{"This link no longer works", "더 이상 쓸 수 없는 링크입니다"},
					[]string{"This link no longer works", "A link to confirm your email works once, for 24 hours", "Send me a new link"},
					[]string{"더 이상 쓸 수 없는 링크입니다", "이메일 인증 링크는 24시간 동안", "새 링크 받기"}},
				{"the verification link", func() apptest.Response { return b.Get(apptest.VerifyPath(ta.VerifyLink(email))) }, 303,
					[2]string{"Your account", "내 계정"},
					[]string{"Thank you: your email address is confirmed. You can place orders now.", "Email confirmed"},
					[]string{"감사합니다. 이메일 인증이 끝났습니다. 이제 주문하실 수 있습니다.", "이메일 인증 완료"}},
				{"a used link, confirmed", func() apptest.Response { return b.Get("/account/verify?token=nonsense") }, 410,
					[2]string{"Your email is confirmed", "이메일 인증이 끝났습니다"},
					[]string{"Your email is confirmed", "there is nothing more to do", "Your account", "Your cart"},
					[]string{"이메일 인증이 끝났습니다", "더 하실 일은 없습니다", "내 계정", "장바구니"}},
				{"a new link, confirmed", func() apptest.Response { return b.Post("/account/verify", url.Values{"next": {"/account"}}) }, 303,
					[2]string{"Your account", "내 계정"},
					[]string{"Your email address is confirmed already: there is nothing more to do."},
					[]string{"이메일 인증은 이미 끝났습니다. 더 하실 일은 없습니다."}},
				{"another account's link", func() apptest.Response {
					browser().SignUp("Cy", "cy@example.com", apptest.Password, nil)
					return b.Get(apptest.VerifyPath(ta.VerifyLink("cy@example.com")))
				}, 303, [2]string{"Your account", "내 계정"},
					[]string{"Thank you: cy@example.com is confirmed. This browser is still signed in as " + name + "."},
					[]string{"감사합니다. cy@example.com 주소 인증이 끝났습니다. 이 브라우저는 지금 " + name + "님 계정으로 로그인되어 있습니다."}},
				{"the devices page, resumed on a remembered device", func() apptest.Response {
					if res := browser().LogIn(email, apptest.Password, nil); res.StatusCode != 303 {
						t.Fatalf("a second sign-in = %d", res.StatusCode)
					}
					if res := browser().PostJSON("/api/v1/auth/token", map[string]string{"email": email, "password": apptest.Password}); res.StatusCode != 200 {
						t.Fatalf("the app's sign-in = %d", res.StatusCode)
					}
					if err := ta.Users.RecordTheft(t.Context(), user(t, ta, email).ID, models.TheftRemember, "203.0.113.9", ta.Clock.Now()); err != nil {
						t.Fatal(err)
					}
					b.CloseBrowser()
					return b.Get("/account/security")
				}, 200, [2]string{"Devices and sessions", "로그인 기기 관리"},
					[]string{"Devices and sessions", "Everywhere your account is signed in.", "Signed-in browsers", "This browser", "Kept signed in", "· signed in ", "· last seen ",
						"Devices that keep you signed in", "This device", "· since ", "· last used ", "Forget", "The Crumb app", "stops working within 15 minutes",
						"Security events", "A copy of your remember-me cookie was used", "· from IP 203.0.113.9 · every session, device and app sign-in was signed out",
						"Sign out everywhere else", "Your password", "You were kept signed in, so please confirm it's you."},
					[]string{"로그인 기기 관리", "Windows의 Firefox", "Crumb 앱 (Windows의 Firefox)", "내 계정이 로그인되어 있는 곳입니다.", "로그인된 브라우저", "지금 이 브라우저", "자동 로그인", "· 로그인 ", "· 최근 접속 ",
						"자동 로그인된 기기", "지금 이 기기", "· 등록 ", "· 최근 사용 ", "자동 로그인 해제", "Crumb 앱", "15분 안에",
						"보안 알림", "복제된 자동 로그인 쿠키가 사용되었습니다", "· IP 203.0.113.9 · 모든 브라우저, 기기, 앱에서 로그아웃했습니다",
						"다른 곳에서 모두 로그아웃", "현재 비밀번호", "자동 로그인으로 접속 중이니 본인 확인을 해 주세요."}},
				{"signing out everywhere without the password", func() apptest.Response { return b.Post("/account/security/revoke-all", nil) }, 422,
					[2]string{"Devices and sessions", "로그인 기기 관리"},
					[]string{"Enter your password to confirm it's you."},
					[]string{"본인 확인을 위해 비밀번호를 입력해 주세요."}},
				{"signing out nothing", func() apptest.Response {
					return b.Post("/account/security/revoke", url.Values{"kind": {"nonsense"}, "id": {"1"}})
				}, 422, [2]string{"Devices and sessions", "로그인 기기 관리"},
					[]string{"Choose a session or a device to sign out."},
					[]string{"로그아웃할 세션이나 기기를 선택해 주세요."}},
				{"signing out what is signed out", func() apptest.Response {
					return b.Post("/account/security/revoke", url.Values{"kind": {"device"}, "id": {"999"}})
				}, 422, [2]string{"Devices and sessions", "로그인 기기 관리"},
					[]string{"That session or device is already signed out."},
					[]string{"이미 로그아웃된 세션이나 기기입니다."}},
				{"signing out everywhere else", func() apptest.Response {
					return b.Post("/account/security/revoke-all", url.Values{"password": {apptest.Password}})
				}, 200, [2]string{"Devices and sessions", "로그인 기기 관리"},
					[]string{"Every other session, device and app is signed out.", "The app is not signed in anywhere."},
					[]string{"다른 모든 세션, 기기, 앱에서 로그아웃했습니다.", "로그인된 앱이 없습니다."}},
				{"an email taken", func() apptest.Response {
					ta.VerifiedAccount("Bo", "bo@example.com")
					return b.Post("/account/email", url.Values{"email": {"bo@example.com"}, "password": {apptest.Password}})
				}, 422, [2]string{"Your account", "내 계정"},
					[]string{"Another account uses that email."},
					[]string{"다른 계정에서 이미 쓰고 있는 이메일입니다."}},
				{"the same email", func() apptest.Response {
					return b.Post("/account/email", url.Values{"email": {email}, "password": {apptest.Password}})
				}, 200, [2]string{"Your account", "내 계정"},
					[]string{"Your email is minji@example.com already."},
					[]string{"이미 minji@example.com 주소로 등록되어 있습니다."}},
				{"a new email", func() apptest.Response {
					return b.Post("/account/email", url.Values{"email": {newEmail}, "password": {apptest.Password}})
				}, 200, [2]string{"Your account", "내 계정"},
					[]string{"Your email is now minji.kim@example.com. We emailed a link to it"},
					[]string{"이메일을 minji.kim@example.com 주소로 바꿨습니다."}},
				{"a sign-in after a theft, with a cart from before", func() apptest.Response {
					b.Post("/logout", nil)
					b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
					return b.LogIn(newEmail, apptest.Password, url.Values{"remember_email": {"1"}})
				}, 303, [2]string{"Your account", "내 계정"},
					[]string{`Someone used a copy of your "keep me signed in" cookie`, "1 item from your earlier visit was added to your cart."},
					[]string{"자동 로그인 쿠키나 앱 로그인 정보를 복제해", "지난번 방문 때 담아 두신 상품 1개를 장바구니에 넣었습니다."}},
				{"the sign-in form with the email remembered", func() apptest.Response {
					b.Post("/logout", nil)
					return b.Get("/login")
				}, 200, [2]string{"Sign in", "로그인"},
					[]string{"Not you? Forget this email"},
					[]string{"본인이 아니신가요? 저장된 아이디 지우기"}},
				{"a wrong password", func() apptest.Response { return b.LogIn(newEmail, "not-my-password-1", nil) }, 422,
					[2]string{"Sign in", "로그인"},
					[]string{"The email or password is wrong. Check them and try again."},
					[]string{"이메일 또는 비밀번호가 맞지 않습니다. 다시 확인해 주세요."}},
				{"a disabled account", func() apptest.Response {
					now := ta.Clock.Now()
					if _, err := ta.Users.SetDisabled(t.Context(), user(t, ta, "bo@example.com").ID, &now); err != nil {
						t.Fatal(err)
					}
					return b.LogIn("bo@example.com", apptest.Password, nil)
				}, 403, [2]string{"Sign in", "로그인"},
					[]string{"This account is disabled. If you think that is a mistake, contact the bakery."},
					[]string{"이용이 중지된 계정입니다. 잘못된 일이라고 생각되시면 빵집으로 연락해 주세요."}},
				{"the forgotten password form", func() apptest.Response { return b.Get("/password/forgot") }, 200,
					[2]string{"Forgot your password?", "비밀번호 찾기"},
					[]string{"Forgot your password?", "Enter the email of your account", "Send me a link", "Remembered it?"},
					[]string{"비밀번호 찾기", "가입하신 이메일 주소를 입력하시면", "링크 받기", "비밀번호가 생각나셨나요?"}},
				{"a reset link asked for a bad email", func() apptest.Response { return forgot(b, "minji-at-example") }, 422,
					[2]string{"Forgot your password?", "비밀번호 찾기"},
					[]string{"Enter an email address like name@example.com."},
					[]string{"name@example.com 같은 이메일 주소를 입력해 주세요."}},
				{"a reset link asked for", func() apptest.Response { return forgot(b, newEmail) }, 200,
					[2]string{"Check your email", "이메일을 확인해 주세요"},
					[]string{"Check your email", "If an account uses minji.kim@example.com, we are sending it a link", "The link works once, for 30 minutes.", "Ask again", "Back to sign in"},
					[]string{"이메일을 확인해 주세요", "minji.kim@example.com 주소로 가입된 계정이 있다면", "링크는 30분 동안 한 번만", "다시 요청하기", "로그인으로 돌아가기"}},
				{"a reset link that no longer works", func() apptest.Response { return b.Get("/password/reset?token=nonsense") }, 410,
					[2]string{"This link no longer works", "더 이상 쓸 수 없는 링크입니다"},
					[]string{"This link no longer works", "A password reset link works once, for 30 minutes"},
					[]string{"더 이상 쓸 수 없는 링크입니다", "비밀번호 재설정 링크는 30분 동안"}},
				{"the reset link", func() apptest.Response {
					resetLink = apptest.ResetPath(ta.ResetLink(newEmail))
					return b.Get(resetLink)
				}, 200, [2]string{"Choose a new password", "새 비밀번호 설정"},
					[]string{"Choose a new password", "For the account minji.kim@example.com.", "New password", "Save the new password"},
					[]string{"새 비밀번호 설정", "minji.kim@example.com 계정의 새 비밀번호입니다.", "새 비밀번호", "새 비밀번호 저장"}},
				{"a short new password", func() apptest.Response { return reset(b, resetLink, "short") }, 422,
					[2]string{"Choose a new password", "새 비밀번호 설정"},
					[]string{"Use at least 8 characters for your password."},
					[]string{"비밀번호는 8자 이상으로 설정해 주세요."}},
				{"a new password", func() apptest.Response { return reset(b, resetLink, newPassword) }, 303,
					[2]string{"Your account", "내 계정"},
					[]string{"Your password is changed, and every other browser, device and app is signed out."},
					[]string{"비밀번호를 바꿨습니다. 다른 브라우저, 기기, 앱은 모두 로그아웃되었습니다."}},
				{"the outbox", func() apptest.Response { return b.Get("/dev/mail") }, 200,
					[2]string{"Mail (development)", "메일 (개발용)"},
					[]string{"The newest 50 emails in the outbox, as they would be sent: SMTP_URL is not set", "To ", "· queued ", "· not sent", "The HTML part"},
					[]string{"보낼 메일함의 최근 메일 50통", "받는 사람", "· 등록 ", "· 보내지 않음", "HTML 본문"}},
			}
			dated := map[string]bool{"the devices page, resumed on a remembered device": true, "the outbox": true}
			for _, s := range steps {
				t.Run(s.name, func(t *testing.T) {
					res := s.do()
					if res.StatusCode != s.status {
						t.Fatalf("status %d, want %d", res.StatusCode, s.status)
					}
					if res.StatusCode == fiber.StatusSeeOther {
						res = b.Get(res.Header.Get("Location"))
					}
					title, want := s.title[0], s.en
					if l == models.Korean {
						title, want = s.title[1], s.ko
					}
					if dated[s.name] && !moment[l].MatchString(readable(t, res.Text)) {
						t.Errorf("no moment written as %s writes it", l)
					}
					reads(t, l, res, title, want, email, newEmail, "name@example.com", "bo@example.com", "cy@example.com", app, device, "Firefox", "Windows", // browsers and systems have one name
						"SMTP_URL", "APP_ENV", "development", "HTML")
				})
			}
		})
	}
}
