package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/template/html/v2"

	"crumb/assets"
	"crumb/i18n"
	"crumb/models"
)

// Templates renders the views for Fiber (it is the app's fiber.Views).
//
// Each language has its own copy of every template, its words written in
// before it is parsed (see i18n.FS), with template functions that speak
// that language. A page is rendered in its Page.Lang; anything else in
// the shop's default language.
//
// The gofiber html engine parses them once, with Crumb's template
// functions; they are then executed directly. The engine's own Render
// copies a template and registers its functions again on every call, which
// runs the HTML escaper again under the template set's lock, and its layout
// feature holds an exclusive lock for the whole render: either would
// serialise every page view. Render below keeps Fiber's interface
// (c.Render with a layout) without the lock: the page is rendered first,
// then the layout shows it as .Content; the base layout is written from
// its stencils (see stencil).
type Templates struct {
	sets     map[models.Language]*templateSet
	fallback models.Language
}

// templateSet is every template in one language.
type templateSet struct {
	engine   *html.Engine
	stencils map[stencilKey]*stencil
}

type stencilKey struct {
	layout   string
	signedIn bool
}

// stenciled are the layouts written from stencils.
var stenciled = []string{"layouts/base"}

// NewTemplates parses every template of fsys in every language; times are
// shown in zone; what is not a page is rendered in fallback.
func NewTemplates(fsys fs.FS, static *assets.Assets, zone *time.Location, fallback models.Language) (*Templates, error) {
	t := &Templates{sets: map[models.Language]*templateSet{}, fallback: fallback}
	for _, lang := range models.Languages {
		engine := html.NewFileSystem(http.FS(i18n.FS(fsys, lang)), ".html")
		engine.AddFunc("asset", static.Path)
		engine.AddFunc("when", func(t time.Time) string { return i18n.When(lang, t, zone) })
		engine.AddFunc("day", func(t time.Time) string { return i18n.Day(lang, t, zone) })
		engine.AddFunc("say", func(m models.Message) string { return i18n.Say(lang, m) })
		engine.AddFunc("tr", func(id string, pairs ...any) string { return i18n.Tr(lang, id, pairs...) })
		engine.AddFunc("money", func(m models.Money) string { return m.In(lang) })
		engine.AddFunc("device", func(label string) string { return i18n.Device(lang, label) })
		engine.AddFunc("status", func(s string) string { return i18n.T(lang, "status."+s) })
		engine.AddFunc("field", newField)
		engine.AddFunc("limit", models.Limit)
		if err := engine.Load(); err != nil {
			return nil, fmt.Errorf("views (%s): %w", lang, err)
		}
		set := &templateSet{engine: engine, stencils: map[stencilKey]*stencil{}}
		for _, layout := range stenciled {
			for _, signedIn := range []bool{false, true} {
				st, err := newStencil(layout, signedIn, set.execute)
				if err != nil {
					return nil, err
				}
				set.stencils[stencilKey{layout, signedIn}] = st
			}
		}
		t.sets[lang] = set
	}
	return t, nil
}

// Has reports whether the template name exists.
func (t *Templates) Has(name string) bool {
	return t.sets[t.fallback].engine.Templates.Lookup(name) != nil
}

// Load does nothing: the templates were parsed by NewTemplates.
func (t *Templates) Load() error { return nil }

func (s *templateSet) execute(out io.Writer, name string, data any) error {
	return s.engine.Templates.ExecuteTemplate(out, name, data)
}

// set is the templates in lang, or in the fallback language.
func (t *Templates) set(lang models.Language) *templateSet {
	if s, ok := t.sets[lang]; ok {
		return s
	}
	return t.sets[t.fallback]
}

// RenderIn executes template name with data in lang, without a layout.
func (t *Templates) RenderIn(out io.Writer, lang models.Language, name string, data any) error {
	return t.set(lang).execute(out, name, data)
}

