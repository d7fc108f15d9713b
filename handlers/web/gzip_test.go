package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

// gunzip is what a browser makes of a gzip body; a stream it would refuse
// (a bad block, a wrong CRC or size) fails the test.
func gunzip(t *testing.T, body []byte) string {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	r.Multistream(false)
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("a browser could not read the page: %v", err)
	}
	return string(out)
}

// TestGzipPagesReadAsWritten: whatever a page is made of (no token, one,
// many, tokens side by side, at the start and the end, text that repeats
// across the tokens so the compressor reaches back over them), the
// compressed page reads back as the page with this view's token, for one
// token after another, and is as long whatever the token (its size gives
// no clue to guess a token by); the page is deflated once and kept; a page
// with a NUL byte is compressed whole and reads back as well.
func TestGzipPagesReadAsWritten(t *testing.T) {
	card := "<li class=\"card\"><form method=\"post\"><input name=\"_csrf\" value=\"" + formTokenMarker + "\">Sourdough loaf, 6.50</form></li>\n"
	tests := map[string]string{
		"nothing":           "",
		"no token":          "<p>hi</p>",
		"one token":         "<form>" + formTokenMarker + "</form>",
		"tokens everywhere": formTokenMarker + formTokenMarker + "<p>" + formTokenMarker + "</p>" + formTokenMarker,
		"a page of cards":   "<!doctype html><title>Crumb</title>" + strings.Repeat(card, 60) + "<footer>Crumb</footer>",
		"a NUL byte":        "<p>\x00</p>" + card,
	}
	tokens := []string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "zq-token-zq-token-zq-token-zq-token-zq-toke", "<>&\"' 0123456789abcdefghijklmnopqrstuvwxyzA"}
	for name, page := range tests {
		t.Run(name, func(t *testing.T) {
			sizes := map[int]bool{}
			for _, token := range tokens {
				var zipped bytes.Buffer
				if err := writeGzip(&zipped, []byte(page), token); err != nil {
					t.Fatal(err)
				}
				want := strings.ReplaceAll(page, formTokenMarker, token)
				if got := gunzip(t, zipped.Bytes()); got != want {
					t.Fatalf("token %q: read back\n%q\nwant\n%q", token, got, want)
				}
				if len(want) > 4096 && zipped.Len() > len(want)/2 {
					t.Errorf("compressed to %d bytes of %d: barely compressed", zipped.Len(), len(want))
				}
				sizes[zipped.Len()] = true
			}
			if len(sizes) != 1 && !strings.Contains(name, "NUL") {
				t.Errorf("the compressed size depends on the token: %v", sizes)
			}
			deflatedPages.mu.RLock()
			_, kept := deflatedPages.data[page]
			deflatedPages.mu.RUnlock()
			if kept == strings.Contains(name, "NUL") {
				t.Errorf("kept deflated: %v", kept)
			}
		})
	}
}
