package i18n

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"

	"crumb/models"
)

// Templates name their words by message id, and each language gets its
// own copy of every template with the words written in, before it is
// parsed: a page pays nothing at run time for the words that never change.
//
//	{{t "cart.title"}}                  the message, as text
//	(field "label" (t "form.email"))    the message, as a string in an action
//
// Messages with values are put in at run time with the template function
// tr ({{tr "cart.items" "Count" .Count}}).
var (
	asText   = regexp.MustCompile(`\{\{\s*t\s+"([^"]+)"\s*\}\}`)
	asString = regexp.MustCompile(`\(t\s+"([^"]+)"\)`)
)

// Translate writes the words of lang into a template's source. html says
// whether the template is HTML (the words are escaped) or plain text. A
// message id the catalogue lacks, or one that has values, is an error
// naming it.
func Translate(src []byte, lang models.Language, html bool) ([]byte, error) {
	var missing []string
	word := func(id string) string {
		s, ok := catalogue.plain[lang][id]
		if !ok {
			missing = append(missing, id)
		}
		return s
	}
	out := asText.ReplaceAllStringFunc(string(src), func(m string) string {
		s := word(asText.FindStringSubmatch(m)[1])
		if html {
			s = template.HTMLEscapeString(s)
		}
		return strings.ReplaceAll(s, "{{", "{{`{{`}}")
	})
	out = asString.ReplaceAllStringFunc(out, func(m string) string {
		return strconv.Quote(word(asString.FindStringSubmatch(m)[1]))
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("no message %s in %s (or it has values: use tr)", strings.Join(missing, ", "), lang)
	}
	return []byte(out), nil
}

// FS is fsys with the words of lang written into every template (files
// ending in .html or .tmpl; .html and .html.tmpl are HTML). A template
// naming a message the catalogue lacks fails to open, so the set fails to
// load.
func FS(fsys fs.FS, lang models.Language) fs.FS { return translated{fsys, lang} }

type translated struct {
	fs.FS
	lang models.Language
}

func (t translated) Open(name string) (fs.File, error) {
	f, err := t.FS.Open(name)
	if err != nil || !(strings.HasSuffix(name, ".html") || strings.HasSuffix(name, ".tmpl")) {
		return f, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		return t.FS.Open(name)
	}
	src, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	out, err := Translate(src, t.lang, !strings.HasSuffix(name, ".txt.tmpl"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &file{info: info, r: strings.NewReader(string(out)), size: int64(len(out))}, nil
}

type file struct {
	info fs.FileInfo
	r    *strings.Reader
	size int64
}

func (f *file) Stat() (fs.FileInfo, error) { return sized{f.info, f.size}, nil }
func (f *file) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *file) Close() error               { return nil }

// Seek lets net/http serve the file (the template engine reads it so).
func (f *file) Seek(offset int64, whence int) (int64, error) { return f.r.Seek(offset, whence) }

type sized struct {
	fs.FileInfo
	size int64
}

func (s sized) Size() int64        { return s.size }
func (s sized) ModTime() time.Time { return s.FileInfo.ModTime() }
