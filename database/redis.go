package database

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
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

// OpenRedis connects to the Redis at url (redis://host:6379/0) and checks
// that it answers. Sessions and rate-limit counters then live there, shared
// by every instance, and expire on their own.
func OpenRedis(url string) (fiber.Storage, error) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("session store: SESSION_STORE: %w", err)
	}
	client := goredis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("session store: %w", err)
	}
	return RedisStore{Storage: redis.NewFromConnection(client), client: client}, nil
}
