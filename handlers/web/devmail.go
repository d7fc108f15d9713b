package web

import (
	"regexp"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/mail"
	"crumb/models"
)

// devMailPage lists the outbox, newest first (development only).
type devMailPage struct {
	Page
	Messages []devMail
	Sending  bool // SMTP_URL is set: messages are delivered, not only kept
}

// devMail is one message of the outbox as it would be sent, with the
// links of its text part.
type devMail struct {
	models.OutboxMessage
	Mail  mail.Message
	Links []string
	Error string // why it cannot be rendered
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// DevMail shows the newest 50 messages of the outbox, each rendered, so a
// developer without a mail server can follow every email's links.
func (s *Server) DevMail(c *fiber.Ctx) error {
	private(c)
	msgs, err := s.Outbox.Recent(c.UserContext(), 50)
	if err != nil {
		return err
	}
	p := &devMailPage{Page: s.NewPage(c, visitor.From(c).T("devmail.title")), Sending: s.Config.SMTPURL != ""}
	for _, m := range msgs {
		d := devMail{OutboxMessage: m}
		if d.Mail, err = s.Mail.Render(m); err != nil {
			d.Error = err.Error()
		} else {
			d.Links = linkPattern.FindAllString(d.Mail.Text, -1)
		}
		p.Messages = append(p.Messages, d)
	}
	return s.render(c, fiber.StatusOK, "pages/devmail", p)
}

// DevMailHTML shows the HTML part of one message alone, as a mail reader
// would: its inline styles are allowed, scripts are not.
func (s *Server) DevMailHTML(c *fiber.Ctx) error {
	private(c)
	id, err := strconv.ParseUint(c.Params("id"), 10, 32)
	if err != nil {
		return models.ErrNotFound
	}
	m, err := s.Outbox.ByID(c.UserContext(), uint(id))
	if err != nil {
		return err
	}
	msg, err := s.Mail.Render(m)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Type("html", "utf-8")
	return c.SendString(msg.HTML)
}
