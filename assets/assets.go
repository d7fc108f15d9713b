// Package assets fingerprints the files of public/ by content hash at
// startup, rewrites url(...) references inside CSS to fingerprinted names,
// prepares gzip and brotli variants once, and serves them with year-long
// immutable caching. Templates reach assets only through Path (the `asset`
// template function), so a changed file always gets a new URL.
package assets

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/andybalholm/brotli"
)

// Prefix is the URL path under which fingerprinted assets are served.
const Prefix = "/static/"

// UploadPrefix starts the name of every picture uploaded through the back
// office. Such a name is already its content's hash, so Path serves it as
// it is, under Prefix, and the app serves it from where uploads are kept.
const UploadPrefix = "uploads/"

// Asset is one fingerprinted file with its precompressed variants.
type Asset struct {
	Name        string // as written: css/app.css
	URL         string // /static/css/app.3f2a9c81d0e4b7a6.css
	ContentType string
	Hash        string
	Body        []byte
	Gzip        []byte // nil when compression does not pay
	Brotli      []byte
}

// Assets is the immutable set of fingerprinted files.
type Assets struct {
	byName map[string]*Asset
	byURL  map[string]*Asset
}

var cssURL = regexp.MustCompile(`url\(\s*(['"]?)([^'")]+)(['"]?)\s*\)`)

// New fingerprints every file of fsys. CSS files are processed after the
// files they reference so their hash covers the rewritten references; a CSS
// reference to a missing file is an error.
func New(fsys fs.FS) (*Assets, error) {
	a := &Assets{byName: map[string]*Asset{}, byURL: map[string]*Asset{}}
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(p, ".go") {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	// CSS last, so every file it may reference is already fingerprinted.
	sort.SliceStable(names, func(i, j int) bool {
		return path.Ext(names[i]) != ".css" && path.Ext(names[j]) == ".css"
	})
	for _, name := range names {
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("assets: %w", err)
		}
		if path.Ext(name) == ".css" {
			if body, err = a.rewriteCSS(name, body); err != nil {
				return nil, err
			}
		}
		a.add(name, body)
	}
	return a, nil
}

func (a *Assets) add(name string, body []byte) {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:8])
	ext := path.Ext(name)
	ctype := mime.TypeByExtension(ext)
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	asset := &Asset{
		Name:        name,
		URL:         Prefix + strings.TrimSuffix(name, ext) + "." + hash + ext,
		ContentType: ctype,
		Hash:        hash,
		Body:        body,
	}
	if compressible(ctype) {
		asset.Gzip = smaller(body, gzipBytes(body))
		asset.Brotli = smaller(body, brotliBytes(body))
	}
	a.byName[name] = asset
	a.byURL[asset.URL] = asset
}

// rewriteCSS replaces each relative url(...) with the referenced file's
// fingerprinted URL. data: URIs, absolute URLs and fragments are left alone.
func (a *Assets) rewriteCSS(name string, body []byte) ([]byte, error) {
	var missing []string
	out := cssURL.ReplaceAllFunc(body, func(m []byte) []byte {
		ref := string(cssURL.FindSubmatch(m)[2])
		if strings.HasPrefix(ref, "data:") || strings.HasPrefix(ref, "#") || strings.Contains(ref, "://") || strings.HasPrefix(ref, "/") {
			return m
		}
		clean, suffix := ref, ""
		if i := strings.IndexAny(ref, "?#"); i >= 0 {
			clean, suffix = ref[:i], ref[i:]
		}
		target, ok := a.byName[path.Join(path.Dir(name), clean)]
		if !ok {
			missing = append(missing, ref)
			return m
		}
		return []byte(`url("` + target.URL + suffix + `")`)
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("assets: %s references missing files: %s", name, strings.Join(missing, ", "))
	}
	return out, nil
}

// Path returns the fingerprinted URL of the file name (as written under
// public/, or an uploaded picture's name). An unknown name is an error,
// which fails the template render and so every test that renders it.
func (a *Assets) Path(name string) (string, error) {
	if strings.HasPrefix(name, UploadPrefix) {
		return Prefix + name, nil
	}
	asset, ok := a.byName[strings.TrimPrefix(name, "/")]
	if !ok {
		return "", fmt.Errorf("assets: no file %q in public/", name)
	}
	return asset.URL, nil
}

// Lookup finds the asset served at a fingerprinted URL path.
func (a *Assets) Lookup(urlPath string) (*Asset, bool) {
	asset, ok := a.byURL[urlPath]
	return asset, ok
}

// Names lists every file as written, sorted.
func (a *Assets) Names() []string {
	names := make([]string, 0, len(a.byName))
	for n := range a.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "json") || strings.Contains(ctype, "svg") || strings.Contains(ctype, "xml")
}

// smaller keeps a compressed variant only if it saves at least 5%.
func smaller(plain, compressed []byte) []byte {
	if len(compressed) >= len(plain)*95/100 {
		return nil
	}
	return compressed
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func brotliBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}
