package apptest

import (
	"context"
	"regexp"
	"strings"

	"crumb/models"
)

// resetLinkPattern finds a reset link in an email's text.
var resetLinkPattern = regexp.MustCompile(`https?://\S+/password/reset\?token=\S+`)

// verifyLinkPattern finds an email verification link in an email's text.
var verifyLinkPattern = regexp.MustCompile(`https?://\S+/account/verify\?token=\S+`)

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

// VerifiedAccount makes an account with Password through the store, its
// email verified and no email sent: for tests about something else that
// need an account that may order, and an outbox of their own.
func (a *App) VerifiedAccount(name, email string) models.User {
	a.T.Helper()
	ctx := context.Background()
	u, err := a.Users.Create(ctx, name, email, Password)
	if err != nil {
		a.T.Fatal(err)
	}
	if err := a.Users.MarkEmailVerified(ctx, u.ID, a.Clock.Now()); err != nil {
		a.T.Fatal(err)
	}
	return u
}

// VerifyLink returns the newest email verification link emailed to
// address, as the email shows it (BASE_URL/account/verify?token=...).
func (a *App) VerifyLink(address string) string {
	a.T.Helper()
	for _, text := range a.MailTo(address, models.MailVerifyEmail) {
		if link := verifyLinkPattern.FindString(text); link != "" {
			return link
		}
	}
	a.T.Fatalf("no verification link emailed to %s", address)
	return ""
}

// VerifyPath is the path and query of a verification link, for the test
// browser.
func VerifyPath(link string) string { return link[strings.Index(link, "/account/verify"):] }

// VerifyEmail follows, in this browser, the newest verification link
// emailed to address, as its owner would: the email is verified (and a
// browser signed in to no one is signed in to the account).
func (b *Browser) VerifyEmail(address string) Response {
	b.App.T.Helper()
	res := b.Get(VerifyPath(b.App.VerifyLink(address)))
	if res.StatusCode != 303 {
		b.App.T.Fatalf("following the verification link of %s = %d: %s", address, res.StatusCode, res.Text)
	}
	return res
}
