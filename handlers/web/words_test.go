package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/i18n"
	"crumb/internal/apptest"
	"crumb/models"
)

// words are what a page says in English and in Korean.
type words struct{ en, ko string }

var apostrophes = strings.NewReplacer("'", "&#39;")

// eachLanguage runs shop in English and in Korean, each with its own
// shop and a browser asking for that language.
func eachLanguage(t *testing.T, shop func(t *testing.T, ta *apptest.App, b *apptest.Browser, check func(string, apptest.Response, ...words))) {
	for _, language := range []string{"en", "ko"} {
		t.Run(language, func(t *testing.T) {
			ta := apptest.New(t)
			b := ta.Browser()
			b.Headers = http.Header{"Accept-Language": {language}}
			shop(t, ta, b, func(name string, page apptest.Response, ws ...words) {
				t.Helper()
				says(t, language, name, page, ws)
			})
		})
	}
}

// says checks that page is in lang and says each of ws in lang and none
// of them in the other language. Words are written as the page's HTML has
// them, but for apostrophes, which the templates escape.
func says(t *testing.T, language, name string, page apptest.Response, ws []words) {
	t.Helper()
	if got := lang(t, page); got != language {
		t.Errorf("%s is in %q, want %q", name, got, language)
	}
	for _, w := range ws {
		want, other := w.en, w.ko
		if language == "ko" {
			want, other = w.ko, w.en
		}
		want, other = apostrophes.Replace(want), apostrophes.Replace(other)
		if !strings.Contains(page.Text, want) {
			t.Errorf("%s lacks %q", name, want)
		}
		if strings.Contains(page.Text, other) {
			t.Errorf("%s in %s says %q", name, language, other)
		}
	}
}

func TestTheCatalogueInBothLanguages(t *testing.T) {
	eachLanguage(t, func(t *testing.T, ta *apptest.App, b *apptest.Browser, check func(string, apptest.Response, ...words)) {
		all := ta.Catalog.Search(models.ProductQuery{Page: 1, PerPage: 12})
		ta.SetProduct("pecan-pie", "stock", 3)
		ta.SetProduct("focaccia", "stock", 0)

		check("the home page", b.Get("/"),
			words{"Today's offer", "오늘의 추천"},
			words{"Our baker's pick today:", "오늘 제빵사의 추천은"},
			words{"Don't show this today", "오늘 하루 보지 않기"},
			words{`data-done="Today's offer is hidden until midnight."`, `data-done="오늘의 추천은 자정까지 보이지 않습니다."`},
			words{`class="button-link">Close<`, `class="button-link">닫기<`},
			words{"Browse everything", "전체 상품 보기"},
			words{">Featured<", ">추천 상품<"},
			words{"Shop by category", "카테고리별로 둘러보기"},
			words{`aria-label="Crumb home"`, `aria-label="Crumb 홈"`},
			words{`aria-label="Categories"`, `aria-label="카테고리"`},
			words{"Crumb is a neighbourhood bakery", "Crumb은 동네 빵집입니다"},
		)
		check("the list of products", b.Get("/products"),
			words{fmt.Sprintf("%d products", all.Total), fmt.Sprintf("상품 %d개", all.Total)},
			words{fmt.Sprintf("Page 1 of %d", all.Pages), fmt.Sprintf("%d페이지 중 1페이지", all.Pages)},
			words{`rel="next">Next<`, `rel="next">다음<`},
			words{`aria-label="Pagination"`, `aria-label="페이지 이동"`},
			words{`aria-current="page">All<`, `aria-current="page">전체<`},
		)
		check("a search for one sold-out product", b.Get("/products?q=focaccia"),
			words{">1 product<", ">상품 1개<"},
			words{`stock-out">Sold out<`, `stock-out">품절<`},
		)
		check("a search that finds nothing", b.Get("/products?q=zzzz"),
			words{"No products match “zzzz”.", "“zzzz”에 맞는 상품이 없습니다."},
			words{"Try another word, or", "다른 검색어로 찾아보시거나"},
			words{">browse everything<", ">전체 상품을 둘러보세요<"},
		)
		check("a product", b.Get("/products/baguette"),
			words{">In stock<", ">재고 있음<"},
			words{`for="quantity">Quantity<`, `for="quantity">수량<`},
			words{">Add to cart<", ">장바구니 담기<"},
			words{`data-added="Added to your cart." data-failed="Could not add that to your cart."`, `data-added="장바구니에 담았습니다." data-failed="장바구니에 담지 못했습니다."`},
			words{`aria-label="Breadcrumb"`, `aria-label="현재 위치"`},
			words{`href="/">Home<`, `href="/">홈<`},
		)
		check("a product nearly sold out", b.Get("/products/pecan-pie"), words{"Only 3 left", "3개 남았습니다"})
		check("a sold-out product", b.Get("/products/focaccia"), words{"Sold out — back tomorrow morning.", "품절되었습니다. 내일 아침에 다시 구워 놓겠습니다."})

		missing := b.Get("/products/no-such-bread")
		if missing.StatusCode != fiber.StatusNotFound {
			t.Errorf("an unknown product = %d", missing.StatusCode)
		}
		check("the 404 page", missing,
			words{"Page not found", "페이지를 찾을 수 없습니다"},
			words{"It may have moved or sold out for good.", "옮겨졌거나 판매가 끝났을 수 있습니다."},
			words{"Back to the shop", "홈으로 돌아가기"},
		)
	})
}

