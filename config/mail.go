package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
)

// DefaultMailFrom is the sender of development mail when MAIL_FROM is unset.
const DefaultMailFrom = "Crumb <crumb@localhost>"

// smtpURL reads the mail server's address: smtp:// (STARTTLS) or smtps://
// (TLS from the start), a host, an optional port and credentials.
func (p *parser) smtpURL(key string) string {
	v := p.str(key, "")
	if v == "" {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
		p.fail(key, "must look like smtp://user:pass@host:587 (STARTTLS), smtps://user:pass@host:465 or smtp://localhost:1025")
		return ""
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			p.fail(key, "has a port that is not a number from 1 to 65535")
			return ""
		}
	}
	return v
}

// mailFrom reads the sender of Crumb's email: an address, with or without
// a name ("Crumb Bakery <orders@crumb.example>").
func (p *parser) mailFrom(key, def string) string {
	v := p.str(key, def)
	if v == "" {
		return v
	}
	if _, err := mail.ParseAddress(v); err != nil {
		p.fail(key, "must be an email address such as orders@crumb.example or \"Crumb Bakery <orders@crumb.example>\", got %q", v)
		return def
	}
	return v
}

// checkMail refuses to start production without a mail server to send
// through: development keeps mail in the outbox (shown at /dev/mail).
func (c Config) checkMail() error {
	if c.Env != Production {
		return nil
	}
	switch {
	case c.SMTPURL == "":
		return fmt.Errorf("config: SMTP_URL: production needs a mail server to send order confirmations and password reset links, such as smtp://user:pass@host:587 (see .env.example)")
	case c.MailFrom == "":
		return fmt.Errorf("config: MAIL_FROM: production needs the address Crumb's email comes from, such as \"Crumb Bakery <orders@crumb.example>\" (see .env.example)")
	}
	return nil
}
