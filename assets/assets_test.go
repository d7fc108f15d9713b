package assets_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"

	"crumb/assets"
	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/public"
	"crumb/storage"
)

// repeat builds a compressible body of at least n bytes.
func repeat(line string, n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, line, i)
	}
	return b.Bytes()
}

// noise is n bytes that do not compress, the same on every run.
func noise(n int) []byte {
	var b []byte
	sum := sha256.Sum256([]byte("crumb"))
	for len(b) < n {
		sum = sha256.Sum256(sum[:])
		b = append(b, sum[:]...)
	}
	return b[:n]
}

var (
	svgBody = repeat(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle id="c%d" cx="5" cy="5" r="4" fill="#c8a165"/></svg>`+"\n", 700)
	jsBody  = repeat("document.querySelectorAll('[data-crumb-%d]').forEach((el) => el.classList.add('ready'));\n", 700)
	cssRefs = `.hero { background: url(../img/hero.svg) center / cover; }
.logo { background-image: url('../img/logo.svg'); }
.photo { background-image: url( "../img/photo.png" ); }
.icon { background: url("../img/hero.svg?v=2#top"); }
.inline { background: url(data:image/svg+xml;base64,PHN2Zy8+); }
.cdn { background: url(https://cdn.example.com/x.png); }
.root { background: url(/favicon.ico); }
.filter { filter: url(#shadow); }
`
	cssBody = append([]byte(cssRefs), repeat(".shelf-%d { margin: 0 auto; padding: 1rem 2rem; color: var(--crust); }\n", 700)...)
)

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"css/app.css":    {Data: cssBody},
		"js/app.js":      {Data: jsBody},
		"img/hero.svg":   {Data: svgBody},
		"img/logo.svg":   {Data: []byte(`<svg/>`)},
		"img/photo.png":  {Data: noise(400)},
		"img/noise.svg":  {Data: noise(400)},
		"public.go":      {Data: []byte("package public\n")},
		"img/sub/x.json": {Data: repeat(`{"n":%d,"name":"crumb"},`, 400)},
	}
}

// smallFS is the least needed to see how URLs follow content; its files are
// too small to compress, which keeps fingerprinting it fast.
func smallFS() fstest.MapFS {
	return fstest.MapFS{
		"css/app.css":  {Data: []byte(`.hero{background:url(../img/hero.svg)}`)},
		"js/app.js":    {Data: []byte(`start();`)},
		"img/hero.svg": {Data: []byte(`<svg/>`)},
	}
}

// base is testFS fingerprinted, built once: compressing is the slow part.
var base = sync.OnceValues(func() (*assets.Assets, error) { return assets.New(testFS()) })

func baseAssets(t *testing.T) *assets.Assets {
	t.Helper()
	a, err := base()
	if err != nil {
		t.Fatalf("assets.New: %v", err)
	}
	return a
}

func mustNew(t *testing.T, fsys fstest.MapFS) *assets.Assets {
	t.Helper()
	a, err := assets.New(fsys)
	if err != nil {
		t.Fatalf("assets.New: %v", err)
	}
	return a
}

func mustPath(t *testing.T, a *assets.Assets, name string) string {
	t.Helper()
	p, err := a.Path(name)
	if err != nil {
		t.Fatalf("Path(%q): %v", name, err)
	}
	return p
}

func TestFingerprintedURLs(t *testing.T) {
	t.Parallel()
	a := baseAssets(t)
	tests := []struct{ name, pattern string }{
		{"css/app.css", `^/static/css/app\.[0-9a-f]{16}\.css$`},
		{"js/app.js", `^/static/js/app\.[0-9a-f]{16}\.js$`},
		{"img/hero.svg", `^/static/img/hero\.[0-9a-f]{16}\.svg$`},
		{"img/photo.png", `^/static/img/photo\.[0-9a-f]{16}\.png$`},
		{"img/sub/x.json", `^/static/img/sub/x\.[0-9a-f]{16}\.json$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := mustPath(t, a, tt.name)
			if !regexp.MustCompile(tt.pattern).MatchString(url) {
				t.Errorf("Path(%q) = %q, want it to match %s", tt.name, url, tt.pattern)
			}
			if slash := mustPath(t, a, "/"+tt.name); slash != url {
				t.Errorf("Path with a leading slash = %q, want %q", slash, url)
			}
			asset, ok := a.Lookup(url)
			if !ok || asset.Name != tt.name {
				t.Errorf("Lookup(%q) = %v, %v; want the asset %s", url, asset, ok, tt.name)
			}
		})
	}
	if _, err := a.Path("public.go"); err == nil {
		t.Error("the Go file embedding public/ was published as an asset")
	}
	want := []string{"css/app.css", "img/hero.svg", "img/logo.svg", "img/noise.svg", "img/photo.png", "img/sub/x.json", "js/app.js"}
	if got := a.Names(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Names() = %v, want %v", got, want)
	}
}

func TestPathOfUnknownFileFails(t *testing.T) {
	t.Parallel()
	a := baseAssets(t)
	for _, name := range []string{"css/missing.css", "", "img", "app.css", "static/css/app.css"} {
		if url, err := a.Path(name); err == nil {
			t.Errorf("Path(%q) = %q, want an error", name, url)
		}
	}
	if _, ok := a.Lookup("/static/css/app.0000000000000000.css"); ok {
		t.Error("Lookup accepted a made-up fingerprint")
	}
}

func TestHashFollowsContent(t *testing.T) {
	t.Parallel()
	before := mustNew(t, smallFS())
	fsys := smallFS()
	fsys["js/app.js"] = &fstest.MapFile{Data: []byte(`start(); // v2`)}
	after := mustNew(t, fsys)

	if mustPath(t, before, "js/app.js") == mustPath(t, after, "js/app.js") {
		t.Error("js/app.js changed but kept its URL: browsers would keep the stale copy for a year")
	}
	if mustPath(t, before, "img/hero.svg") != mustPath(t, after, "img/hero.svg") {
		t.Error("img/hero.svg did not change but got a new URL")
	}
	if mustPath(t, before, "css/app.css") != mustPath(t, after, "css/app.css") {
		t.Error("css/app.css changed URL although nothing it references changed")
	}
	again := mustNew(t, smallFS())
	for _, name := range again.Names() {
		if mustPath(t, before, name) != mustPath(t, again, name) {
			t.Errorf("%s: the same file fingerprinted twice gave different URLs", name)
		}
	}
}

func TestCSSReferencesAreRewritten(t *testing.T) {
	t.Parallel()
	a := baseAssets(t)
	css, _ := a.Lookup(mustPath(t, a, "css/app.css"))
	body := string(css.Body)
	hero, logo, photo := mustPath(t, a, "img/hero.svg"), mustPath(t, a, "img/logo.svg"), mustPath(t, a, "img/photo.png")

	for _, want := range []string{
		`.hero { background: url("` + hero + `") center / cover; }`,
		`.logo { background-image: url("` + logo + `"); }`,
		`.photo { background-image: url("` + photo + `"); }`,
		`.icon { background: url("` + hero + `?v=2#top"); }`,
		// left alone:
		`url(data:image/svg+xml;base64,PHN2Zy8+)`,
		`url(https://cdn.example.com/x.png)`,
		`url(/favicon.ico)`,
		`url(#shadow)`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("served CSS lacks %s", want)
		}
	}
	if strings.Contains(body, "../img/") {
		t.Error("served CSS still has a relative ../img/ reference")
	}
	sum := sha256.Sum256(css.Body)
	if css.Hash != fmt.Sprintf("%x", sum[:8]) {
		t.Errorf("CSS hash %s does not cover the rewritten body", css.Hash)
	}
}

func TestCSSURLChangesWhenOnlyAnImageChanges(t *testing.T) {
	t.Parallel()
	before := mustNew(t, smallFS())
	fsys := smallFS()
	fsys["img/hero.svg"] = &fstest.MapFile{Data: []byte(`<svg><!-- v2 --></svg>`)}
	after := mustNew(t, fsys)

	if mustPath(t, before, "img/hero.svg") == mustPath(t, after, "img/hero.svg") {
		t.Fatal("changed image kept its URL")
	}
	if mustPath(t, before, "css/app.css") == mustPath(t, after, "css/app.css") {
		t.Error("css/app.css kept its URL though the image it references changed: cached CSS would point at the old image")
	}
}

func TestCSSReferenceToMissingFileFails(t *testing.T) {
	t.Parallel()
	tests := []struct{ css, missing string }{
		{`a { background: url(../img/gone.svg); }`, "../img/gone.svg"},
		{`a { background: url('../fonts/crumb.woff2'); }`, "../fonts/crumb.woff2"},
		{`a { background: url("img/hero.svg"); }`, "img/hero.svg"}, // relative to css/, so css/img/hero.svg
	}
	for _, tt := range tests {
		t.Run(tt.missing, func(t *testing.T) {
			fsys := smallFS()
			fsys["css/extra.css"] = &fstest.MapFile{Data: []byte(tt.css)}
			_, err := assets.New(fsys)
			if err == nil {
				t.Fatal("New accepted CSS that references a missing file")
			}
			if !strings.Contains(err.Error(), "css/extra.css") || !strings.Contains(err.Error(), tt.missing) {
				t.Errorf("error %q does not name css/extra.css and %s", err, tt.missing)
			}
		})
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	return out
}

func unbrotli(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := io.ReadAll(brotli.NewReader(bytes.NewReader(b)))
	if err != nil {
		t.Fatalf("brotli: %v", err)
	}
	return out
}

func TestCompressedVariants(t *testing.T) {
	t.Parallel()
	a := baseAssets(t)
	tests := []struct {
		name       string
		compressed bool
	}{
		{"css/app.css", true},
		{"js/app.js", true},
		{"img/hero.svg", true},
		{"img/sub/x.json", true},
		{"img/logo.svg", false},  // tiny: compression would grow it
		{"img/noise.svg", false}, // incompressible
		{"img/photo.png", false}, // not a compressible type
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asset, _ := a.Lookup(mustPath(t, a, tt.name))
			if !tt.compressed {
				if asset.Gzip != nil || asset.Brotli != nil {
					t.Errorf("%s got compressed variants (gzip %d, br %d bytes for %d)", tt.name, len(asset.Gzip), len(asset.Brotli), len(asset.Body))
				}
				return
			}
			if asset.Gzip == nil || asset.Brotli == nil {
				t.Fatalf("%s: gzip %v, brotli %v; want both", tt.name, asset.Gzip != nil, asset.Brotli != nil)
			}
			if len(asset.Gzip) >= len(asset.Body) || len(asset.Brotli) >= len(asset.Body) {
				t.Errorf("%s: variants are not smaller (gzip %d, br %d, plain %d)", tt.name, len(asset.Gzip), len(asset.Brotli), len(asset.Body))
			}
			if !bytes.Equal(gunzip(t, asset.Gzip), asset.Body) {
				t.Error("gzip variant does not decompress to the original")
			}
			if !bytes.Equal(unbrotli(t, asset.Brotli), asset.Body) {
				t.Error("brotli variant does not decompress to the original")
			}
		})
	}
}