func TestTheCartInBothLanguages(t *testing.T) {
	eachLanguage(t, func(t *testing.T, ta *apptest.App, b *apptest.Browser, check func(string, apptest.Response, ...words)) {
		check("the empty cart", b.Get("/cart"),
			words{"Your cart is empty.", "장바구니가 비어 있습니다."},
			words{"Continue shopping", "쇼핑 계속하기"},
		)
		b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
		check("a cart of one", b.Get("/cart"),
			words{"<h1>Your cart</h1>", "<h1>장바구니</h1>"},
			words{"Items in your cart", "장바구니에 담긴 상품"},
			words{`<th scope="col">Product</th><th scope="col">Price</th><th scope="col">Quantity</th><th scope="col">Total</th>`, `<th scope="col">상품</th><th scope="col">가격</th><th scope="col">수량</th><th scope="col">합계</th>`},
			words{"Subtotal (1 item)", "상품 금액 (총 1개)"},
			words{"Quantity of Baguette", "바게트 수량"},
			words{`data-label="Price"`, `data-label="가격"`},
			words{">Update<", ">변경<"},
			words{">Remove<", ">삭제<"},
			words{`href="/checkout">Checkout<`, `href="/checkout">주문하기<`},
		)
		b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
		check("a cart of two", b.Get("/cart"), words{"Subtotal (2 items)", "상품 금액 (총 2개)"})
	})
}

