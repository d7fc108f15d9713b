// Package mail renders Crumb's emails and delivers them over SMTP. Every
// email is queued in the outbox (storage.Outbox) in the same transaction as
// what caused it; a Sender in each running instance claims due messages,
// renders them from the templates in views/mail (a plain-text and an HTML
// part), sends them to SMTP_URL and retries failures with a growing wait.
// A mail server that is down delays mail and fails nothing else.
package mail

// Message is an email ready to send.
type Message struct {
	ID      string // the Message-ID without its brackets: the same on every attempt
	To      string
	Subject string
	Text    string
	HTML    string
}
