package admin_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image/color"
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

func productFields(name, slug, price, stock string) url.Values {
	return url.Values{"name": {name}, "slug": {slug}, "category": {"cakes"}, "price": {price}, "stock": {stock},
		"description": {"Layers of " + name + "."}, "published": {"1"}}
}

var editURL = regexp.MustCompile(`^/admin/products/(\d+)\?saved=1$`)

// TestOwnerAddsAProduct: a new product with its picture is in the shop at
// once, its picture fingerprinted and cached for a year; the API has it.
func TestOwnerAddsAProduct(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		pic := pngImage(t, color.RGBA{200, 120, 40, 255})
		res := postMultipart(t, b, "/admin/products/new", productFields("Opera Cake", "opera-cake", "32.50", "6"), "opera.png", pic)
		m := editURL.FindStringSubmatch(res.Header.Get("Location"))
		if res.StatusCode != fiber.StatusSeeOther || m == nil {
			t.Fatalf("create = %d %q: %s", res.StatusCode, res.Header.Get("Location"), res.Text)
		}
		shopper := ta.Browser()
		page := shopper.Get("/products/opera-cake")
		if page.StatusCode != fiber.StatusOK || !has(page.Text, "Opera Cake", "$32.50", "Only 6 left") {
			t.Fatalf("the new product's page = %d", page.StatusCode)
		}
		src := imageURL.FindString(page.Text)
		if src == "" || !strings.Contains(ta.Get("/products?category=cakes").Text, "Opera Cake") {
			t.Fatalf("no fingerprinted picture (%q), or not in its category", src)
		}
		img := shopper.Get(src)
		if img.StatusCode != fiber.StatusOK || img.Header.Get("Content-Type") != "image/png" || img.Text != string(pic) ||
			img.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("picture = %d %s %q", img.StatusCode, img.Header.Get("Content-Type"), img.Header.Get("Cache-Control"))
		}
		if api := ta.Get("/api/v1/products/" + m[1]); api.StatusCode != fiber.StatusOK || !strings.Contains(api.Text, src) {
			t.Errorf("the API's product = %d %s", api.StatusCode, api.Text)
		}
		// A new picture has a new address; the old one stays as it was.
		pic2 := pngImage(t, color.RGBA{10, 120, 240, 255})
		fields := productFields("Opera Cake", "opera-cake", "32.50", "6")
		fields.Set("stock_was", "6")
		res = postMultipart(t, b, "/admin/products/"+m[1], fields, "opera.png", pic2)
		if res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("replace the picture = %d: %s", res.StatusCode, res.Text)
		}
		src2 := imageURL.FindString(shopper.Get("/products/opera-cake").Text)
		if src2 == src || shopper.Get(src2).Text != string(pic2) || shopper.Get(src).Text != string(pic) {
			t.Errorf("after replacing: %q then %q", src, src2)
		}
		var stored int64
		ta.DB.Model(&models.Image{}).Count(&stored)
		if stored != 2 {
			t.Errorf("%d pictures kept, want 2", stored)
		}
	})
}

