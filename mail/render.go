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

	"crumb/models"
)

// Renderer turns outbox messages into emails, from the templates
// views/mail/<kind>.txt.tmpl (which defines "subject" and "content") and
// views/mail/<kind>.html.tmpl (which defines "content"), each inside the
// layout of its part.
type Renderer struct {
	base *url.URL
	text map[string]*template.Template
	html map[string]*htmltemplate.Template
}

// NewRenderer parses the templates of every kind of email in fsys; links
// point at base and times are shown in zone. A missing template stops
// startup.
func NewRenderer(fsys fs.FS, base *url.URL, zone *time.Location) (*Renderer, error) {
	r := &Renderer{base: base, text: map[string]*template.Template{}, html: map[string]*htmltemplate.Template{}}
	funcs := map[string]any{"when": func(t time.Time) string { return t.In(zone).Format("2 Jan 2006 15:04 MST") }}
	for _, kind := range models.MailKinds() {
		text, err := template.New(kind).Funcs(funcs).ParseFS(fsys, "mail/layout.txt.tmpl", "mail/"+kind+".txt.tmpl")
		if err != nil {
			return nil, fmt.Errorf("mail templates: %w", err)
		}
		html, err := htmltemplate.New(kind).Funcs(funcs).ParseFS(fsys, "mail/layout.html.tmpl", "mail/"+kind+".html.tmpl")
		if err != nil {
			return nil, fmt.Errorf("mail templates: %w", err)
		}
		r.text[kind], r.html[kind] = text, html
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
	Link      string // the message's one-time link; empty once it was sent
	OrderURL  string
	ForgotURL string
}

// Render builds the email of an outbox message.
func (r *Renderer) Render(m models.OutboxMessage) (Message, error) {
	text, html := r.text[m.Kind], r.html[m.Kind]
	if text == nil || html == nil {
		return Message{}, fmt.Errorf("mail: no templates for kind %q", m.Kind)
	}
	data, err := m.Mail()
	if err != nil {
		return Message{}, err
	}
	shop := r.base.String()
	v := view{MailData: data, Shop: shop, ForgotURL: shop + "/password/forgot"}
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
