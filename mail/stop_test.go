package mail_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"crumb/config"
	"crumb/internal/apptest"
	"crumb/internal/smtptest"
)

// heldSMTP stands between the sender and srv: its first connection is
// held, unanswered, until release, as a slow mail server holds a sender
// in the middle of a mail; the ones after pass straight through.
type heldSMTP struct {
	addr      string
	connected chan struct{} // closed once the first connection arrived
	release   chan struct{} // close to let it through
}

func holdSMTP(t *testing.T, srv *smtptest.Server) *heldSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	h := &heldSMTP{addr: ln.Addr().String(), connected: make(chan struct{}), release: make(chan struct{})}
	go func() {
		for first := true; ; first = false {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			if first {
				close(h.connected)
				<-h.release
			}
			out, err := net.Dial("tcp", srv.Addr)
			if err != nil {
				_ = in.Close()
				continue
			}
			go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
			go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
		}
	}()
	return h
}

// TestStoppedSenderFinishesItsMail: a sender told to stop (the process
// shutting down) while it sends a mail sends that one to the end, takes
// no other, and hands the rest of its batch back to the outbox, due at
// once for another instance's sender rather than after the lease.
func TestStoppedSenderFinishesItsMail(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db apptest.Option) {
		srv := smtptest.Start(t)
		held := holdSMTP(t, srv)
		ta := apptest.New(t, db, apptest.WithConfig(func(cfg *config.Config) { cfg.SMTPURL = "smtp://" + held.addr }))
		ctx := context.Background()
		const n = 3
		for i := range n {
			email := fmt.Sprintf("shopper-%d@example.com", i)
			if _, err := ta.Users.Create(ctx, "Shopper", email, apptest.Password); err != nil {
				t.Fatal(err)
			}
			if err := ta.Resets.Request(ctx, email); err != nil {
				t.Fatal(err)
			}
		}
		if issued, err := ta.Resets.Issue(ctx); err != nil || issued != n {
			t.Fatalf("issued %d reset links (%v), want %d", issued, err, n)
		}

		running, stop := context.WithCancel(ctx)
		stopped := make(chan struct{})
		go func() {
			ta.Sender.Run(running, time.Hour)
			close(stopped)
		}()
		select {
		case <-held.connected:
		case <-time.After(10 * time.Second):
			t.Fatal("the sender never connected to the mail server")
		}
		stop()
		time.Sleep(100 * time.Millisecond) // the stop has arrived; the mail is still on its way
		close(held.release)
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Fatal("the sender did not stop after its mail")
		}

		if got := srv.Messages(); len(got) != 1 {
			t.Fatalf("%d messages delivered by the stopped sender, want the 1 it was sending", len(got))
		}
		sent, waiting := 0, 0
		for _, m := range ta.Outbox() {
			switch {
			case m.SentAt != nil:
				sent++
			case m.Claim == nil && m.Attempts == 0 && !m.NextAttemptAt.After(ta.Clock.Now()):
				waiting++
			default:
				t.Errorf("message %d neither sent nor handed back: claim %v, %d attempts, due %v", m.ID, m.Claim, m.Attempts, m.NextAttemptAt)
			}
		}
		if sent != 1 || waiting != n-1 {
			t.Errorf("%d sent and %d handed back, want 1 and %d", sent, waiting, n-1)
		}
		if got := sendDue(t, ta.Sender); got != n-1 {
			t.Errorf("the next sender sent %d at once, want %d", got, n-1)
		}
	})
}
