package app

import (
	"context"
	"time"

	"crumb/config"
	"crumb/mail"
	"crumb/storage"
	"crumb/views"
)

// buildMail builds the outbox, the password reset and email verification
// links, the email templates and, when SMTP_URL is set, the sender that
// delivers the outbox.
func (a *App) buildMail(cfg config.Config) error {
	a.Outbox = storage.NewOutbox(a.DB, a.now)
	a.Resets = storage.NewPasswordResets(a.DB, a.Users, a.Outbox, a.now)
	a.Verifications = storage.NewEmailVerifications(a.DB, a.Users, a.Outbox, a.now)
	var err error
	if a.Mail, err = mail.NewRenderer(views.FS, cfg.BaseURL, cfg.StoreTimezone); err != nil {
		return err
	}
	if cfg.SMTPURL == "" {
		a.log.Info("mail stays in the outbox: SMTP_URL is not set", "see", cfg.BaseURL.String()+"/dev/mail")
		return nil
	}
	smtp, err := mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom, nil)
	if err != nil {
		return err
	}
	a.Sender = mail.NewSender(a.Outbox, a.Mail, smtp, a.log)
	return nil
}

// runMail issues reset links that were asked for and delivers the
// outbox (with SMTP_URL), every mailEvery until ctx ends, and sweeps
// old mail and the reset and verification links that no longer work.
// Every step is safe on every instance at once.
func (a *App) runMail(ctx context.Context) {
	if a.Sender != nil {
		a.workers.Go(func() { a.Sender.Run(ctx, a.mailEvery) })
	}
	a.workers.Go(func() { a.issueResetLinks(ctx) })
	a.workers.Go(func() { a.sweep(ctx, time.Hour, a.Outbox.Sweep) })
	a.workers.Go(func() { a.sweep(ctx, 5*time.Minute, a.Resets.Sweep) })
	a.workers.Go(func() { a.sweep(ctx, time.Hour, a.Verifications.Sweep) })
}

func (a *App) issueResetLinks(ctx context.Context) {
	t := time.NewTicker(a.mailEvery)
	defer t.Stop()
	for {
		if _, err := a.Resets.Issue(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("issuing password reset links failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