func TestCheckoutAndOrdersInBothLanguages(t *testing.T) {
	eachLanguage(t, func(t *testing.T, ta *apptest.App, b *apptest.Browser, check func(string, apptest.Response, ...words)) {
		b.SignUp("Ana Baker", "ana@example.com", apptest.Password, nil) // the account takes the browser's language
		check("no orders yet", b.Get("/orders"),
			words{"<title>Your orders · Crumb</title>", "<title>주문 내역 · Crumb</title>"},
			words{"You have no orders yet.", "아직 주문 내역이 없습니다."},
			words{">Find something fresh<", ">갓 구운 빵을 둘러보세요<"},
		)
		b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"2"}})
		check("checkout before the email is confirmed", b.Get("/checkout"),
			words{"Please confirm your email address before your first order.", "첫 주문 전에 이메일 주소를 인증해 주세요."},
			words{"Follow the link we emailed to ana@example.com", "ana@example.com 주소로 보내 드린 메일의 링크를"},
			words{"Send the link again", "인증 메일 다시 보내기"},
		)

		b.VerifyEmail("ana@example.com")
		page := b.Get("/checkout")
		check("checkout", page,
			words{"<title>Checkout · Crumb</title>", "<title>주문/결제 · Crumb</title>"},
			words{">Your order<", ">주문 상품<"},
			words{"Total (2 items)", "합계 (총 2개)"},
			words{"Delivery is free.", "배송비는 무료입니다."},
			words{">Delivery<", ">배송지<"},
			words{">Full name<", ">받는 분<"},
			words{">Phone<", ">연락처<"},
			words{">Address<", ">주소<"},
			words{">Apartment, suite (optional)<", ">상세 주소 (선택)<"},
			words{">Postal code<", ">우편번호<"},
			words{">Country<", ">국가<"},
			words{`value="KR">South Korea<`, `value="KR">대한민국<`},
			words{"<legend>Payment</legend>", "<legend>결제 방법</legend>"},
			words{" Cash on delivery</label>", " 만나서 현금 결제</label>"},
			words{" Bank transfer (details on the confirmation)</label>", " 계좌 이체 (입금 계좌는 주문 완료 화면에서 안내해 드립니다)</label>"},
			words{"We never ask for card details.", "카드 정보는 받지 않습니다."},
			words{">Place order<", ">주문하기<"},
			words{`data-placing="Placing your order…"`, `data-placing="주문하는 중…"`},
		)
		token, quote := checkoutToken.FindStringSubmatch(page.Text)[1], quoteField.FindStringSubmatch(page.Text)[1]

		blank := shipping(token, quote)
		blank.Set("name", "")
		check("checkout with a field left blank", b.Post("/checkout", blank), words{"Please fix the fields marked below.", "아래 표시된 항목을 확인해 주세요."})
		check("an out-of-date checkout form", b.Post("/checkout", shipping("stale", quote)),
			words{"This checkout form is out of date.", "주문서의 유효 시간이 지났습니다."})

		ta.SetProduct("baguette", "price_amount", 400)
		conflict := b.Post("/checkout", shipping(token, quote))
		if conflict.StatusCode != fiber.StatusConflict {
			t.Fatalf("a changed price = %d, want 409", conflict.StatusCode)
		}
		check("a checkout whose prices changed", conflict,
			words{"Your cart changed since you opened this page.", "이 페이지를 여신 뒤 장바구니 내용이 바뀌었습니다."},
			words{"Baguette now costs $4.00 (it was $3.50).", "바게트: 가격이 바뀌었습니다"},
			words{"Change your cart</a>, or place the order again below to accept the new prices.", "장바구니를 수정하시거나,</a> 바뀐 내용으로 주문하시려면 아래에서 다시 주문해 주세요."},
		)

		placed := b.Post("/checkout", shipping(token, quoteField.FindStringSubmatch(conflict.Text)[1]))
		number := orderNumber.FindStringSubmatch(placed.Header.Get("Location"))[1]
		check("an order paid on delivery", b.Get("/orders/"+number),
			words{"<h1>Order " + number + "</h1>", "<h1>주문번호 " + number + "</h1>"},
			words{"Placed ", "주문일시 "},
			words{`status-placed">placed<`, `status-placed">주문 접수<`},
			words{"Thank you! Your order is placed.", "주문해 주셔서 감사합니다! 주문이 접수되었습니다."},
			words{"Pay $8.00 in cash on delivery.", "상품을 받으실 때 현금으로 결제해 주세요"},
			words{">Items<", ">주문 상품<"},
			words{`class="muted">at $4.00<`, `class="muted">개당 `},
			words{"Payment: Cash on delivery", "결제 방법: 만나서 현금 결제"},
			words{"Cancel this order", "주문 취소하기"},
			words{"All your orders", "전체 주문 내역"},
		)

		b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
		page = b.Get("/checkout")
		transfer := shipping(checkoutToken.FindStringSubmatch(page.Text)[1], quoteField.FindStringSubmatch(page.Text)[1])
		transfer.Set("payment_method", "bank_transfer")
		second := orderNumber.FindStringSubmatch(b.Post("/checkout", transfer).Header.Get("Location"))[1]
		check("an order paid by bank transfer", b.Get("/orders/"+second),
			words{"Please transfer $4.00 to " + models.BankAccount + ", with reference " + second + ".", "입금 계좌: " + models.BankAccount},
			words{"Payment: Bank transfer", "결제 방법: 계좌 이체"},
		)
		check("the orders", b.Get("/orders"),
			words{"<span>2 items</span>", "<span>상품 2개</span>"},
			words{"<span>1 item</span>", "<span>상품 1개</span>"},
		)

		b.Post("/orders/"+number+"/cancel", nil)
		again := b.Post("/orders/"+number+"/cancel", nil)
		if again.StatusCode != fiber.StatusConflict {
			t.Errorf("cancelling twice = %d", again.StatusCode)
		}
		check("cancelling a cancelled order", again,
			words{"This order can no longer be cancelled: it is already cancelled.", "이미 ‘주문 취소’ 상태라 주문을 취소할 수 없습니다."})

		check("checkout with an empty cart", b.Get("/checkout"), words{"Your cart is empty.", "장바구니가 비어 있습니다."})
		check("placing an order with an empty cart", b.Post("/checkout", shipping(strings.Repeat("e", 32), "")),
			words{"Your cart is empty. Add something before checking out.", "장바구니가 비어 있습니다. 상품을 담은 뒤 주문해 주세요."})
	})
}

