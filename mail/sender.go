package mail

import (
	"context"
	"log/slog"
	"time"

	"crumb/models"
	"crumb/storage"
)

// Sender claims due messages from the outbox and delivers them. Any
// number of instances may run one each: a claim is a conditional update,
// so each message goes to one sender.
type Sender struct {
	outbox *storage.Outbox
	render *Renderer
	smtp   *SMTP
	log    *slog.Logger
}

const (
	// batch is how many messages a sender claims at once.
	batch = 10
	// lease is how long a claim keeps other senders off a message: longer
	// than a batch takes (10 deliveries of at most sendTimeout each).
	lease = 10 * time.Minute
)

// NewSender builds a sender that renders with render and delivers with smtp.
func NewSender(outbox *storage.Outbox, render *Renderer, smtp *SMTP, log *slog.Logger) *Sender {
	return &Sender{outbox: outbox, render: render, smtp: smtp, log: log}
}

// Run sends due mail now and then every interval until ctx ends (see
// SendDue for what happens to the mail being sent then).
func (s *Sender) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("mail: outbox unreachable", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendDue delivers every message that is due, a batch at a time, and
// returns how many were delivered. A failed delivery is tried again later
// (see storage.Outbox.MarkFailed); it never stops the others. When ctx
// ends, the message being sent is sent to the end and no other is taken:
// the rest of the batch goes back to the outbox, due at once for another
// instance, instead of waiting out its lease.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	sent := 0
	for ctx.Err() == nil {
		msgs, err := s.outbox.Claim(ctx, batch, lease)
		if err != nil {
			return sent, err
		}
		for _, m := range msgs {
			if ctx.Err() != nil {
				if err := s.outbox.Release(context.WithoutCancel(ctx), *m.Claim); err != nil {
					s.log.Error("mail: could not hand back the rest of a batch; it waits out its lease", "err", err)
				}
				return sent, nil
			}
			ok, err := s.deliver(context.WithoutCancel(ctx), m)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
		if len(msgs) < batch {
			break
		}
	}
	return sent, nil
}

// deliver renders and sends one claimed message and records the outcome.
func (s *Sender) deliver(ctx context.Context, m models.OutboxMessage) (bool, error) {
	log := s.log.With("mail_id", m.ID, "kind", m.Kind, "attempt", m.Attempts)
	msg, err := s.render.Render(m)
	permanent := err != nil // a message that cannot be rendered never will be
	if err == nil {
		err = s.smtp.Send(ctx, msg)
		permanent = Permanent(err)
	}
	if err != nil {
		retry, ferr := s.outbox.MarkFailed(ctx, m, err.Error(), permanent)
		if ferr != nil {
			return false, ferr
		}
		if retry {
			log.Warn("mail: not delivered; will try again", "err", err)
		} else {
			log.Error("mail: not delivered; giving up", "err", err)
		}
		return false, nil
	}
	kept, err := s.outbox.MarkSent(ctx, m)
	if err != nil {
		return true, err
	}
	if !kept {
		log.Warn("mail: delivered after its claim ran out; another sender may deliver it again")
	}
	log.Info("mail: delivered")
	return true, nil
}