// TestProductFormKeepsWhatWasTyped: a form with mistakes comes back with
// each mistake named and everything typed kept, the picture included.
func TestProductFormKeepsWhatWasTyped(t *testing.T) {
	ta := apptest.New(t)
	b := owner(t, ta)
	pic := pngImage(t, color.RGBA{1, 2, 3, 255})
	fields := productFields("Paris-Brest", "Paris Brest!", "4.505", "-1")
	fields.Set("category", "no-such-category")
	res := postMultipart(t, b, "/admin/products/new", fields, "pb.png", pic)
	if res.StatusCode != fiber.StatusUnprocessableEntity {
		t.Fatalf("a bad form = %d", res.StatusCode)
	}
	for _, want := range []string{"Use lower-case letters", "Enter a price such as 4.50", "whole number from 0", "Choose a category",
		`value="Paris-Brest"`, `value="paris brest!"`, `value="4.505"`, "Layers of Paris-Brest.", `aria-describedby="slug-hint slug-error"`} {
		if !strings.Contains(res.Text, want) && !strings.Contains(res.Text, htmlEscape(want)) {
			t.Errorf("the form lacks %q", want)
		}
	}
	kept := regexp.MustCompile(`name="image_name" value="(uploads/[0-9a-f]{64}\.png)"`).FindStringSubmatch(res.Text)
	if kept == nil {
		t.Fatal("the picture sent was not kept for the next try")
	}
	// Fixed, without sending the picture again.
	fields = productFields("Paris-Brest", "paris-brest", "4.5", "3")
	fields.Set("image_name", kept[1])
	if res := postMultipart(t, b, "/admin/products/new", fields, "", nil); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("fixed form = %d: %s", res.StatusCode, res.Text)
	}
	if page := ta.Get("/products/paris-brest"); !has(page.Text, "$4.50", "/static/"+kept[1]) {
		t.Error("the fixed product lost its picture or price")
	}
	// The slug is unique; a picture is required; a field nobody can type
	// to a picture is refused.
	if res := postMultipart(t, b, "/admin/products/new", productFields("Other", "paris-brest", "1", "1"), "x.png", pic); res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "Another product already has this web address") {
		t.Errorf("a taken slug = %d", res.StatusCode)
	}
	if res := postMultipart(t, b, "/admin/products/new", productFields("No Pic", "no-pic", "1", "1"), "", nil); res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "Choose a picture") {
		t.Errorf("no picture = %d", res.StatusCode)
	}
	fields = productFields("Forged", "forged", "1", "1")
	fields.Set("image_name", "img/logo.svg")
	if res := postMultipart(t, b, "/admin/products/new", fields, "", nil); res.StatusCode != fiber.StatusUnprocessableEntity {
		t.Errorf("a public file named as the picture = %d", res.StatusCode)
	}
}

// TestProductFormRefusesUntypableText: a NUL (once a 500 on Postgres), a
// control character or invalid UTF-8 in the name, web address or
// description is a 422 naming that field, with what was typed kept; a
// description may hold line breaks and tabs, nothing else.
func TestProductFormRefusesUntypableText(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		pic := pngImage(t, color.RGBA{1, 2, 3, 255})
		for _, tt := range []struct{ field, value string }{
			{"name", "Opera\x00Cake"}, {"name", "Opera\aCake"}, {"name", "Opera\r\nCake"}, {"name", "\x1b[31mOpera"}, {"name", "Opera\xff"},
			{"name", strings.Repeat("o", 201)}, {"slug", "opera\x00"}, {"description", "Layers\x00"}, {"description", "Layers\x1b[2J"},
			{"description", "Layers\xff"}, {"description", strings.Repeat("l", 2001)},
		} {
			fields := productFields("Opera", "opera", "32.50", "6")
			fields.Set(tt.field, tt.value)
			res := postMultipart(t, b, "/admin/products/new", fields, "opera.png", pic)
			if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, `id="`+tt.field+`-error"`) {
				t.Errorf("%s=%q: %d, without an error on the field", tt.field, tt.value, res.StatusCode)
			}
			if tt.field != "name" && !strings.Contains(res.Text, `value="Opera"`) {
				t.Errorf("%s=%q: the name typed was lost", tt.field, tt.value)
			}
		}
		fields := productFields("Opera", "opera", "32.50", "6")
		fields.Set("description", "Layers:\r\n\tcoffee\r\n\tganache")
		if res := postMultipart(t, b, "/admin/products/new", fields, "opera.png", pic); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("a description of several lines = %d", res.StatusCode)
		}
		var p models.Product
		ta.DB.Where("slug = ?", "opera").Take(&p)
		if p.Description != "Layers:\n\tcoffee\n\tganache" {
			t.Errorf("the description is kept as %q", p.Description)
		}
	})
}

