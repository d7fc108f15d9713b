package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
	"time"

	"crumb/assets"
	"crumb/models"
	"crumb/public"
	"crumb/sessions"
	"crumb/views"
)

// The base layout is written from its stencils; what a shopper gets must be
// byte for byte what executing the layout gives, whatever the values hold.
func TestStencilMatchesTheLayout(t *testing.T) {
	static, err := assets.New(public.FS)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := NewTemplates(views.FS, static, time.UTC, models.English)
	if err != nil {
		t.Fatal(err)
	}
	tricky := []string{
		"", "Rye & Caraway", `<script>alert("x")</script>`, "O'Brien's +1 \"loaf\"", "nul\x00byte",
		"invalid \xff\xfe utf-8", "Crème brûlée — “quoted”", "{{.CSRF}}", "a\nb\tc", "&amp; already",
	}
	for _, s := range tricky {
		for i, signedIn := range []bool{false, true, false, true} {
			lang := models.Languages[i/2]
			p := &Page{
				Lang: lang, Title: s, Query: s, Path: "/products?q=" + s, CartCount: len(s) * 7, CSRF: formTokenMarker, token: "tok-" + s,
				Nav: template.HTML(`<nav>` + s + `</nav>`), HeadLinks: `<link rel="stylesheet" href="/static/x.css">`,
				Brand: `<a href="/">Crumb</a>`, Content: template.HTML(`<p>` + s + `</p><input name="_csrf" value="` + formTokenMarker + `">`),
			}
			if signedIn {
				p.User = &sessions.Current{Name: s}
			}
			var want, layout bytes.Buffer
			if err := tpl.set(lang).execute(&layout, "layouts/base", p); err != nil {
				t.Fatal(err)
			}
			if err := fillFormToken(&want, layout.Bytes(), template.HTMLEscapeString(p.token)); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := tpl.Render(&got, "", p, "layouts/base"); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("%s, signed in %v, values %q:\nstencil:  %s\ntemplate: %s", lang, signedIn, s, got.String(), want.String())
			}
			if strings.Contains(got.String(), formTokenMarker) || !strings.Contains(got.String(), `value="`+template.HTMLEscapeString(p.token)) {
				t.Errorf("values %q: the form token is not filled in", s)
			}
			// Compressed, it is the same page, and so is a page with a
			// one-time message (which the template writes, not the stencil).
			for _, flash := range [][]string{nil, {s}} {
				p.Flash = flash
				var plain bytes.Buffer
				if err := tpl.Render(&plain, "", p, "layouts/base"); err != nil {
					t.Fatal(err)
				}
				p.gzip = true
				var zipped bytes.Buffer
				if err := tpl.Render(&zipped, "", p, "layouts/base"); err != nil {
					t.Fatal(err)
				}
				p.gzip = false
				if unzipped := gunzip(t, zipped.Bytes()); unzipped != plain.String() {
					t.Errorf("%s, signed in %v, values %q, flash %v: gzip gives\n%s\nnot\n%s", lang, signedIn, s, flash != nil, unzipped, plain.String())
				}
			}
		}
	}
}
