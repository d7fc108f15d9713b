package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"strings"
	"text/template"
	"time"

	"crumb/i18n"
	"crumb/models"
)

// Renderer turns outbox messages into emails, from the templates
// views/mail/<kind>.txt.tmpl (which defines "subject" and "content") and
// views/mail/<kind>.html.tmpl (which defines "content"), each inside the
// layout of its part. Each language has its own copy of every template,
// its words written in before it is parsed (see i18n.FS), and an email is
// written in the language its message carries: the account's, whoever
// caused it to be sent.
type Renderer struct {
	base *url.URL
	sets map[models.Language]map[string]kindTemplates
}

// kindTemplates are the two parts of one kind of email in one language.
type kindTemplates struct {
	text *template.Template
	html *htmltemplate.Template
}

// unmarkedLanguage is the language of a message that names none: it was
// queued before emails spoke the account's language, when they were English.
const unmarkedLanguage = models.English

// NewRenderer parses the templates of every kind of email in fsys, in
// every language; links point at base and times are shown in zone. A
// missing template stops startup.
func NewRenderer(fsys fs.FS, base *url.URL, zone *time.Location) (*Renderer, error) {
	r := &Renderer{base: base, sets: map[models.Language]map[string]kindTemplates{}}
	for _, lang := range models.Languages {
		words := i18n.FS(fsys, lang)
		funcs := map[string]any{
			"when":  func(t time.Time) string { return i18n.When(lang, t, zone) },
			"tr":    func(id string, pairs ...any) string { return i18n.Tr(lang, id, pairs...) },
			"money": func(m models.Money) string { return m.In(lang) },
		}
		set := map[string]kindTemplates{}
		for _, kind := range models.MailKinds() {
			text, err := template.New(kind).Funcs(funcs).ParseFS(words, "mail/layout.txt.tmpl", "mail/"+kind+".txt.tmpl")
			if err != nil {
				return nil, fmt.Errorf("mail templates (%s): %w", lang, err)
			}
			html, err := htmltemplate.New(kind).Funcs(funcs).ParseFS(words, "mail/layout.html.tmpl", "mail/"+kind+".html.tmpl")
			if err != nil {
				return nil, fmt.Errorf("mail templates (%s): %w", lang, err)
			}
			set[kind] = kindTemplates{text, html}
		}
		r.sets[lang] = set
	}
	return r, nil
}

// linkPaths is where the one-time link of each kind that carries one
// leads, on the shop.
var linkPaths = map[string]string{
	models.MailPasswordReset: "/password/reset",
	models.MailVerifyEmail:   "/account/verify",
}

// view is what the templates see.
type view struct {
	models.MailData
	Shop      string // the store's address
	Bank      string // where a bank transfer goes
	Link      string // the message's one-time link; empty once it was sent
	OrderURL  string
	ForgotURL string
}

// Render builds the email of an outbox message.
func (r *Renderer) Render(m models.OutboxMessage) (Message, error) {
	data, err := m.Mail()
	if err != nil {
		return Message{}, err
	}
	set, ok := r.sets[data.Lang]
	if !ok {
		set = r.sets[unmarkedLanguage]
	}
	tpl, ok := set[m.Kind]
	if !ok {
		return Message{}, fmt.Errorf("mail: no templates for kind %q", m.Kind)
	}
	text, html := tpl.text, tpl.html
	shop := r.base.String()
	v := view{MailData: data, Shop: shop, Bank: models.BankAccount, ForgotURL: shop + "/password/forgot"}
	if path, ok := linkPaths[m.Kind]; ok && m.Secret != "" {
		v.Link = shop + path + "?token=" + url.QueryEscape(m.Secret)
	}
	if data.Order != nil {
		v.OrderURL = shop + "/orders/" + url.PathEscape(data.Order.Number)
	}
	var subject, body, page bytes.Buffer
	if err := text.ExecuteTemplate(&subject, "subject", v); err != nil {
		return Message{}, fmt.Errorf("mail %s: %w", m.Kind, err)
	}
	if err := text.ExecuteTemplate(&body, "text", v); err != nil {
		return Message{}, fmt.Errorf("mail %s: %w", m.Kind, err)
	}
	if err := html.ExecuteTemplate(&page, "html", v); err != nil {
		return Message{}, fmt.Errorf("mail %s: %w", m.Kind, err)
	}
	return Message{
		ID:      fmt.Sprintf("%d.%d@%s", m.ID, m.CreatedAt.UnixNano(), r.base.Hostname()),
		To:      m.Recipient,
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    strings.TrimSpace(body.String()) + "\n",
		HTML:    page.String(),
	}, nil
}
