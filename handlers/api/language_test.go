package api_test

import (
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/internal/apptest"
	"crumb/models"
)

// inLanguage sends Accept-Language: header.
func inLanguage(header string) apiOption { return withHeader(fiber.HeaderAcceptLanguage, header) }

// speaks asserts the response says it is in lang and varies by
// Accept-Language.
func speaks(t *testing.T, res apiResponse, lang string) {
	t.Helper()
	if got := res.Header.Get(fiber.HeaderContentLanguage); got != lang {
		t.Errorf("Content-Language = %q, want %q", got, lang)
	}
	if vary := res.Header.Get(fiber.HeaderVary); !strings.Contains(vary, fiber.HeaderAcceptLanguage) {
		t.Errorf("Vary = %q, want Accept-Language in it", vary)
	}
}

// hangul reports whether s holds Korean letters.
func hangul(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 })
}

// TestAPIProblemsInTheRequestLanguage sends the same bad requests in
// Korean, English and languages the shop does not speak: the words follow
// Accept-Language (English otherwise), the type, status and fields do not.
func TestAPIProblemsInTheRequestLanguage(t *testing.T) {
	ta := apptest.New(t)
	u := newAppUser(t, ta, "Mina")
	tests := []struct {
		name         string
		method, path string
		body         any
		token        string
		overNetwork  bool
		status       int
		field        string
		en           problemDoc // the English words, as they have always been
		ko           problemDoc // words the Korean has (the title exactly, if given)
	}{
		{
			name: "quantity out of range", method: "POST", path: "/api/v1/cart/items", token: u.pair.AccessToken,
			body: jsonBody(`{"product_id":2,"quantity":0}`), status: 422, field: "quantity",
			en: problemDoc{Title: "Invalid input", Detail: "Some fields are not valid; see errors.", Errors: fieldMessage("quantity must be a whole number from 1 to 99.")},
			ko: problemDoc{Title: "입력한 내용을 확인해 주세요", Detail: "errors를 확인해 주세요", Errors: fieldMessage("1부터 99까지의 정수")},
		},
		{
			name: "malformed JSON", method: "POST", path: "/api/v1/cart/items", token: u.pair.AccessToken,
			body: jsonBody(`{"product_id": 2,}`), status: 400,
			en: problemDoc{Title: "Bad request", Detail: "The body is not valid JSON (at byte 18)."},
			ko: problemDoc{Title: "잘못된 요청", Detail: "올바른 JSON이 아닙니다(18번째 바이트)"},
		},
		{
			name: "field of the wrong type", method: "POST", path: "/api/v1/cart/items", token: u.pair.AccessToken,
			body: jsonBody(`{"product_id":2,"quantity":"1"}`), status: 400,
			en: problemDoc{Title: "Bad request", Detail: `The field "quantity" must be a whole number in range.`},
			ko: problemDoc{Title: "잘못된 요청", Detail: `"quantity" 필드에는 범위 안의 정수를 넣어 주세요.`},
		},
		{
			name: "no access token", method: "GET", path: "/api/v1/cart", status: 401,
			en: problemDoc{Title: "Sign-in required", Detail: "Send an access token as Authorization: Bearer <token>."},
			ko: problemDoc{Title: "로그인이 필요해요", Detail: "Authorization: Bearer <token>"},
		},
		{
			name: "a model's input error", method: "POST", path: "/api/v1/auth/token",
			body: map[string]string{"email": "not-an-email", "password": "x"}, status: 422, field: "email",
			en: problemDoc{Title: "Invalid input", Detail: "Enter an email address like name@example.com.", Errors: fieldMessage("Enter an email address like name@example.com.")},
			ko: problemDoc{Title: "입력한 내용을 확인해 주세요", Detail: "name@example.com 같은 이메일 주소를 입력해 주세요.", Errors: fieldMessage("이메일 주소를 입력해 주세요")},
		},
		{
			// Refused by the server before any route ran; the web's words
			// for it, in Korean whatever they say.
			name: "body over the server's 64 KB", method: "POST", path: "/api/v1/cart/items", token: u.pair.AccessToken,
			body: jsonBody(`{"note":"` + strings.Repeat("a", 70<<10) + `"}`), overNetwork: true, status: 413,
			en: problemDoc{Title: "That was too much to send", Detail: "What you sent was too large. Shorten it and try again."},
		},
	}
	base := ta.Listen()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []apiOption
			if tt.overNetwork {
				opts = append(opts, overNetwork(base))
			}
			send := func(header string) problemDoc {
				t.Helper()
				res := call(ta, tt.method, tt.path, tt.body, tt.token, append(opts, inLanguage(header))...)
				p := res.problem(t, tt.status)
				if tt.field != "" && !hasField(p.fields(), tt.field) {
					t.Errorf("%s: errors name %q, want %q", header, joinFields(p.fields()), tt.field)
				}
				return p
			}
			ko := send("ko-KR,ko;q=0.9,en;q=0.5")
			en := send("en")
			if ko.Type != en.Type || ko.Status != en.Status || joinFields(ko.fields()) != joinFields(en.fields()) {
				t.Errorf("the languages differ in more than words:\nko %+v\nen %+v", ko, en)
			}
			if en.Title != tt.en.Title || en.Detail != tt.en.Detail || !sameMessages(en, tt.en, strings.EqualFold) {
				t.Errorf("English: %+v\nwant       %+v", en, tt.en)
			}
			if (tt.ko.Title != "" && ko.Title != tt.ko.Title) || !strings.Contains(ko.Detail, tt.ko.Detail) || !sameMessages(ko, tt.ko, strings.Contains) {
				t.Errorf("Korean: %+v\nwant     %+v", ko, tt.ko)
			}
			if strings.Contains(ko.Title+ko.Detail, en.Title) || !hangul(ko.Title) || !hangul(ko.Detail) {
				t.Errorf("the Korean problem is not in Korean: %+v", ko)
			}
			for _, header := range []string{"fr-FR,fr;q=0.9,de;q=0.8", "", "ko;q=nonsense\x00"} {
				other := send(header)
				if other.Title != en.Title || other.Detail != en.Detail || joinFields(other.fields()) != joinFields(en.fields()) {
					t.Errorf("Accept-Language %q: %+v, want the English %+v", header, other, en)
				}
			}
		})
	}
}