func serveApp(a *assets.Assets) *fiber.App {
	app := fiber.New()
	app.Get("/static/*", a.Serve)
	return app
}

func get(t *testing.T, app *fiber.App, method, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

const immutable = "public, max-age=31536000, immutable"

func TestServeEncodings(t *testing.T) {
	t.Parallel()
	a := baseAssets(t)
	app := serveApp(a)
	url := mustPath(t, a, "css/app.css")
	asset, _ := a.Lookup(url)

	tests := []struct {
		acceptEncoding string
		encoding       string
	}{
		{"", ""},
		{"identity", ""},
		{"br", "br"},
		{"gzip", "gzip"},
		{"gzip, deflate, br", "br"},
		{"br;q=0, gzip", "gzip"},
		{"br;q=0, gzip;q=0", ""},
		{"deflate", ""},
		{"*", "br"},
		{"*, br;q=0", "gzip"},
	}
	etags := map[string]string{}
	for _, tt := range tests {
		t.Run("Accept-Encoding="+tt.acceptEncoding, func(t *testing.T) {
			resp, body := get(t, app, http.MethodGet, url, "Accept-Encoding", tt.acceptEncoding)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if got := resp.Header.Get("Cache-Control"); got != immutable {
				t.Errorf("Cache-Control = %q, want %q", got, immutable)
			}
			if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("Vary = %q, want Accept-Encoding", got)
			}
			if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/css") {
				t.Errorf("Content-Type = %q, want text/css", got)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tt.encoding {
				t.Fatalf("Content-Encoding = %q, want %q", got, tt.encoding)
			}
			etag := resp.Header.Get("ETag")
			if !regexp.MustCompile(`^"[0-9a-f]{16}(-[a-z]+)?"$`).MatchString(etag) {
				t.Errorf("ETag = %q, want a strong quoted tag", etag)
			}
			if prev, seen := etags[etag]; seen && prev != tt.encoding {
				t.Errorf("ETag %s used for both %q and %q encodings", etag, prev, tt.encoding)
			}
			etags[etag] = tt.encoding

			decoded := body
			switch tt.encoding {
			case "br":
				decoded = unbrotli(t, body)
			case "gzip":
				decoded = gunzip(t, body)
			}
			if !bytes.Equal(decoded, asset.Body) {
				t.Errorf("decoded %s body (%d bytes) differs from the asset (%d bytes)", tt.encoding, len(decoded), len(asset.Body))
			}
			if got := resp.Header.Get("Content-Length"); got != fmt.Sprint(len(body)) {
				t.Errorf("Content-Length = %s, body is %d bytes", got, len(body))
			}
		})
	}
	if len(etags) != 3 {
		t.Errorf("ETags %v: want one distinct tag for each of identity, gzip and br", etags)
	}
}

