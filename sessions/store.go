package sessions

import (
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
)

// ErrStoreUnavailable is the error of a request that needs the session
// store (Redis, or the database) while the store does not answer. Nothing
// is decided from the missing answer: nobody is signed out and no attempt
// goes uncounted; the request is refused until the store is back.
var ErrStoreUnavailable = errors.New("sessions: the session store is unavailable")

// guarded marks every error of the store it wraps as ErrStoreUnavailable,
// so that an outage is told apart from a session that cannot be decoded.
type guarded struct{ store fiber.Storage }

func (g guarded) Get(key string) ([]byte, error) {
	v, err := g.store.Get(key)
	return v, unavailable(err)
}

func (g guarded) Set(key string, val []byte, exp time.Duration) error {
	return unavailable(g.store.Set(key, val, exp))
}

func (g guarded) Delete(key string) error { return unavailable(g.store.Delete(key)) }
func (g guarded) Reset() error            { return unavailable(g.store.Reset()) }
func (g guarded) Close() error            { return g.store.Close() }

func unavailable(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
}
