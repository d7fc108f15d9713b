package database

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/storage/redis/v3"
	goredis "github.com/redis/go-redis/v9"
)

// RedisStore is a fiber.Storage in Redis that closes its own connection.
type RedisStore struct {
	*redis.Storage
	client *goredis.Client
}

// Close closes the connection.
func (r RedisStore) Close() error { return r.client.Close() }

// Ping reports whether Redis answers.
func (r RedisStore) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("session store: %w", err)
	}
	return nil
}

// OpenRedis connects to the Redis at url (redis://host:6379/0) and checks
// that it answers. Sessions and rate-limit counters then live there, shared
// by every instance, and expire on their own. While Redis does not answer,
// a command fails within about a second (one dial of at most a second, or
// two tries of half a second each) instead of holding the request; the
// pool reconnects by itself when Redis is back. Timeouts set in the URL
// (dial_timeout, read_timeout, ...) win.
func OpenRedis(url string) (RedisStore, error) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return RedisStore{}, fmt.Errorf("session store: SESSION_STORE: %w", err)
	}
	setDefault(&opts.DialTimeout, time.Second)
	setDefault(&opts.DialerRetries, 1)
	setDefault(&opts.ReadTimeout, 500*time.Millisecond)
	setDefault(&opts.WriteTimeout, 500*time.Millisecond)
	setDefault(&opts.PoolTimeout, time.Second)
	setDefault(&opts.MaxRetries, 1)
	client := goredis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return RedisStore{}, fmt.Errorf("session store: %w", err)
	}
	return RedisStore{Storage: redis.NewFromConnection(client), client: client}, nil
}

// setDefault sets *v to def unless the URL set it.
func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
