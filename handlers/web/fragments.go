package web

import (
	"bytes"
	"html/template"
	"strconv"
	"sync"

	"crumb/models"
)

// fragments renders parts of pages that depend only on the catalog (a
// product's card, the category navigation) or on nothing at all (the asset
// links, the logo) once per catalog snapshot, so
// a page view stitches ready-made HTML together instead of running those
// templates, and their escapers, every time.
type fragments struct {
	tpl     *Templates
	mu      sync.RWMutex
	version uint64
	html    map[fragmentKey]template.HTML
}

// fragmentKey names what is kept: the same key in another language is
// another fragment.
type fragmentKey struct {
	lang models.Language
	key  string
}

// maxFragments bounds what is kept (carts are many): when it is reached,
// everything is dropped and rendered again as it is asked for.
const maxFragments = 4096

// Render returns template name rendered with data in lang, cached under
// key for the catalog snapshot version.
func (f *fragments) Render(version uint64, lang models.Language, key, name string, data any) (template.HTML, error) {
	return f.Cached(version, lang, key, func() (template.HTML, error) { return f.RenderNow(lang, name, data) })
}

// Cached returns what render returns, cached under key in lang for the
// catalog snapshot version: what is kept in one language never answers
// another. What it renders must be the same for every shopper: pages hold
// formTokenMarker, never a form token.
func (f *fragments) Cached(version uint64, lang models.Language, key string, render func() (template.HTML, error)) (template.HTML, error) {
	f.mu.RLock()
	cached, ok := f.html[fragmentKey{lang, key}]
	ok = ok && f.version == version
	f.mu.RUnlock()
	if ok {
		return cached, nil
	}
	out, err := render()
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.version != version || len(f.html) >= maxFragments {
		f.version, f.html = version, map[fragmentKey]template.HTML{}
	}
	f.html[fragmentKey{lang, key}] = out
	return out, nil
}

// RenderNow renders template name with data in lang, without caching.
func (f *fragments) RenderNow(lang models.Language, name string, data any) (template.HTML, error) {
	var buf bytes.Buffer
	if err := f.tpl.RenderIn(&buf, lang, name, data); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // rendered by html/template: already escaped
}

// cards returns the product cards of products, read from catalog version
// (or a newer one: what is kept is never older than its version).
func (s *Server) cards(version uint64, lang models.Language, products []models.Product) ([]template.HTML, error) {
	out := make([]template.HTML, len(products))
	for i, p := range products {
		var err error
		if out[i], err = s.fragments.Render(version, lang, "card:"+strconv.FormatUint(uint64(p.ID), 10), "partials/product-card", p.In(lang)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// categoryNav returns the category navigation with current ("all", a
// category slug, or "") marked.
func (s *Server) categoryNav(lang models.Language, current string) (template.HTML, error) {
	return s.fragments.Cached(s.Catalog.Version(), lang, "nav:"+current, func() (template.HTML, error) {
		return s.fragments.RenderNow(lang, "partials/category-nav", struct {
			Current    string
			Categories []models.Category
		}{current, models.InAll(s.Catalog.Categories(), lang)})
	})
}

// staticParts are the parts of every page that change only with the
// assets: the stylesheet, script and icon links, and the logo.
func (s *Server) staticParts(lang models.Language) (links, brand template.HTML) {
	version := s.Catalog.Version()
	links, err := s.fragments.Render(version, lang, "head-links", "partials/head-links", nil)
	if err == nil {
		brand, err = s.fragments.Render(version, lang, "brand", "partials/brand", nil)
	}
	if err != nil {
		s.Log.Error("page parts", "err", err)
	}
	return links, brand
}