// TestProductPictureMustBeOneTheShopHas: image_name, the picture a form
// carries, names a picture uploaded and kept here or one the shop ships;
// anything else (a path out of /static/uploads that every shopper's page
// would then request, a name over 200 characters, which was a 500 on
// Postgres, an upload that was never made) is a 422 on the picture, and
// no page shows it.
func TestProductPictureMustBeOneTheShopHas(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		id := ta.ProductID("baguette")
		edit := b.Get("/admin/products/" + id)
		if !strings.Contains(edit.Text, `name="image_name" value="img/products/baguette.svg"`) {
			t.Fatal("the form does not carry the shipped picture")
		}
		update := func(image string) apptest.Response {
			fields := productFields("Baguette", "baguette", "4.00", apptest.Itoa(uint(ta.Stock("baguette"))))
			fields.Set("category", "bread")
			fields.Set("stock_was", fields.Get("stock"))
			fields.Set("image_name", image)
			return postMultipart(t, b, "/admin/products/"+id, fields, "", nil)
		}
		// The picture it ships with, carried as the form shows it, saves.
		if res := update("img/products/baguette.svg"); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("saving with the shipped picture = %d: %s", res.StatusCode, res.Text)
		}
		for _, bad := range []string{
			"uploads/../../account/security", "uploads/" + strings.Repeat("a", 200), "uploads/" + strings.Repeat("ab", 32) + ".png",
			"uploads/" + strings.Repeat("AB", 32) + ".png", "uploads/" + strings.Repeat("ab", 32) + ".exe", "img/products/../logo.svg",
			"img/products/nope.svg", "/img/products/baguette.svg", "https://evil.example/x.png", "uploads/\x00", "img/products/baguette.svg\x00",
		} {
			res := update(bad)
			if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, `id="image-error"`) || !strings.Contains(res.Text, "not one the shop has") {
				t.Errorf("image_name %q = %d, without an error on the picture", bad, res.StatusCode)
			}
			if strings.Contains(res.Text, `value="`+html.EscapeString(bad)+`"`) {
				t.Errorf("image_name %q is carried on to the next try", bad)
			}
			fields := productFields("Forged", "forged", "1", "1")
			fields.Set("image_name", bad)
			if res := postMultipart(t, b, "/admin/products/new", fields, "", nil); res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, "not one the shop has") {
				t.Errorf("a new product with image_name %q = %d", bad, res.StatusCode)
			}
		}
		var p models.Product
		ta.DB.Where("slug = ?", "baguette").Take(&p)
		if p.Image != "img/products/baguette.svg" {
			t.Errorf("the baguette's picture is now %q", p.Image)
		}
		for _, page := range []string{"/", "/products/baguette", "/products?category=bread"} {
			if strings.Contains(ta.Get(page).Text, "uploads/..") {
				t.Errorf("%s requests a path out of /static/uploads", page)
			}
		}
	})
}

// TestPicturesAreCheckedByContent: a picture is what its bytes say, not
// its name; an SVG is served so that no script in it can run.
func TestPicturesAreCheckedByContent(t *testing.T) {
	ta := apptest.New(t)
	b := owner(t, ta)
	for _, tt := range []struct {
		name, file string
		data       []byte
		want       int
		says       string
	}{
		{"text named .png", "cake.png", []byte("this is not a picture at all"), 422, "must be a PNG, JPEG, WebP or SVG"},
		{"HTML named .svg", "cake.svg", []byte("<html><script>alert(1)</script></html>"), 422, "must be a PNG"},
		{"too big", "big.png", append(pngImage(t, color.RGBA{9, 9, 9, 255}), bytes.Repeat([]byte{0}, models.MaxImageBytes)...), 422, "at most 2 MB"},
		{"an SVG with a script", "cake.txt", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"><script>alert(1)</script><rect width="4" height="3"/></svg>`), 303, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			slug := strings.ReplaceAll(strings.ToLower(tt.name), " ", "-")
			slug = strings.NewReplacer(".", "", "'", "").Replace(slug)
			res := postMultipart(t, b, "/admin/products/new", productFields("Cake "+tt.name, slug, "2", "1"), tt.file, tt.data)
			if res.StatusCode != tt.want || !strings.Contains(res.Text, tt.says) {
				t.Fatalf("= %d: %s", res.StatusCode, res.Text)
			}
			if tt.want != 303 {
				return
			}
			src := imageURL.FindString(ta.Get("/products/" + slug).Text)
			img := ta.Get(src)
			if img.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(img.Header.Get("Content-Security-Policy"), "default-src 'none'") ||
				!strings.Contains(img.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("the SVG is served as %q with CSP %q", img.Header.Get("Content-Type"), img.Header.Get("Content-Security-Policy"))
			}
		})
	}
	if res := ta.Get("/static/uploads/" + strings.Repeat("ab", 32) + ".png"); res.StatusCode != fiber.StatusNotFound || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("an unknown picture = %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
}