func TestTheCookiePolicyInBothLanguages(t *testing.T) {
	eachLanguage(t, func(t *testing.T, ta *apptest.App, b *apptest.Browser, check func(string, apptest.Response, ...words)) {
		first := httptest.NewRequest(http.MethodGet, "/cookies", nil)
		first.Header.Set("Accept-Language", b.Headers.Get("Accept-Language"))
		check("the policy for a browser without cookies", ta.Do(first),
			words{"<h1>Cookie policy</h1>", "<h1>쿠키 정책</h1>"},
			words{"These are all the cookies Crumb ever sets.", "Crumb이 사용하는 쿠키는 아래가 전부입니다."},
			words{"Every cookie is encrypted", "모든 쿠키는 암호화되어 있으며"},
			words{"No cookie holds a password, a price or a card number.", "비밀번호, 가격, 카드 번호를 담은 쿠키는 없습니다."},
			words{"None is readable by scripts (HttpOnly).", "어떤 쿠키도 스크립트로 읽을 수 없습니다(HttpOnly)."},
			words{"We use no tracking or advertising cookies.", "방문 추적이나 광고용 쿠키는 쓰지 않습니다."},
			words{"What each cookie does", "쿠키별 용도"},
			words{`<th scope="col">Why</th><th scope="col">What it holds</th><th scope="col">How long</th><th scope="col">Who can read it</th>`, `<th scope="col">용도</th><th scope="col">담긴 내용</th><th scope="col">보관 기간</th><th scope="col">읽을 수 있는 곳</th>`},
			words{"<td>Only our server</td>", "<td>저희 서버만</td>"},
			words{"What this browser holds now", "지금 이 브라우저에 있는 쿠키"},
			words{"This browser holds no Crumb cookies right now.", "지금 이 브라우저에는 Crumb 쿠키가 없습니다."},
			words{"We never show cookie values", "쿠키 값은 암호화되어 있어"},
			words{"Forget this browser", "이 브라우저의 쿠키 모두 지우기"},
			words{"Clears every Crumb cookie from this browser", "이 브라우저에서 Crumb 쿠키를 모두 지웁니다."},
		)
		b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
		check("the policy for a browser with a cart", b.Get("/cookies"),
			words{" bytes</td>", "바이트</td>"},
			words{"When you close the browser", "브라우저를 닫을 때"},
		)
	})
}

// TestEveryCountryAndPaymentMethodHasWords: checkout names every country
// and payment method the models know, and the order page tells how to pay
// by each, in both languages.
func TestEveryCountryAndPaymentMethodHasWords(t *testing.T) {
	for _, lang := range models.Languages {
		var ids []string
		for _, c := range models.Countries {
			ids = append(ids, "country."+c.Code)
		}
		for _, m := range models.PaymentMethods {
			ids = append(ids, "payment."+string(m), "payment."+string(m)+".instructions", "checkout.payment."+string(m))
		}
		for _, id := range ids {
			if !i18n.Has(lang, id) {
				t.Errorf("%s: no words for %s", lang, id)
			}
		}
	}
}
