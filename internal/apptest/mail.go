package apptest

import (
	"context"
	"regexp"
	"strings"

	"crumb/models"
)

// resetLinkPattern finds a reset link in an email's text.
var resetLinkPattern = regexp.MustCompile(`https?://\S+/password/reset\?token=\S+`)

// Outbox is every message in the outbox, newest first.
func (a *App) Outbox() []models.OutboxMessage {
	a.T.Helper()
	msgs, err := a.App.Outbox.Recent(context.Background(), 1000)
	if err != nil {
		a.T.Fatal(err)
	}
	return msgs
}

// MailTo is the text of every email to address in the outbox, newest
// first, rendered as it is sent; kind "" means every kind.
func (a *App) MailTo(address, kind string) []string {
	a.T.Helper()
	var out []string
	for _, m := range a.Outbox() {
		if m.Recipient != address || (kind != "" && m.Kind != kind) {
			continue
		}
		msg, err := a.Mail.Render(m)
		if err != nil {
			a.T.Fatalf("render mail %d: %v", m.ID, err)
		}
		out = append(out, msg.Text)
	}
	return out
}

// IssueResetLinks does at once what Run does every few seconds: turns the
// reset links asked for into emails.
func (a *App) IssueResetLinks() {
	a.T.Helper()
	if _, err := a.Resets.Issue(context.Background()); err != nil {
		a.T.Fatal(err)
	}
}

// ResetLink issues the reset links asked for and returns the newest one
// emailed to address, as the email shows it (BASE_URL/password/reset?token=...).
func (a *App) ResetLink(address string) string {
	a.T.Helper()
	a.IssueResetLinks()
	for _, text := range a.MailTo(address, models.MailPasswordReset) {
		if link := resetLinkPattern.FindString(text); link != "" {
			return link
		}
	}
	a.T.Fatalf("no reset link emailed to %s", address)
	return ""
}

// ResetPath is the path and query of a reset link, for the test browser.
func ResetPath(link string) string { return link[strings.Index(link, "/password/reset"):] }