var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render executes template name with data into out. With a layout, data
// must be a page (a struct embedding Page): the page is rendered into its
// Content (an empty name keeps the Content it has), then the layout is
// rendered with it, and the form token is filled in.
func (t *Templates) Render(out io.Writer, name string, data any, layout ...string) error {
	pd, isPage := data.(PageData)
	if len(layout) == 0 || layout[0] == "" {
		lang := t.fallback
		if isPage {
			lang = pd.base().Lang
		}
		return t.set(lang).execute(out, name, data)
	}
	if !isPage {
		return fmt.Errorf("views: %s in a layout needs data that embeds web.Page, not %T", name, data)
	}
	p := pd.base()
	set := t.set(p.Lang)
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 256*1024 {
			buf.Reset()
			pageBuffers.Put(buf)
		}
	}()
	if name != "" {
		if err := set.execute(buf, name, data); err != nil {
			return err
		}
		p.Content = template.HTML(buf.String()) // rendered by html/template: already escaped
		buf.Reset()
	}
	if st := set.stencils[stencilKey{layout[0], p.User != nil}]; st != nil && len(p.Flash) == 0 && p.CSRF != "" {
		st.write(buf, p)
	} else if err := set.execute(buf, layout[0], data); err != nil {
		return err
	}
	token := template.HTMLEscapeString(p.token) // URL-safe base64, but never trusted
	if p.gzip {
		return writeGzip(out, buf.Bytes(), token)
	}
	return fillFormToken(out, buf.Bytes(), token)
}

// Field is a labelled form field as partials/field shows it: the input
// (or select), its hint and its error, tied together by aria-describedby.
type Field struct {
	ID, Name, Label, Type, Value string
	Error, Hint                  string
	Autocomplete, InputMode      string
	Required                     bool
	MinLength, MaxLength         int
	Options                      []Option // for Type "select"
}

// Option is one choice of a select field.
type Option struct{ Value, Label string }

// DescribedBy lists the ids of the field's hint and error.
func (f Field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// newField is the template function field: it builds a Field from
// key-value pairs, as in
//
//	{{template "partials/field" (field "name" "email" "label" "Email" "type" "email" "value" .Form.Email "error" (.Form.Error "email"))}}
//
// The id defaults to the name and the type to text.
func newField(pairs ...any) (Field, error) {
	if len(pairs)%2 != 0 {
		return Field{}, fmt.Errorf("field: odd number of arguments")
	}
	f := Field{Type: "text"}
	for i := 0; i < len(pairs); i += 2 {
		key, _ := pairs[i].(string)
		switch v := pairs[i+1].(type) {
		case string:
			switch key {
			case "id":
				f.ID = v
			case "name":
				f.Name = v
			case "label":
				f.Label = v
			case "type":
				f.Type = v
			case "value":
				f.Value = v
			case "error":
				f.Error = v
			case "hint":
				f.Hint = v
			case "autocomplete":
				f.Autocomplete = v
			case "inputmode":
				f.InputMode = v
			default:
				return Field{}, fmt.Errorf("field: unknown text %q", key)
			}
		case int:
			switch key {
			case "minlength":
				f.MinLength = v
			case "maxlength":
				f.MaxLength = v
			default:
				return Field{}, fmt.Errorf("field: unknown number %q", key)
			}
		case bool:
			if key != "required" {
				return Field{}, fmt.Errorf("field: unknown flag %q", key)
			}
			f.Required = v
		case []Option:
			if key != "options" {
				return Field{}, fmt.Errorf("field: unknown list %q", key)
			}
			f.Options = v
		default:
			return Field{}, fmt.Errorf("field: %q has a value of type %T", key, v)
		}
	}
	if f.Name == "" || f.Label == "" {
		return Field{}, fmt.Errorf("field: a name and a label are required")
	}
	if f.ID == "" {
		f.ID = f.Name
	}
	return f, nil
}

// countryOptions are the countries the bakery ships to, named in lang, for
// a select field.
func countryOptions(lang models.Language) []Option {
	out := make([]Option, len(models.Countries))
	for i, c := range models.Countries {
		out[i] = Option{Value: c.Code, Label: i18n.T(lang, "country."+c.Code)}
	}
	return out
}