// TestUnpublishedProductsLeaveTheShop: an unpublished product is gone from
// the pages and the API, cannot be added or bought, and carts holding it
// say so.
func TestUnpublishedProductsLeaveTheShop(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		shopper := ta.Browser()
		macarons := ta.ProductID("macarons")
		shopper.Post("/cart/items", url.Values{"product_id": {macarons}, "quantity": {"2"}})
		edit := b.Get("/admin/products/" + macarons).Text
		fields := url.Values{"name": {"Macarons"}, "slug": {"macarons"}, "category": {"biscuits"}, "price": {"14.00"}, "stock": {"25"},
			"stock_was": {"25"}, "description": {"Box of six."}, "image_name": {""}}
		if !strings.Contains(edit, `name="stock_was" value="25"`) {
			t.Fatal("the form does not carry the stock it shows")
		}
		if res := postMultipart(t, b, "/admin/products/"+macarons, fields, "", nil); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("unpublish = %d: %s", res.StatusCode, res.Text)
		}
		if res := ta.Get("/products/macarons"); res.StatusCode != fiber.StatusNotFound {
			t.Errorf("its page = %d", res.StatusCode)
		}
		if strings.Contains(ta.Get("/products?q=macarons").Text, "Box of six") || strings.Contains(ta.Get("/api/v1/products?q=macarons").Text, "macarons") {
			t.Error("still listed")
		}
		if res := ta.Get("/api/v1/products/" + macarons); res.StatusCode != fiber.StatusNotFound {
			t.Errorf("the API's product = %d", res.StatusCode)
		}
		if cart := shopper.Get("/cart"); !strings.Contains(cart.Text, "no longer sold") || strings.Contains(cart.Text, "Subtotal") {
			t.Error("the cart holding it does not say it is no longer sold")
		}
		if res := shopper.Post("/cart/items", url.Values{"product_id": {macarons}, "quantity": {"1"}}); res.StatusCode != fiber.StatusUnprocessableEntity {
			t.Errorf("adding it = %d", res.StatusCode)
		}
		// The back office still lists it, hidden.
		if list := b.Get("/admin/products?q=macaron").Text; !has(list, "Macarons", "Hidden") {
			t.Error("the back office lost the hidden product")
		}
	})
}

