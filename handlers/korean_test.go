package handlers_test

import (
	"html"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/database"
	"crumb/internal/apptest"
	"crumb/models"
)

// TestEveryPageSpeaksKorean walks every page a shopper and the owner see,
// in a Korean browser, and fails on any English word the page shows: its
// text, and the attributes a person reads or hears (placeholders, labels,
// titles, alternative texts, button values). What people typed (names,
// addresses, emails, the bank account, what a textarea holds), names in
// code (cookies, slugs), paths, two-letter codes (countries, IP) and
// numbers are not words of the interface.
func TestEveryPageSpeaksKorean(t *testing.T) {
	ta := apptest.New(t)

	guest := korean(ta.Browser())
	guest.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"2"}})
	guest.Post("/popup/dismiss", url.Values{"tz": {"Asia/Seoul"}})
	pages := map[string]string{}
	for _, path := range []string{
		"/", "/products", "/products?category=bread", "/products?q=" + url.QueryEscape("크루아상"),
		"/products?q=" + url.QueryEscape("없는빵"), "/products?page=2", "/products/baguette", "/cart", "/cookies",
		"/cookies/mine", "/login", "/signup", "/password/forgot", "/password/reset?token=not-a-token",
		"/account/verify?token=not-a-token", "/account/deleted", "/no/such/page",
	} {
		pages["guest "+path] = guest.Get(path).Text
	}

	shopper := korean(ta.Browser())
	shopper.SignUpVerified("김하늘", "haneul@example.com", apptest.Password, url.Values{"remember_me": {"1"}})
	shopper.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"1"}})
	checkout := shopper.Get("/checkout").Text
	pages["shopper /checkout"] = checkout
	placed := shopper.Post("/checkout", url.Values{
		"name": {"김하늘"}, "phone": {"010-1234-5678"}, "address1": {"서울시 마포구 빵길 1"},
		"postal_code": {"04001"}, "country": {"KR"}, "payment_method": {"bank_transfer"},
		"checkout_token": {field(t, checkout, "checkout_token")}, "quote": {field(t, checkout, "quote")},
	})
	order := placed.Header.Get(fiber.HeaderLocation)
	if placed.StatusCode != fiber.StatusSeeOther || !strings.HasPrefix(order, "/orders/") {
		t.Fatalf("order = %d %s", placed.StatusCode, order)
	}
	for _, path := range []string{"/account", "/account/security", "/account/data", "/orders", order, "/cart", "/cookies/mine"} {
		pages["shopper "+path] = shopper.Get(path).Text
	}

	owner := korean(ta.Browser())
	if res := owner.LogIn(database.OwnerEmail, database.OwnerPassword, nil); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("owner sign-in = %d", res.StatusCode)
	}
	// The owner's account reads English until the owner picks Korean.
	if res := owner.Post("/language", url.Values{"lang": {"ko"}, "next": {"/admin"}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("switch to Korean = %d", res.StatusCode)
	}
	customers := owner.Get("/admin/customers").Text
	customer := regexp.MustCompile(`href="(/admin/customers/\d+)"`).FindStringSubmatch(customers)
	product := regexp.MustCompile(`href="(/admin/products/\d+)"`).FindStringSubmatch(owner.Get("/admin/products").Text)
	if customer == nil || product == nil {
		t.Fatal("the back office lists no customer or no product")
	}
	for _, path := range []string{
		"/admin", "/admin/orders", "/admin/orders/" + strings.TrimPrefix(order, "/orders/"),
		"/admin/customers", customer[1], "/admin/products", product[1], "/admin/products/new", "/admin/audit",
	} {
		pages["owner "+path] = owner.Get(path).Text
	}

	for name, page := range pages {
		if !strings.Contains(page, `<html lang="ko"`) {
			t.Errorf("%s: not a Korean page", name)
			continue
		}
		if words := englishWords(page); len(words) > 0 {
			t.Errorf("%s shows English: %s", name, strings.Join(words, ", "))
		}
	}
}

// korean is b as a browser set to Korean.
func korean(b *apptest.Browser) *apptest.Browser {
	b.Headers.Set(fiber.HeaderAcceptLanguage, "ko-KR,ko;q=0.9")
	return b
}

func field(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s field", name)
	}
	return m[1]
}

var (
	hidden  = regexp.MustCompile(`(?is)<(script|style|template|code|textarea)\b.*?</(script|style|template|code|textarea)>|<!--.*?-->`)
	spoken  = regexp.MustCompile(`(?i)\s(?:placeholder|aria-label|title|alt)="([^"]*)"`)
	buttons = regexp.MustCompile(`(?i)<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"`)
	tags    = regexp.MustCompile(`<[^>]*>`)
	// The seeded accounts' names are names people gave, like any other.
	typed    = regexp.MustCompile(`Demo Shopper|Bakery Owner|CR-[2-9A-HJKMNP-Z]{10}|` + regexp.QuoteMeta(models.BankAccount) + `|[\w.+-]+@[\w.-]+|/[\w/.-]+|\S*\d\S*|\b[A-Z]{2}\b`)
	latin    = regexp.MustCompile(`[A-Za-z]{2,}`)
	notWords = map[string]bool{
		"Crumb":   true, // the shop's name
		"English": true, // the language switch names each language in itself
		// Cookie attributes and the language cookie's values, as browsers
		// and the cookie itself write them (the cookie policy).
		"HttpOnly": true, "SameSite": true, "Lax": true, "ko": true, "en": true,
		// The picture formats the back office takes.
		"PNG": true, "JPEG": true, "WebP": true, "SVG": true,
	}
)

// englishWords are the Latin-script words a person sees or hears on page,
// sorted, each once.
func englishWords(page string) []string {
	page = hidden.ReplaceAllString(page, " ")
	var said []string
	for _, m := range spoken.FindAllStringSubmatch(page, -1) {
		said = append(said, m[1])
	}
	for _, m := range buttons.FindAllStringSubmatch(page, -1) {
		said = append(said, m[1])
	}
	text := html.UnescapeString(tags.ReplaceAllString(page, " ") + " " + strings.Join(said, " "))
	text = typed.ReplaceAllString(text, " ")
	seen := map[string]bool{}
	for _, w := range latin.FindAllString(text, -1) {
		if !notWords[w] {
			seen[w] = true
		}
	}
	out := make([]string, 0, len(seen))
	for w := range seen {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}
