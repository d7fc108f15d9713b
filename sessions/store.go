package sessions

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Store is where sessions and limit counters live, each under a key with
// a lifetime: the database (storage.KV) by default, Redis
// (database.RedisStore) when scaled out.
type Store interface {
	Get(key string) ([]byte, error) // nil, nil for a key that is not there
	Set(key string, val []byte, exp time.Duration) error
	Delete(key string) error
}

// ErrStoreUnavailable is the error of a request that needs the session
// store (Redis, or the database) while the store does not answer. Nothing
// is decided from the missing answer: nobody is signed out and no attempt
// goes uncounted; the request is refused until the store is back.
var ErrStoreUnavailable = errors.New("sessions: the session store is unavailable")

// guarded marks every error of the store it wraps as ErrStoreUnavailable,
// so that an outage is told apart from a session that cannot be decoded.
type guarded struct{ store Store }

func (g guarded) Get(key string) ([]byte, error) {
	v, err := g.store.Get(key)
	return v, unavailable(err)
}

func (g guarded) Set(key string, val []byte, exp time.Duration) error {
	return unavailable(g.store.Set(key, val, exp))
}

func (g guarded) Delete(key string) error { return unavailable(g.store.Delete(key)) }

func unavailable(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
}

// record is what the store keeps of a session, under the SHA-256 of its id.
type record struct {
	UserID   uint   `json:"u"`
	Name     string `json:"n"`
	AuthAt   int64  `json:"a"`           // unix seconds: sign-in
	SeenAt   int64  `json:"s"`           // unix seconds: the idle clock
	Fresh    bool   `json:"f,omitempty"` // signed in with the password, not resumed
	Flash    string `json:"m,omitempty"` // one-time messages for the next page
	ProvedAt int64  `json:"p,omitempty"` // when the password was last given
	AdminAt  int64  `json:"d,omitempty"` // when the back office was last used
	Lang     string `json:"l,omitempty"` // the account's language when it signed in
}

func (r record) encode() []byte {
	b, _ := json.Marshal(r) // a struct of strings, numbers and a bool: never fails
	return b
}

// decodedRecords keeps session records decoded by the bytes they were
// decoded from. A signed-in shopper's pages read the same stored bytes
// until the session is next written (at most once a minute); equal bytes
// decode to equal records, so nothing kept here can be stale: a changed or
// deleted session is read from the store as before.
type decodedRecords struct {
	mu   sync.Mutex
	data map[string]record
}

// maxDecodedRecords bounds what is kept; when it is reached, everything
// is dropped and decoded again as it is read.
const maxDecodedRecords = 4096

// decode returns the record of a stored session.
func (d *decodedRecords) decode(raw []byte) (record, error) {
	d.mu.Lock()
	rec, ok := d.data[string(raw)]
	d.mu.Unlock()
	if ok {
		return rec, nil
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return record{}, fmt.Errorf("sessions: decode: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.data == nil || len(d.data) >= maxDecodedRecords {
		d.data = make(map[string]record)
	}
	d.data[string(raw)] = rec
	return rec, nil
}