// TestStockIsNeverOverwritten: a stock typed over one that checkouts
// changed meanwhile is refused; adjusting adds to what is there.
func TestStockIsNeverOverwritten(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		cake := ta.ProductID("carrot-cake") // 6 in stock
		shopper := ta.Browser()
		shopper.SignUpVerified("Sid", "sid@example.com", apptest.Password, nil)
		shopper.Post("/cart/items", url.Values{"product_id": {cake}, "quantity": {"2"}})
		tok := regexp.MustCompile(`name="checkout_token" value="([^"]+)"`).FindStringSubmatch(shopper.Get("/checkout").Text)[1]
		fields := url.Values{"name": {"Carrot Cake"}, "slug": {"carrot-cake"}, "category": {"cakes"}, "price": {"32.00"}, "stock": {"10"},
			"stock_was": {"6"}, "description": {"Spiced."}, "published": {"1"}}
		// The form showed 6; a checkout takes 2; the owner saves 10.
		if res := shopper.Post("/checkout", url.Values{"checkout_token": {tok}, "name": {"Sid"}, "phone": {"555 0100"}, "address1": {"1 Flour St"},
			"postal_code": {"10001"}, "country": {"US"}, "payment_method": {"cod"}}); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("checkout = %d", res.StatusCode)
		}
		res := postMultipart(t, b, "/admin/products/"+cake, fields, "", nil)
		if res.StatusCode != fiber.StatusConflict || !strings.Contains(res.Text, "The stock changed while you were editing") || !strings.Contains(res.Text, `name="stock_was" value="4"`) {
			t.Fatalf("saving over a checkout = %d", res.StatusCode)
		}
		if ta.Stock("carrot-cake") != 4 {
			t.Fatalf("stock = %d, want 4", ta.Stock("carrot-cake"))
		}
		// Other fields save when the stock is left as shown.
		fields.Set("stock", "4")
		fields.Set("stock_was", "4")
		fields.Set("price", "33")
		if res := postMultipart(t, b, "/admin/products/"+cake, fields, "", nil); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("save = %d", res.StatusCode)
		}
		if !strings.Contains(ta.Get("/products/carrot-cake").Text, "$33.00") {
			t.Error("the new price is not in the shop at once")
		}
		if res := b.Post("/admin/products/"+cake+"/stock", url.Values{"adjust": {"+12"}}); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("adjust = %d", res.StatusCode)
		}
		if ta.Stock("carrot-cake") != 16 {
			t.Errorf("after +12: %d, want 16", ta.Stock("carrot-cake"))
		}
		for _, bad := range []string{"", "twelve", "0", "+1000000"} {
			if res := b.Post("/admin/products/"+cake+"/stock", url.Values{"adjust": {bad}}); res.StatusCode != fiber.StatusUnprocessableEntity {
				t.Errorf("adjust %q = %d", bad, res.StatusCode)
			}
		}
		if res := b.Post("/admin/products/"+cake+"/stock", url.Values{"adjust": {"-17"}}); res.StatusCode != fiber.StatusConflict || !strings.Contains(res.Text, "Only 16 in stock") {
			t.Errorf("taking more than there is = %d", res.StatusCode)
		}
		if ta.Stock("carrot-cake") != 16 {
			t.Error("a refused adjustment changed the stock")
		}
		audit := html.UnescapeString(b.Get("/admin/audit").Text)
		if !has(audit, "product.stock", "stock 4", "stock 16 (+12)", "product.update", "price $32.00", "price $33.00") {
			t.Errorf("the audit log lacks the stock and price changes:\n%s", audit)
		}
		if res := b.Get(fmt.Sprintf("/admin/products/%d", 999999)); res.StatusCode != fiber.StatusNotFound {
			t.Errorf("no such product = %d", res.StatusCode)
		}
	})
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestProductInKoreanAndEnglish: the owner writes a product's Korean name
// and description beside the English; the form shows them again, Korean
// shoppers read them, English shoppers the English, and the edit's audit
// entry records the Korean that changed.
func TestProductInKoreanAndEnglish(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		b := owner(t, ta)
		fields := productFields("Opera Cake", "opera-cake", "32.50", "6")
		fields.Set("name_ko", "오페라 케이크")
		fields.Set("description_ko", "커피 시럽을 적신 아몬드 시트에\r\n가나슈를 올렸어요.")
		res := postMultipart(t, b, "/admin/products/new", fields, "opera.png", pngImage(t, color.RGBA{90, 60, 30, 255}))
		m := editURL.FindStringSubmatch(res.Header.Get("Location"))
		if res.StatusCode != fiber.StatusSeeOther || m == nil {
			t.Fatalf("create = %d: %s", res.StatusCode, res.Text)
		}
		form := html.UnescapeString(b.Get("/admin/products/" + m[1]).Text)
		if !has(form, `name="name_ko" type="text" value="오페라 케이크"`, ">커피 시럽을 적신 아몬드 시트에\n가나슈를 올렸어요.</textarea>", `value="Opera Cake"`) {
			t.Errorf("the form does not show the Korean it saved:\n%s", form)
		}
		korean := ta.Browser()
		korean.Headers = http.Header{"Accept-Language": {"ko"}}
		if page := html.UnescapeString(korean.Get("/products/opera-cake").Text); !has(page, "오페라 케이크", "가나슈를 올렸어요.") || strings.Contains(page, "Layers of Opera Cake.") {
			t.Error("a Korean shopper does not read the Korean")
		}
		if page := ta.Get("/products/opera-cake").Text; !has(page, "Opera Cake", "Layers of Opera Cake.") || strings.Contains(page, "오페라") {
			t.Error("an English shopper does not read the English")
		}
		if list := html.UnescapeString(b.Get("/admin/products?q=" + url.QueryEscape("오페라")).Text); !has(list, "Opera Cake") {
			t.Error("the back office does not find the product by its Korean name")
		}

		// The Korean name changes; the English stays.
		fields.Set("name_ko", "오페라")
		fields.Set("description_ko", "")
		fields.Set("stock_was", "6")
		fields.Set("image_name", regexp.MustCompile(`name="image_name" value="([^"]+)"`).FindStringSubmatch(form)[1])
		if res := postMultipart(t, b, "/admin/products/"+m[1], fields, "", nil); res.StatusCode != fiber.StatusSeeOther {
			t.Fatalf("update = %d: %s", res.StatusCode, res.Text)
		}
		log, err := ta.Audit.List(context.Background(), "product", m[1], 1)
		if err != nil || len(log.Items) != 2 {
			t.Fatalf("%d entries, %v", len(log.Items), err)
		}
		e := log.Items[0]
		if !has(e.Before, `name_ko "오페라 케이크"`, `description_ko "커피 시럽을`) || !has(e.After, `name_ko "오페라"`, `description_ko ""`) {
			t.Errorf("the edit's entry = %q -> %q", e.Before, e.After)
		}
		if strings.Contains(e.Before+e.After, `name "Opera Cake"`) {
			t.Errorf("the entry lists the English name, which did not change: %q -> %q", e.Before, e.After)
		}
		// With no Korean description, Korean shoppers read the English one.
		if page := html.UnescapeString(korean.Get("/products/opera-cake").Text); !has(page, "오페라", "Layers of Opera Cake.") {
			t.Error("a Korean description left empty does not fall back to the English")
		}
	})
}

