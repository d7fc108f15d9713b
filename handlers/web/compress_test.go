package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/url"
	"strings"
	"testing"

	"crumb/internal/apptest"
)

// TestPagesGoCompressedToBrowsersThatAcceptGzip: a browser that accepts
// gzip gets every page compressed (the kept pages, a signed-in shopper's
// cart and account, a page not found, a Korean page; pages with a
// one-time message in TestStencilMatchesTheLayout), and it reads as the
// page an uncompressed browser gets; a
// browser that refuses gzip, or does not say, gets the page as it is;
// either way the answer varies by Accept-Encoding.
func TestPagesGoCompressedToBrowsersThatAcceptGzip(t *testing.T) {
	ta := apptest.New(t)
	guest, member, korean := ta.Browser(), ta.Browser(), ta.Browser()
	korean.Headers.Set("Accept-Language", "ko-KR,ko;q=0.9")
	member.SignUp("Gzip Gil", "gzip-"+apptest.RandomSuffix()+"@example.com", apptest.Password, nil)
	for _, b := range []*apptest.Browser{guest, member, korean} {
		b.Post("/cart/items", url.Values{"product_id": {ta.ProductID("baguette")}, "quantity": {"2"}})
	}
	pages := []struct {
		who  *apptest.Browser
		path string
		want string
	}{
		{guest, "/", "Crumb"},
		{guest, "/products?category=cakes", "Carrot Cake"},
		{guest, "/products?q=chocolate", "chocolate"},
		{guest, "/products/baguette", "Baguette"},
		{guest, "/cart", "Baguette"},
		{guest, "/products/no-such-bread", "404"},
		{korean, "/cart", "lang=\"ko\""},
		{member, "/cart", "Gzip Gil"},
		{member, "/account", "Gzip Gil"},
	}
	for _, p := range pages {
		t.Run(p.path, func(t *testing.T) {
			p.who.Headers.Del("Accept-Encoding")
			plain := p.who.Get(p.path)
			p.who.Headers.Set("Accept-Encoding", "gzip, deflate, br, zstd")
			zipped := p.who.Get(p.path)
			p.who.Headers.Set("Accept-Encoding", "br;q=1, gzip;q=0")
			refused := p.who.Get(p.path)
			p.who.Headers.Del("Accept-Encoding")

			if got := zipped.Header.Get("Content-Encoding"); got != "gzip" {
				t.Fatalf("Content-Encoding = %q, want gzip", got)
			}
			r, err := gzip.NewReader(strings.NewReader(zipped.Text))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("a browser could not read the page: %v", err)
			}
			t.Logf("%d bytes compressed to %d", len(body), len(zipped.Text))
			if !bytes.Contains(body, []byte(p.want)) || len(zipped.Text) >= len(body)/2 {
				t.Errorf("compressed page: %d bytes for %d, holding %q: %v", len(zipped.Text), len(body), p.want, bytes.Contains(body, []byte(p.want)))
			}
			if withoutTokens(string(body)) != withoutTokens(plain.Text) {
				t.Errorf("the compressed page differs from the page:\n%s\n---\n%s", body, plain.Text)
			}
			for _, res := range []apptest.Response{plain, refused} {
				if res.Header.Get("Content-Encoding") != "" || !strings.Contains(res.Text, p.want) {
					t.Errorf("a browser without gzip got Content-Encoding %q", res.Header.Get("Content-Encoding"))
				}
			}
			for _, res := range []apptest.Response{plain, zipped, refused} {
				if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
					t.Errorf("Vary = %q, want it to name Accept-Encoding", res.Header.Get("Vary"))
				}
				if res.StatusCode != plain.StatusCode {
					t.Errorf("status %d, uncompressed %d", res.StatusCode, plain.StatusCode)
				}
			}
		})
	}
}

// withoutTokens is a page with its form tokens blanked: each view may
// carry its own.
func withoutTokens(page string) string {
	return apptest.CSRFField.ReplaceAllString(page, `name="_csrf" value=""`)
}
