package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"

	"crumb/secret"
	"crumb/sessions"
)

// A stencil is the base layout rendered once with a marker in each place a
// page puts its own values (the title, the search box, who is signed in,
// the cart count, the page's address for the language switch, the
// navigation, the page itself), and cut at the
// markers. A page view then writes the layout's pieces and its values,
// escaped as html/template would, instead of executing the layout's
// template: that execution, reflection on every field, was most of what a
// page cost. TestStencilMatchesTheLayout holds the two to the same bytes.
type stencil struct {
	pieces []string // static HTML; between each two, one hole
	holes  []hole
}

// hole is one place a page's value goes.
type hole int

const (
	holeTitle hole = iota
	holeHeadLinks
	holeBrand
	holeQuery
	holeUserName
	holeCartCount
	holePath
	holeNav
	holeContent
)

var holeNames = [...]string{"the title", "the head links", "the logo", "the search query", "the shopper's name", "the cart count", "the page's address", "the navigation", "the page"}

func (h hole) String() string { return holeNames[h] }

// markers stand in for each hole's value while the stencil is made: text
// that html/template writes unchanged in any context, and that no page
// could contain by chance.
var markers = func() map[hole]string {
	m := map[hole]string{}
	for h := holeTitle; h <= holeContent; h++ {
		if h == holeCartCount {
			continue // a number: cartCountMarker
		}
		m[h] = "zq" + secret.Hex(8) + strconv.Itoa(int(h)) + "qz"
	}
	return m
}()

// cartCountMarker stands in for the cart count, a number.
const cartCountMarker = 730514298

// newStencil renders layout through execute with markers for the values of
// a guest's page (signedIn false) or a signed-in shopper's, and cuts it.
func newStencil(layout string, signedIn bool, execute func(io.Writer, string, any) error) (*stencil, error) {
	p := &Page{
		Title: markers[holeTitle], HeadLinks: template.HTML(markers[holeHeadLinks]), Brand: template.HTML(markers[holeBrand]),
		Query: markers[holeQuery], CartCount: cartCountMarker, Path: markers[holePath], Nav: template.HTML(markers[holeNav]),
		Content: template.HTML(markers[holeContent]), CSRF: formTokenMarker,
	}
	if signedIn {
		p.User = &sessions.Current{Name: markers[holeUserName]}
	}
	var out bytes.Buffer
	if err := execute(&out, layout, p); err != nil {
		return nil, err
	}
	html := out.String()
	type at struct {
		pos  int
		h    hole
		size int
	}
	var found []at
	for h, m := range markers {
		if h == holeUserName && !signedIn {
			continue
		}
		if n := strings.Count(html, m); n != 1 {
			return nil, fmt.Errorf("views: %s shows %s %d times; the stencil needs it once", layout, h, n)
		}
		found = append(found, at{strings.Index(html, m), h, len(m)})
	}
	count := strconv.Itoa(cartCountMarker)
	if strings.Count(html, count) != 1 {
		return nil, fmt.Errorf("views: %s shows the cart count %d times; the stencil needs it once", layout, strings.Count(html, count))
	}
	found = append(found, at{strings.Index(html, count), holeCartCount, len(count)})
	sort.Slice(found, func(i, j int) bool { return found[i].pos < found[j].pos })
	s := &stencil{}
	last := 0
	for _, f := range found {
		s.pieces = append(s.pieces, html[last:f.pos])
		s.holes = append(s.holes, f.h)
		last = f.pos + f.size
	}
	s.pieces = append(s.pieces, html[last:])
	return s, nil
}

// write writes the layout around p.
func (s *stencil) write(w *bytes.Buffer, p *Page) {
	for i, h := range s.holes {
		w.WriteString(s.pieces[i])
		switch h {
		case holeTitle:
			escapeHTML(w, p.Title)
		case holeHeadLinks:
			w.WriteString(string(p.HeadLinks))
		case holeBrand:
			w.WriteString(string(p.Brand))
		case holeQuery:
			escapeHTML(w, p.Query)
		case holeUserName:
			escapeHTML(w, p.User.Name)
		case holeCartCount:
			w.WriteString(strconv.Itoa(p.CartCount))
		case holePath:
			escapeHTML(w, p.Path)
		case holeNav:
			w.WriteString(string(p.Nav))
		case holeContent:
			w.WriteString(string(p.Content))
		}
	}
	w.WriteString(s.pieces[len(s.pieces)-1])
}

// escapeHTML writes s as html/template writes a value in text, in a quoted
// attribute or in a title: the same characters, replaced the same way.
func escapeHTML(w *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case 0:
			rep = "\uFFFD"
		case '"':
			rep = "&#34;"
		case '&':
			rep = "&amp;"
		case '\'':
			rep = "&#39;"
		case '+':
			rep = "&#43;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			continue
		}
		w.WriteString(s[last:i])
		w.WriteString(rep)
		last = i + 1
	}
	w.WriteString(s[last:])
}

// formTokenMarker is what every page is rendered with as its form token
// (Page.CSRF); the real token replaces it as the page is sent. So no
// rendered HTML that is kept and reused (a product's page body, a cart
// line) can ever hold a shopper's token.
var formTokenMarker = "zq" + secret.Hex(12) + "csrfqz"

// fillFormToken writes page to out with the form token in place of its
// marker.
func fillFormToken(out io.Writer, page []byte, token string) error {
	for {
		i := bytes.Index(page, []byte(formTokenMarker))
		if i < 0 {
			_, err := out.Write(page)
			return err
		}
		if _, err := out.Write(page[:i]); err != nil {
			return err
		}
		if _, err := io.WriteString(out, token); err != nil {
			return err
		}
		page = page[i+len(formTokenMarker):]
	}
}