// TestKoreanProductFieldsAreChecked: the Korean name and description are
// checked as the English ones are: no control characters or invalid
// UTF-8, the name one line, each within the column's length.
func TestKoreanProductFieldsAreChecked(t *testing.T) {
	ta := apptest.New(t)
	b := owner(t, ta)
	pic := pngImage(t, color.RGBA{1, 2, 3, 255})
	for _, tt := range []struct{ field, value string }{
		{"name_ko", "오페라\x00"}, {"name_ko", "오페라\r\n케이크"}, {"name_ko", "\u202e오페라"}, {"name_ko", "오페라\xff"},
		{"name_ko", strings.Repeat("오", 201)}, {"description_ko", "가나슈\x1b[2J"}, {"description_ko", "가나슈\xff"},
		{"description_ko", strings.Repeat("가", 2001)},
	} {
		fields := productFields("Opera", "opera", "32.50", "6")
		fields.Set(tt.field, tt.value)
		res := postMultipart(t, b, "/admin/products/new", fields, "opera.png", pic)
		if res.StatusCode != fiber.StatusUnprocessableEntity || !strings.Contains(res.Text, `id="`+tt.field+`-error"`) {
			t.Errorf("%s=%.20q: %d, without an error on the field", tt.field, tt.value, res.StatusCode)
		}
	}
	fields := productFields("Opera", "opera", "32.50", "6")
	fields.Set("name_ko", strings.Repeat("오", 200))
	fields.Set("description_ko", "층층이:\r\n\t커피\r\n\t가나슈")
	if res := postMultipart(t, b, "/admin/products/new", fields, "opera.png", pic); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("a Korean name of 200 characters and a description of several lines = %d", res.StatusCode)
	}
	var p models.Product
	ta.DB.Where("slug = ?", "opera").Take(&p)
	if p.NameKo != strings.Repeat("오", 200) || p.DescriptionKo != "층층이:\n\t커피\n\t가나슈" {
		t.Errorf("kept as %q, %q", p.NameKo, p.DescriptionKo)
	}
}

