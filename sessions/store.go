package sessions

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"sync"
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

// decodedSessions keeps session data decoded by the bytes it was decoded
// from. A signed-in shopper's pages read the same stored bytes until the
// session is next written (at most once a minute), and gob-decoding them
// afresh, with the type descriptions every gob stream carries, was a fifth
// of what a signed-in page cost. Equal bytes decode to equal data, so
// nothing kept here can be stale: a changed or deleted session is read
// from the store as before. The maps are shared: read them, never change
// them.
type decodedSessions struct {
	mu   sync.Mutex
	data map[string]map[string]any
}

// maxDecodedSessions bounds what is kept; when it is reached, everything
// is dropped and decoded again as it is read.
const maxDecodedSessions = 4096

// decode returns the data of a stored session (nil for none).
func (d *decodedSessions) decode(raw []byte) (map[string]any, error) {
	if raw == nil {
		return nil, nil
	}
	d.mu.Lock()
	data, ok := d.data[string(raw)]
	d.mu.Unlock()
	if ok {
		return data, nil
	}
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&data); err != nil {
		return nil, fmt.Errorf("sessions: decode: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.data == nil || len(d.data) >= maxDecodedSessions {
		d.data = make(map[string]map[string]any)
	}
	d.data[string(raw)] = data
	return data, nil
}