func TestServeContentTypes(t *testing.T) {
	t.Parallel()
	a := baseAssets(t)
	app := serveApp(a)
	tests := []struct{ name, contentType string }{
		{"js/app.js", "javascript"},
		{"img/hero.svg", "image/svg+xml"},
		{"img/photo.png", "image/png"},
		{"img/sub/x.json", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := get(t, app, http.MethodGet, mustPath(t, a, tt.name))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); !strings.Contains(got, tt.contentType) {
				t.Errorf("Content-Type = %q, want %s", got, tt.contentType)
			}
		})
	}

	t.Run("no Vary for a file with no variants", func(t *testing.T) {
		resp, body := get(t, app, http.MethodGet, mustPath(t, a, "img/photo.png"), "Accept-Encoding", "br, gzip")
		if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, noise(400)) {
			t.Error("an incompressible file was not served as is")
		}
		if got := resp.Header.Get("Vary"); got != "" {
			t.Errorf("Vary = %q for a file with a single representation", got)
		}
	})
}

func TestServeConditional(t *testing.T) {
	t.Parallel()
	a := baseAssets(t)
	app := serveApp(a)
	url := mustPath(t, a, "js/app.js")

	for _, enc := range []string{"", "gzip", "br"} {
		t.Run("Accept-Encoding="+enc, func(t *testing.T) {
			first, _ := get(t, app, http.MethodGet, url, "Accept-Encoding", enc)
			etag := first.Header.Get("ETag")

			resp, body := get(t, app, http.MethodGet, url, "Accept-Encoding", enc, "If-None-Match", etag)
			if resp.StatusCode != http.StatusNotModified {
				t.Fatalf("If-None-Match %s: status %d, want 304", etag, resp.StatusCode)
			}
			if len(body) != 0 {
				t.Errorf("304 carried a %d-byte body", len(body))
			}
			if resp.Header.Get("ETag") != etag || resp.Header.Get("Cache-Control") != immutable {
				t.Errorf("304 headers: ETag %q, Cache-Control %q", resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
			}

			resp, _ = get(t, app, http.MethodGet, url, "Accept-Encoding", enc, "If-None-Match", "W/"+etag)
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("weak If-None-Match: status %d, want 304", resp.StatusCode)
			}
		})
	}

	t.Run("another encoding's ETag", func(t *testing.T) {
		br, _ := get(t, app, http.MethodGet, url, "Accept-Encoding", "br")
		resp, body := get(t, app, http.MethodGet, url, "Accept-Encoding", "gzip", "If-None-Match", br.Header.Get("ETag"))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("status %d, encoding %q: a cached br copy must not validate a gzip response", resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		if !bytes.Equal(gunzip(t, body), jsBody) {
			t.Error("gzip body does not decode to app.js")
		}
	})
}

func TestServeUnknownIsNotCached(t *testing.T) {
	t.Parallel()
	a := baseAssets(t)
	app := serveApp(a)
	current := mustPath(t, a, "css/app.css")
	// The same file under an earlier fingerprint, as an old page would ask.
	hash := regexp.MustCompile(`[0-9a-f]{16}`).FindString(current)
	stale := strings.Replace(current, hash, hash[8:]+hash[:8], 1)

	for _, path := range []string{
		stale,
		"/static/css/app.0000000000000000.css",
		"/static/css/app.css",
		"/static/css/missing.css",
		"/static/",
	} {
		t.Run(path, func(t *testing.T) {
			resp, _ := get(t, app, http.MethodGet, path)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("status %d, want 404", resp.StatusCode)
			}
			if cc := resp.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") || strings.Contains(cc, "max-age") {
				t.Errorf("404 is cacheable: Cache-Control %q", cc)
			}
		})
	}
}