// TestProductScreensInKorean: the back office's product list and form
// speak Korean to a Korean owner, and English as before to an English one;
// prices are written as each language writes them.
func TestProductScreensInKorean(t *testing.T) {
	ta := apptest.New(t)
	b := owner(t, ta)
	id := ta.ProductID("baguette")
	en := html.UnescapeString(b.Get("/admin/products?q=baguette").Text)
	form := html.UnescapeString(b.Get("/admin/products/" + id).Text)
	inKorean(t, b)
	ko := html.UnescapeString(b.Get("/admin/products?q=baguette").Text)
	koForm := html.UnescapeString(b.Get("/admin/products/" + id).Text)
	for _, tt := range []struct {
		page, korean, english string
	}{
		{"list", "상품 추가", "Add a product"}, {"list", "품절 상품만", "Sold out only"}, {"list", "상품 1개", "1 product"},
		{"list", "판매 중", "In the shop"}, {"list", "US$3.50", "$3.50"}, {"list", ">바게트<", ">Baguette<"}, {"list", ">식사빵<", ">Bread<"},
		{"form", "영문 상품명", ">Name<"}, {"form", "한글 상품명", "Name in Korean"}, {"form", "한글 설명", "Description in Korean"},
		{"form", "재고 조정", "Adjust stock"}, {"form", "쇼핑몰 통화로 적어 주세요. 예: 4.50", "In the shop's currency, such as 4.50."},
		{"form", "<h1>바게트</h1>", "<h1>Baguette</h1>"},
	} {
		k, e := ko, en
		if tt.page == "form" {
			k, e = koForm, form
		}
		if !strings.Contains(k, tt.korean) || !strings.Contains(e, tt.english) {
			t.Errorf("the %s: Korean has %q: %v; English has %q: %v", tt.page, tt.korean, strings.Contains(k, tt.korean), tt.english, strings.Contains(e, tt.english))
		}
		if strings.Contains(k, tt.english) && !strings.Contains(tt.korean, tt.english) {
			t.Errorf("the Korean %s shows the English %q", tt.page, tt.english)
		}
	}
	if res := postMultipart(t, b, "/admin/products/"+id+"/stock", url.Values{"adjust": {"-1000"}}, "", nil); !strings.Contains(html.UnescapeString(res.Text), "개를 뺄 수 없어요") {
		t.Errorf("taking away too many, in Korean = %d", res.StatusCode)
	}
}

// TestProductScreensInWon: a shop in won takes prices in won and shows
// them as each language writes won.
func TestProductScreensInWon(t *testing.T) {
	ta := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.Currency = "KRW" }))
	b := owner(t, ta)
	if list := html.UnescapeString(b.Get("/admin/products?q=baguette").Text); !strings.Contains(list, "₩3,500") {
		t.Error("the English list does not show the baguette at ₩3,500")
	}
	if form := html.UnescapeString(b.Get("/admin/products/new").Text); !strings.Contains(form, "such as 4500.") {
		t.Error("the form's example price is not in won")
	}
	inKorean(t, b)
	if list := html.UnescapeString(b.Get("/admin/products?q=baguette").Text); !strings.Contains(list, "3,500원") {
		t.Error("the Korean list does not show the baguette at 3,500원")
	}
	res := postMultipart(t, b, "/admin/products/new", productFields("Yakgwa", "yakgwa", "2,500", "10"), "y.png", pngImage(t, color.RGBA{9, 8, 7, 255}))
	if res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("a price of 2,500 won = %d", res.StatusCode)
	}
	var p models.Product
	ta.DB.Where("slug = ?", "yakgwa").Take(&p)
	if p.PriceAmount != 2500 || p.Currency != "KRW" {
		t.Errorf("kept as %d %s", p.PriceAmount, p.Currency)
	}
}

// inKorean switches b to Korean, as the owner does with the language
// switch (a signed-in account's language comes before the browser's).
func inKorean(t *testing.T, b *apptest.Browser) {
	t.Helper()
	if res := b.Post("/language", url.Values{"lang": {"ko"}, "next": {"/admin"}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("switching to Korean = %d", res.StatusCode)
	}
}
