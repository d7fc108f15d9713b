package database

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Listen calls heard each time a NOTIFY on channel reaches the Postgres at
// url with the listener's own schema as its payload, followed by a space
// and a sender other than self (see storage.CatalogChannel), until ctx
// ends. Notifications that arrive while
// heard runs are folded into one more call. heard also runs each time the
// listener connects, since what was sent while it was away is lost; after
// a failure it reconnects, waiting one second and then longer, up to 30.
func Listen(ctx context.Context, url, channel, self string, log *slog.Logger, heard func(context.Context)) {
	pending := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-pending:
				heard(ctx)
			}
		}
	}()
	wake := func() {
		select {
		case pending <- struct{}{}:
		default: // a call is already due; it will see this change too
		}
	}
	wait := time.Second
	for {
		connected, err := listenOnce(ctx, url, channel, self, wake)
		if ctx.Err() != nil {
			return
		}
		if connected {
			wait = time.Second
		}
		log.Warn("not hearing other instances' changes; reconnecting", "channel", channel, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// listenOnce listens on one connection until it fails; connected reports
// whether it got as far as listening.
func listenOnce(ctx context.Context, url, channel, self string, wake func()) (connected bool, err error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	defer func() {
		closing, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(closing)
	}()
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	wake()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, fmt.Errorf("listen: %w", err)
		}
		if in, from, _ := strings.Cut(n.Payload, " "); in == schema && from != self {
			wake()
		}
	}
}