// fieldMessage is a problem's errors with one message.
func fieldMessage(msg string) []struct {
	Field   string `json:"field"`
	Message string `json:"message"`
} {
	return []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	}{{Message: msg}}
}

// sameMessages compares the messages of got's errors with want's by match.
func sameMessages(got, want problemDoc, match func(s, sub string) bool) bool {
	if len(got.Errors) != len(want.Errors) {
		return false
	}
	for i := range got.Errors {
		if !match(got.Errors[i].Message, want.Errors[i].Message) {
			return false
		}
	}
	return true
}

// TestAPISpeaksTheRequestLanguage: answers that are not problems, a cart's
// notices and the words of a refused cancellation follow Accept-Language
// too, and each names its language.
func TestAPISpeaksTheRequestLanguage(t *testing.T) {
	ta := apptest.New(t)
	ko, en := newAppUser(t, ta, "Jiwoo"), newAppUser(t, ta, "Jane")

	res := call(ta, fiber.MethodPost, "/api/v1/auth/forgot", map[string]string{"email": "jiwoo@example.com"}, "", inLanguage("ko"))
	speaks(t, res, "ko")
	if !strings.Contains(res.Text, "새 비밀번호를 정하는 링크") {
		t.Errorf("forgot in Korean: %s", res.Text)
	}
	res = call(ta, fiber.MethodPost, "/api/v1/auth/forgot", map[string]string{"email": "jane@example.com"}, "", inLanguage("en-US"))
	speaks(t, res, "en")
	if !strings.Contains(res.Text, "If an account uses this email, a link to choose a new password is on its way.") {
		t.Errorf("forgot in English: %s", res.Text)
	}
	speaks(t, call(ta, fiber.MethodGet, "/api/v1/me", nil, ko.pair.AccessToken), "en")

	// Both carts hold 3 baguettes; then only 1 is left.
	addToCartAPI(t, ta, ko.pair.AccessToken, "baguette", 3)
	addToCartAPI(t, ta, en.pair.AccessToken, "baguette", 3)
	ta.SetProduct("baguette", "stock", 1)
	var cart apiCart
	res = call(ta, fiber.MethodGet, "/api/v1/cart", nil, ko.pair.AccessToken, inLanguage("ko"))
	speaks(t, res, "ko")
	res.decode(t, &cart)
	if len(cart.Notices) != 1 || !strings.Contains(cart.Notices[0], "1개만 남아") {
		t.Errorf("Korean notices: %q", cart.Notices)
	}
	res = call(ta, fiber.MethodGet, "/api/v1/cart", nil, en.pair.AccessToken, inLanguage("en"))
	res.decode(t, &cart)
	if len(cart.Notices) != 1 || cart.Notices[0] != "Only 1 of Baguette left, so your cart has 1." {
		t.Errorf("English notices: %q", cart.Notices)
	}

	// The order cannot have 3; then it can, and once paid it can no longer
	// be cancelled (the status is the shop's word for it).
	p := call(ta, fiber.MethodPost, "/api/v1/orders", orderRequest("cod"), ko.pair.AccessToken, inLanguage("ko")).problem(t, fiber.StatusConflict)
	if p.Title != "장바구니가 바뀌었어요" || len(p.Errors) != 1 || p.Errors[0].Message != "바게트: 3개를 담으셨지만 1개만 남아 있어요." {
		t.Errorf("Korean conflict: %+v", p)
	}
	ta.SetProduct("baguette", "stock", 10)
	res = placeOrderAPI(ta, ko.pair.AccessToken, "", orderRequest("cod"))
	var placed apiOrder
	res.decode(t, &placed)
	ta.DB.Model(&models.Order{}).Where("number = ?", placed.ID).Update("status", models.StatusPaid)
	cancel := "/api/v1/orders/" + placed.ID + "/cancel"
	p = call(ta, fiber.MethodPost, cancel, nil, ko.pair.AccessToken, inLanguage("ko")).problem(t, fiber.StatusConflict)
	if p.Title != "주문을 취소할 수 없어요" || !strings.Contains(p.Detail, "이미 결제 완료 상태입니다") {
		t.Errorf("Korean refusal: %+v", p)
	}
	p = call(ta, fiber.MethodPost, cancel, nil, ko.pair.AccessToken).problem(t, fiber.StatusConflict)
	if p.Detail != "This order is paid already: only an order that is placed, not yet paid, can be cancelled." {
		t.Errorf("English refusal: %+v", p)
	}
}
