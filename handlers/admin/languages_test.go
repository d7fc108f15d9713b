package admin_test

import (
	"context"
	"html"
	"maps"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/i18n"
	"crumb/internal/apptest"
	"crumb/models"
)

// koreanAdmin is a browser of an admin who signed up in Korean (the
// browser asks for it), with the password just now.
func koreanAdmin(t *testing.T, ta *apptest.App) *apptest.Browser {
	t.Helper()
	b := ta.Browser()
	b.Headers.Set(fiber.HeaderAcceptLanguage, "ko-KR,ko;q=0.9")
	b.SignUp("김민지", "minji@example.com", apptest.Password, nil)
	if err := ta.DB.Model(&models.User{}).Where("email = ?", "minji@example.com").Update("role", models.RoleAdmin).Error; err != nil {
		t.Fatal(err)
	}
	return b
}

// backOfficeData is a back office with something on every page: two
// orders (one paid by the Korean admin), a customer signed in on a
// browser, a remembered device and the app, a stolen cookie presented
// again, and one of the customer's sign-ins ended.
func backOfficeData(t *testing.T, ta *apptest.App, ko *apptest.Browser) (paid, customer string) {
	t.Helper()
	placeOrder(t, ta, "vic@example.com", "baguette", 1, "cod")
	_, paid = placeOrder(t, ta, "uma@example.com", "baguette", 2, "cod")
	if res := ko.Post("/admin/orders/"+paid+"/status", url.Values{"status": {"paid"}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("-> paid = %d", res.StatusCode)
	}
	ta.Browser().LogIn("uma@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	signInAppOf(t, ta, "uma@example.com")
	customer = customerID(t, ko, "uma@example.com")
	var u models.User
	if err := ta.DB.Where("email = ?", "uma@example.com").Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	if err := ta.Users.RecordTheft(context.Background(), u.ID, models.TheftRemember, "203.0.113.9", ta.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`name="kind" value="session">\s*<input type="hidden" name="id" value="([0-9a-f]+)"`).
		FindStringSubmatch(ko.Get("/admin/customers/" + customer).Text)
	if key == nil {
		t.Fatal("the customer has no session to end")
	}
	if res := ko.Post("/admin/customers/"+customer+"/revoke", url.Values{"kind": {"session"}, "id": {key[1]}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("end a session = %d", res.StatusCode)
	}
	return paid, customer
}

// words are what a back-office page says in each language.
type words struct{ en, ko []string }

// speaks checks that page, in lang, has every word of its language and
// none of the other's.
func speaks(t *testing.T, path string, lang models.Language, page string, w words) {
	t.Helper()
	page = html.UnescapeString(page)
	want, not := w.en, w.ko
	if lang == models.Korean {
		want, not = w.ko, w.en
	}
	for _, s := range want {
		if !strings.Contains(page, s) {
			t.Errorf("%s in %s lacks %q", path, lang, s)
		}
	}
	for _, s := range not {
		if strings.Contains(page, s) {
			t.Errorf("%s in %s says %q", path, lang, s)
		}
	}
}

// everyPage are the words of the layout, on every page.
var everyPage = words{
	en: []string{`<html lang="en">`, i18n.T(models.English, "layout.skip"), "Back office", "The shop", i18n.T(models.English, "layout.signout"), ">Today</a>", ">Products</a>", ">Audit log</a>", " · Crumb back office</title>"},
	ko: []string{`<html lang="ko">`, i18n.T(models.Korean, "layout.skip"), "관리자 페이지", "쇼핑몰 보기", i18n.T(models.Korean, "layout.signout"), ">오늘</a>", ">상품</a>", ">작업 기록</a>", " · Crumb 관리자</title>"},
}

// TestBackOfficeSpeaksTheAdminsLanguage: every back-office page, asked
// for by an admin whose language is Korean, is in Korean without the
// English words; the same pages for an English admin read as before.
func TestBackOfficeSpeaksTheAdminsLanguage(t *testing.T) {
	ta := apptest.New(t)
	ko := koreanAdmin(t, ta)
	en := owner(t, ta)
	number, customer := backOfficeData(t, ta, ko)
	pages := map[string]words{
		"/admin": {
			en: []string{">Today</h1>", "Orders placed today", "Worth", "(cancelled orders left out).", "Waiting for the next step",
				"1 placed</a>, to be paid", "1 paid</a>, to be shipped", "Low on stock"},
			ko: []string{">오늘</h1>", "오늘 들어온 주문", "(취소된 주문은 빼고 계산합니다.)", "다음 단계를 기다리는 주문",
				"주문 접수 1건</a> · 다음 단계: 결제 완료", "결제 완료 1건</a> · 다음 단계: 배송 중", "재고가 얼마 남지 않은 상품"},
		},
		"/admin/orders": {
			en: []string{">Orders</h1>", `aria-label="Order status"`, ">All</a>", ">placed</a>", ">shipped</a>", "2 orders", ">Placed</th>", ">For</th>", ">Status</th>", `">paid</span>`},
			ko: []string{">주문</h1>", `aria-label="주문 상태"`, ">전체</a>", ">주문 접수</a>", ">배송 중</a>", "주문 2건", ">주문 일시</th>", ">받는 분</th>", ">상태</th>", `">결제 완료</span>`},
		},
		"/admin/orders?status=delivered": {
			en: []string{"No orders delivered."},
			ko: []string{"배송 완료 상태인 주문이 없습니다."},
		},
		"/admin/orders/" + number: {
			en: []string{"Order " + number + "</h1>", "Placed ", "Items", "at $", "Total", "Payment: Cash on delivery", "Delivery", "Account:",
				"Move the order", "Mark shipped", "Mark cancelled", "History", "placed → paid by minji@example.com"},
			ko: []string{"주문 " + number + "</h1>", " 주문 · ", "주문 상품", "개당 US$", "합계", "결제 방법: 만나서 현금 결제", "배송지", "회원 계정:",
				"주문 상태 변경", "‘배송 중’ 상태로 변경", "‘주문 취소’ 상태로 변경", "처리 내역", "주문 접수 → 결제 완료 (minji@example.com)"},
		},
		"/admin/customers?q=uma": {
			en: []string{">Customers</h1>", "Email or name", ">Search</button>", "1 account</p>", ">Name</th>", ">Since</th>", "<td>Customer</td>"},
			ko: []string{">회원</h1>", "이메일 또는 이름", ">검색</button>", "계정 1개</p>", ">이름</th>", ">가입일</th>", "<td>일반 회원</td>"},
		},
		"/admin/customers?q=nobody": {
			en: []string{"0 accounts</p>", "No account matches."},
			ko: []string{"계정 0개</p>", "찾는 계정이 없습니다."},
		},
		"/admin/customers/" + customer + "?done=revoked": {
			en: []string{"One sign-in ended.", "since ", "Can sign in", "Access", "Sign out everywhere", "Disable the account", `">paid</span>`,
				"Signed-in browsers", "signed in ", "last seen ", "Remembered devices", "last used ", ">Forget<", " this device", "App sign-ins",
				" this app sign-in", "Security events", "a copy of the remember-me cookie was used, from IP 203.0.113.9"},
			ko: []string{"로그인 하나를 종료했습니다.", " 가입 · ", "로그인 가능", "접속 관리", "모든 기기에서 로그아웃", "계정 사용 중지", `">결제 완료</span>`,
				"로그인된 브라우저", "마지막 접속 ", "자동 로그인 기기", "마지막 사용 ", ">해제<", " – 이 기기", "앱 로그인",
				" – 이 앱 로그인", "보안 알림", "IP 203.0.113.9에서 복제된 자동 로그인 쿠키 사용이 확인되었습니다"},
		},
		"/admin/audit": {
			en: []string{">Audit log</h1>", "Everything done in the back office, newest first.", ">When</th>", ">Who</th>", ">Record</th>", ">Before</th>",
				"<td>order.status</td>", "<td>placed</td>", "<td>paid</td>", "<td>customer.revoke</td>", "<td>session</td>", "<td>ended</td>"},
			ko: []string{">작업 기록</h1>", "관리자 페이지에서 한 모든 작업을 최근 것부터 보여 줍니다.", ">일시</th>", ">작업자</th>", ">대상</th>", ">변경 전</th>",
				"<td>주문 상태 변경</td>", "<td>주문 접수</td>", "<td>결제 완료</td>", "<td>로그인 종료</td>", "<td>브라우저 로그인</td>", "<td>종료됨</td>"},
		},
	}
	for path, w := range pages {
		for lang, b := range map[models.Language]*apptest.Browser{models.English: en, models.Korean: ko} {
			res := b.Get(path)
			if res.StatusCode != fiber.StatusOK {
				t.Errorf("%s in %s = %d", path, lang, res.StatusCode)
				continue
			}
			speaks(t, path, lang, res.Text, everyPage)
			speaks(t, path, lang, res.Text, w)
			back, _, _ := strings.Cut(path, "?done=") // a one-time notice is not shown again
			if !strings.Contains(res.Text, `name="next" value="`+html.EscapeString(back)+`"`) {
				t.Errorf("%s in %s: the language switch does not lead back to it", path, lang)
			}
		}
	}
}

// TestBackOfficeRefusalsInTheAdminsLanguage: what the back office
// refuses, it says in the admin's language, and the language switch on
// the answer leads back to the page, not to the form's address.
func TestBackOfficeRefusalsInTheAdminsLanguage(t *testing.T) {
	ta := apptest.New(t)
	ko := koreanAdmin(t, ta)
	en := owner(t, ta)
	number, customer := backOfficeData(t, ta, ko)
	for _, c := range []struct {
		path   string
		form   url.Values
		status int
		back   string
		words  words
	}{
		{"/admin/orders/" + number + "/status", url.Values{"status": {"delivered"}}, fiber.StatusUnprocessableEntity, "/admin/orders/" + number, words{
			en: []string{"An order that is paid cannot become delivered."},
			ko: []string{i18n.Say(models.Korean, models.Message{Code: models.CodeOrderMove, Args: []any{"결제 완료", "배송 완료"}})},
		}},
		{"/admin/orders/" + number + "/status", url.Values{"status": {"lost"}}, fiber.StatusUnprocessableEntity, "/admin/orders/" + number, words{
			en: []string{"Choose one of the statuses offered."},
			ko: []string{"보기에 있는 상태 중에서 골라 주세요."},
		}},
		{"/admin/customers/" + customer + "/revoke", url.Values{"kind": {"cookie"}}, fiber.StatusUnprocessableEntity, "/admin/customers/" + customer, words{
			en: []string{"Choose a session, a device or an app sign-in to end."},
			ko: []string{"종료할 브라우저, 기기 또는 앱 로그인을 골라 주세요."},
		}},
		{"/admin/customers/" + customer + "/revoke", url.Values{"kind": {"device"}, "id": {"999"}}, fiber.StatusUnprocessableEntity, "/admin/customers/" + customer, words{
			en: []string{"That is already signed out."},
			ko: []string{"이미 로그아웃되었습니다."},
		}},
	} {
		for lang, b := range map[models.Language]*apptest.Browser{models.English: en, models.Korean: ko} {
			res := b.Post(c.path, maps.Clone(c.form)) // each browser with its own form token
			if res.StatusCode != c.status {
				t.Errorf("%s %v in %s = %d", c.path, c.form, lang, res.StatusCode)
			}
			speaks(t, c.path, lang, res.Text, c.words)
			if !strings.Contains(res.Text, `name="next" value="`+c.back+`"`) {
				t.Errorf("%s in %s: the language switch does not lead back to %s", c.path, lang, c.back)
			}
		}
	}
	self := regexp.MustCompile(`/admin/customers/(\d+)"`).FindStringSubmatch(ko.Get("/admin/customers?q=minji").Text)
	if self == nil {
		t.Fatal("the Korean admin is not among the customers")
	}
	if res := ko.Post("/admin/customers/"+self[1]+"/disable", nil); res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "내 계정은 사용 중지할 수 없습니다.") {
		t.Errorf("disabling one's own account, in Korean = %d", res.StatusCode)
	}
}

// TestUnlockInTheAdminsLanguage: the password check of the back office
// asks, and refuses a wrong password, in the admin's language; the
// language switch on it leads to the page asked for, and switching the
// language there changes the back office's.
func TestUnlockInTheAdminsLanguage(t *testing.T) {
	ta := apptest.New(t)
	ko := koreanAdmin(t, ta)
	ta.Clock.Advance(20 * time.Minute)
	unlock := words{
		en: []string{"Confirm it's you", "The back office asks for your password", ">Password</label>", ">Continue</button>"},
		ko: []string{"본인 확인", "최근 15분 안에 비밀번호를 입력하지 않았거나", ">비밀번호</label>", ">계속하기</button>"},
	}
	res := ko.Get("/admin/orders")
	if res.StatusCode != fiber.StatusUnauthorized {
		t.Fatalf("/admin/orders after 20 minutes = %d, want the password form", res.StatusCode)
	}
	speaks(t, "/admin/orders", models.Korean, res.Text, everyPage)
	speaks(t, "/admin/orders", models.Korean, res.Text, unlock)
	res = ko.Post("/admin/unlock", url.Values{"password": {"not-it"}, "next": {"/admin/orders"}})
	if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "비밀번호가 맞지 않습니다. 다시 입력해 주세요.") || strings.Contains(res.Text, "wrong") {
		t.Errorf("a wrong password, in Korean = %d", res.StatusCode)
	}
	if !strings.Contains(res.Text, `name="next" value="/admin/orders"`) || strings.Count(res.Text, `name="next" value="/admin/orders"`) != 2 {
		t.Error("the language switch after a wrong password does not lead to the page asked for")
	}
	if res := ko.Post("/language", url.Values{"lang": {"en"}, "next": {"/admin/orders"}}); res.StatusCode != fiber.StatusSeeOther || res.Header.Get("Location") != "/admin/orders" {
		t.Fatalf("switching to English = %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res = ko.Get("/admin/orders")
	speaks(t, "/admin/orders", models.English, res.Text, everyPage)
	speaks(t, "/admin/orders", models.English, res.Text, unlock)
	if res := ko.Post("/admin/unlock", url.Values{"password": {"not-it"}, "next": {"/admin/orders"}}); !strings.Contains(res.Text, "That password is wrong. Try again.") {
		t.Error("a wrong password, in English, is not refused in English")
	}
}
