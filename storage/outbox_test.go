package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/models"
)

// placeFor puts a baguette in the user's cart and places the order.
func (s shop) placeFor(t *testing.T, u models.User, payment models.PaymentMethod) models.Order {
	t.Helper()
	ctx := context.Background()
	if err := s.carts.User(u.ID).Add(ctx, s.product(t, "baguette").ID, 2); err != nil {
		t.Fatal(err)
	}
	o, _, err := s.orders.Place(ctx, models.PlaceOrderInput{UserID: u.ID, Key: "k-" + u.Email, Payment: payment, Shipping: shipTo})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (s shop) mail(t *testing.T) []models.OutboxMessage {
	t.Helper()
	msgs, err := s.outbox.Recent(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestOrdersQueueTheirEmailInTheirTransaction(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "ada@example.com")
		o := s.placeFor(t, u, models.PayByTransfer)
		msgs := s.mail(t)
		if len(msgs) != 1 || msgs[0].Kind != models.MailOrderPlaced || msgs[0].Recipient != "ada@example.com" {
			t.Fatalf("after placing: %+v", msgs)
		}
		data, err := msgs[0].Mail()
		if err != nil {
			t.Fatal(err)
		}
		if data.Name != "Shopper" || data.Order.Number != o.Number || data.Order.Total != o.Total || data.Order.PaymentMethod != models.PayByTransfer ||
			len(data.Order.Lines) != 1 || data.Order.Lines[0].Quantity != 2 || data.Order.Shipping != shipTo {
			t.Errorf("the confirmation carries %+v", data.Order)
		}

		// Placing the same order again (the same key) sends nothing more.
		if _, created, err := s.orders.Place(ctx, models.PlaceOrderInput{UserID: u.ID, Key: "k-" + u.Email, Payment: models.PayByTransfer, Shipping: shipTo}); err != nil || created {
			t.Fatalf("retry: created %v, %v", created, err)
		}
		// A checkout that fails writes no order and queues no email.
		other := s.user(t, "ben@example.com")
		s.setStock(t, "carrot-cake", 1)
		if err := s.carts.User(other.ID).Add(ctx, s.product(t, "carrot-cake").ID, 1); err != nil {
			t.Fatal(err)
		}
		s.setStock(t, "carrot-cake", 0)
		if _, _, err := s.orders.Place(ctx, models.PlaceOrderInput{UserID: other.ID, Key: "k", Payment: models.PayOnDelivery, Shipping: shipTo}); err == nil {
			t.Fatal("a sold-out checkout went through")
		}
		if got := len(s.mail(t)); got != 1 {
			t.Errorf("%d messages after a retry and a failed checkout, want 1", got)
		}

		if _, err := s.orders.Cancel(ctx, u.ID, o.Number, s.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if msgs := s.mail(t); len(msgs) != 2 || msgs[0].Kind != models.MailOrderCancelled {
			t.Errorf("after cancelling: %+v", msgs)
		}

		// A status change elsewhere queues its note in its own transaction:
		// shipped tells the shopper, paid does not, and a rollback keeps nothing.
		shipped := o
		shipped.Status = models.StatusShipped
		err = db.Transaction(func(tx *gorm.DB) error {
			if err := s.orders.QueueOrderMail(tx, shipped); err != nil {
				return err
			}
			return errors.New("changed my mind")
		})
		if err == nil || len(s.mail(t)) != 2 {
			t.Errorf("a rolled back status change left an email (%v)", err)
		}
		for _, status := range []string{models.StatusPaid, models.StatusShipped} {
			o.Status = status
			if err := s.orders.QueueOrderMail(db, o); err != nil {
				t.Fatal(err)
			}
		}
		if msgs := s.mail(t); len(msgs) != 3 || msgs[0].Kind != models.MailOrderShipped {
			t.Errorf("after paid and shipped: %d messages, newest %s", len(msgs), msgs[0].Kind)
		}
	})
}

func TestOutboxClaims(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		u := s.user(t, "ada@example.com")
		s.placeFor(t, u, models.PayOnDelivery)
		if err := s.resets.Request(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		if _, err := s.resets.Issue(ctx); err != nil {
			t.Fatal(err)
		}

		claimed, err := s.outbox.Claim(ctx, 10, time.Minute)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claimed %d, %v; want both", len(claimed), err)
		}
		if again, _ := s.outbox.Claim(ctx, 10, time.Minute); len(again) != 0 {
			t.Error("a claimed message was claimed again")
		}
		order, reset := claimed[0], claimed[1]
		if reset.Kind != models.MailPasswordReset || reset.Secret == "" || order.Attempts != 1 {
			t.Fatalf("claimed %+v", claimed)
		}
		if ok, err := s.outbox.MarkSent(ctx, reset); err != nil || !ok {
			t.Fatalf("MarkSent: %v %v", ok, err)
		}
		if sent, _ := s.outbox.ByID(ctx, reset.ID); sent.SentAt == nil || sent.Secret != "" {
			t.Errorf("sent: %+v; want sent_at set and the secret gone", sent)
		}

		// A sender that dies holding a claim: another takes it when the lease ends.
		s.clock.Advance(time.Minute)
		retaken, err := s.outbox.Claim(ctx, 10, time.Minute)
		if err != nil || len(retaken) != 1 || retaken[0].ID != order.ID || retaken[0].Attempts != 2 {
			t.Fatalf("after the lease: %+v, %v", retaken, err)
		}
		if ok, _ := s.outbox.MarkSent(ctx, order); ok {
			t.Error("the sender whose lease ran out marked the message")
		}

		// Failures wait 30 s, then twice as long each time, at most an hour.
		m := retaken[0]
		var waits []time.Duration
		for m.Attempts < models.MaxMailAttempts {
			retry, err := s.outbox.MarkFailed(ctx, m, "connection refused", false)
			if err != nil {
				t.Fatal(err)
			}
			row, _ := s.outbox.ByID(ctx, m.ID)
			waits = append(waits, row.NextAttemptAt.Sub(s.clock.Now()))
			if retry != (m.Attempts < models.MaxMailAttempts) || row.LastError != "connection refused" {
				t.Fatalf("attempt %d: retry %v, error %q", m.Attempts, retry, row.LastError)
			}
			s.clock.Set(row.NextAttemptAt)
			next, err := s.outbox.Claim(ctx, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(next) == 0 {
				break
			}
			m = next[0]
		}
		want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour}
		for i, w := range want {
			if waits[i] != w {
				t.Errorf("wait after attempt %d = %v, want %v", i+2, waits[i], w)
			}
		}
		if m.Attempts != models.MaxMailAttempts {
			t.Errorf("gave up after %d attempts, want %d", m.Attempts, models.MaxMailAttempts)
		}
		s.clock.Advance(24 * time.Hour)
		if left, _ := s.outbox.Claim(ctx, 10, time.Minute); len(left) != 0 {
			t.Error("a message given up on was claimed")
		}

		// Sent and given-up mail is swept after two weeks.
		s.clock.Advance(models.KeepSentMail)
		if n, err := s.outbox.Sweep(ctx); err != nil || n != 2 {
			t.Errorf("swept %d, %v; want 2", n, err)
		}
	})
}

// TestOutboxClaimsRace has claimers on many connections take a batch each
// until the outbox is empty: every message is claimed exactly once.
func TestOutboxClaimsRace(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		const n = 60
		s.setStock(t, "baguette", 2*n)
		for i := range n {
			s.placeFor(t, s.user(t, fmt.Sprintf("shopper-%d@example.com", i)), models.PayOnDelivery)
		}
		var mu sync.Mutex
		seen := map[uint]int{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for {
					got, err := s.outbox.Claim(ctx, 7, time.Hour)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, m := range got {
						seen[m.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("%d messages claimed, want %d", len(seen), n)
		}
		for id, times := range seen {
			if times != 1 {
				t.Errorf("message %d claimed %d times", id, times)
			}
		}
	})
}