func TestServeHead(t *testing.T) {
	t.Parallel()
	a := baseAssets(t)
	resp, body := get(t, serveApp(a), http.MethodHead, mustPath(t, a, "img/hero.svg"))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != immutable {
		t.Errorf("HEAD: status %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if len(body) != 0 {
		t.Errorf("HEAD returned a %d-byte body", len(body))
	}
}

func TestPublicFS(t *testing.T) {
	t.Parallel()
	a, err := assets.New(public.FS)
	if err != nil {
		t.Fatalf("assets.New(public.FS): %v", err)
	}
	app := serveApp(a)

	t.Run("css references are rewritten", func(t *testing.T) {
		url := mustPath(t, a, "css/app.css")
		resp, body := get(t, app, http.MethodGet, url)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", url, resp.StatusCode)
		}
		if bytes.Contains(body, []byte("url(../")) || bytes.Contains(body, []byte("url('../")) || bytes.Contains(body, []byte(`url("../`)) {
			t.Error("served app.css still has a relative url(../...) reference")
		}
		refs := regexp.MustCompile(`url\("(/static/[^"?#]+)`).FindAllSubmatch(body, -1)
		if len(refs) == 0 {
			t.Fatal("served app.css references no fingerprinted file")
		}
		for _, ref := range refs {
			if _, ok := a.Lookup(string(ref[1])); !ok {
				t.Errorf("app.css references %s, which is not served", ref[1])
			}
		}
	})

	t.Run("every seeded product has its image", func(t *testing.T) {
		db := testkit.SQLite(t)
		catalog, err := storage.NewCatalog(context.Background(), db, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if err := database.Seed(context.Background(), catalog, "USD"); err != nil {
			t.Fatal(err)
		}
		var products []models.Product
		if err := db.Find(&products).Error; err != nil {
			t.Fatal(err)
		}
		if len(products) == 0 {
			t.Fatal("the seeded catalog is empty")
		}
		for _, p := range products {
			if p.Image != "img/products/"+p.Slug+".svg" {
				t.Errorf("%s: image %q, want img/products/%s.svg", p.Slug, p.Image, p.Slug)
			}
			if _, err := a.Path(p.Image); err != nil {
				t.Errorf("%s: %v", p.Slug, err)
			}
		}
		var categories []models.Category
		if err := db.Find(&categories).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range categories {
			if _, err := a.Path("img/categories/" + c.Slug + ".svg"); err != nil {
				t.Errorf("category %s has no image: %v", c.Slug, err)
			}
		}
	})
}
