// Package sessions signs shoppers in and out of the web store, on plain
// values: session ids, accounts, times. A signed-in browser holds only a
// random 256-bit session id (in the crumb_session cookie, sealed like
// every Crumb cookie, ending with the browser); what it stands for lives
// in a Store (the database by default, Redis when scaled out) under the
// id's SHA-256, so neither store ever holds a usable id. Sessions end
// after 30 minutes idle and 12 hours in all, are written only when
// something changed (the idle clock moves at most once a minute), get a
// new id at sign-in and sign-out, and are listed per account so each can
// be revoked. "Keep me signed in" is a remember-me token (see
// remember.go). Reading and writing the cookies is the request's visitor's
// work (package handlers/visitor); this package never sees a request.
package sessions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"crumb/metrics"
	"crumb/models"
	"crumb/secret"
	"crumb/storage"
)

// SeenEvery is how often the idle clock of a session is moved forward
// (and so how often a session is written while it is only being used).
const SeenEvery = time.Minute

// StepUpFor is how recently the password must have been given in a
// session for what asks for it again: entering the back office, and
// downloading the account's data.
const StepUpFor = 15 * time.Minute

// ProvedRecently reports whether the password was given in this session
// at most StepUpFor before now.
func (c *Current) ProvedRecently(now time.Time) bool {
	return !c.ProvedAt.IsZero() && now.Sub(c.ProvedAt) <= StepUpFor
}

// Proof is how a browser showed whose it is when it was signed in.
type Proof int

// The ways a browser is signed in.
const (
	// ByPassword: the password, just given (signing in or up, a new
	// password): a fresh session.
	ByPassword Proof = iota
	// ByRememberMe: a remember-me cookie ("keep me signed in").
	ByRememberMe
	// ByMailedLink: a link Crumb emailed to the account's address. It is
	// not the password: what asks for the password still asks.
	ByMailedLink
)

// Current is who is signed in for this request.
type Current struct {
	UserID   uint
	Name     string
	Fresh    bool   // signed in with the password now, not resumed from a remember-me token or by a mailed link
	KeyHash  string // this session's id on the devices page
	AuthAt   time.Time
	ProvedAt time.Time // when the password was last given; zero for a session resumed by remember-me or by a mailed link
	AdminAt  time.Time // when the back office was last used in this session; zero if never
	Flash    string    // a one-time message for this page
	// Language is the account's language as it was when it signed in.
	Language models.Language
	// CartLines are the account's cart lines, read with the session when
	// CartRead (the database store does; Redis does not).
	CartLines []models.CartLine
	CartRead  bool
}

// Client is who a sign-in comes from, for the devices page.
type Client struct {
	IP        string
	UserAgent string
}

// Manager is built once in main and shared by every request.
type Manager struct {
	store    Store     // guarded; keyed by SHA-256 of the session id
	withCart CartStore // the same store, when it reads a session's cart with it
	decoded  *decodedRecords
	sessions *storage.WebSessions
	tokens   *storage.RememberTokens
	users    *storage.Users
	apps     AppSignIns
	now      func() time.Time
	idle     time.Duration
	absolute time.Duration
	log      *slog.Logger
	metrics  *metrics.Metrics
	// beforeWrite, when set (by tests), runs between reading a session or
	// remember-me token and writing it back; step names which write.
	beforeWrite func(step string)
}

// AppSignIns ends the mobile app's sign-ins of an account (the refresh
// families of package tokens), so that signing out everywhere reaches the
// app too.
type AppSignIns interface {
	RevokeUser(ctx context.Context, userID uint) error
}

// CartStore is a Store that reads a session with its account's cart
// lines in one statement (storage.KV): userID is the account the lines
// are of, 0 for none.
type CartStore interface {
	GetWithCart(ctx context.Context, key string) (value []byte, userID uint, lines []models.CartLine, err error)
}

// Config is what a Manager needs.
type Config struct {
	Store    Store
	Sessions *storage.WebSessions    // the signed-in browsers
	Tokens   *storage.RememberTokens // the devices kept signed in
	Users    *storage.Users
	Apps     AppSignIns
	Now      func() time.Time
	Idle     time.Duration
	Absolute time.Duration
	Log      *slog.Logger
	Metrics  *metrics.Metrics // optional
}

// New builds the manager.
func New(cfg Config) *Manager {
	withCart, _ := cfg.Store.(CartStore)
	return &Manager{
		store:    guarded{cfg.Store},
		withCart: withCart,
		decoded:  &decodedRecords{},
		sessions: cfg.Sessions,
		tokens:   cfg.Tokens,
		users:    cfg.Users,
		apps:     cfg.Apps,
		now:      cfg.Now,
		idle:     cfg.Idle,
		absolute: cfg.Absolute,
		log:      cfg.Log,
		metrics:  cfg.Metrics,
	}
}

func hashKey(id string) string { return secret.Hash(id) }

// ErrSignedOut is returned when the session ended while a request used it.
var ErrSignedOut = errors.New("sessions: signed out")

// Load is who the session id signs in, or nil with gone true when the id
// names no live session (unknown, revoked, timed out, or unreadable): its
// cookie should be dropped. It ends sessions past their idle or absolute
// limit, takes the one-time message (it is shown once) and moves the idle
// clock at most once a minute. The store not answering is
// ErrStoreUnavailable: the session may be fine, so keep its cookie.
func (m *Manager) Load(ctx context.Context, id string) (cur *Current, gone bool, err error) {
	if id == "" {
		return nil, false, nil
	}
	key := hashKey(id)
	var raw []byte
	var cartOf uint
	var lines []models.CartLine
	if m.withCart != nil {
		raw, cartOf, lines, err = m.withCart.GetWithCart(ctx, key)
		err = unavailable(err)
	} else {
		raw, err = m.store.Get(key)
	}
	if err != nil || raw == nil {
		return nil, err == nil, err
	}
	rec, err := m.decoded.decode(raw)
	if err != nil {
		m.log.Warn("unreadable session; signing out", "err", err)
		return nil, true, m.store.Delete(key)
	}
	if rec.UserID == 0 {
		return nil, true, nil
	}
	now := m.now()
	cur = current(rec, key)
	if lines != nil && cartOf == rec.UserID {
		cur.CartLines, cur.CartRead = lines, true
	}
	if now.Sub(cur.AuthAt) >= m.absolute || now.Sub(time.Unix(rec.SeenAt, 0)) >= m.idle {
		if err := m.store.Delete(key); err != nil {
			return nil, false, err
		}
		_, err := m.sessions.Delete(ctx, 0, key)
		return nil, true, err
	}
	if rec.Flash != "" || now.Sub(time.Unix(rec.SeenAt, 0)) >= SeenEvery {
		rec.Flash = ""
		live, err := m.write(ctx, key, rec)
		if err != nil {
			return nil, false, err
		}
		if !live {
			return nil, true, nil
		}
	}
	return cur, false, nil
}

func current(rec record, key string) *Current {
	return &Current{
		UserID:   rec.UserID,
		Name:     rec.Name,
		Fresh:    rec.Fresh,
		KeyHash:  key,
		AuthAt:   time.Unix(rec.AuthAt, 0),
		ProvedAt: unixOrZero(rec.ProvedAt),
		AdminAt:  unixOrZero(rec.AdminAt),
		Flash:    rec.Flash,
		Language: models.Language(rec.Lang),
	}
}

// write saves a session read in this request, with its idle clock moved
// to now, and reports whether it still stands. The write may land after a
// revocation deleted the session: its devices-page row decides, and a
// session whose row is gone is ended, never brought back.
func (m *Manager) write(ctx context.Context, key string, rec record) (bool, error) {
	m.pause("touch")
	now := m.now()
	rec.SeenAt = now.Unix()
	if err := m.save(key, rec); err != nil {
		return false, err
	}
	live, err := m.sessions.Touch(ctx, key, now, minTime(now.Add(m.idle), time.Unix(rec.AuthAt, 0).Add(m.absolute)))
	if err != nil {
		return false, err
	}
	if !live {
		if err := m.store.Delete(key); err != nil {
			return false, err
		}
	}
	return live, nil
}

// save writes the record with a storage lifetime of the idle timeout,
// never past the absolute limit.
func (m *Manager) save(key string, rec record) error {
	now := m.now()
	exp := max(minTime(now.Add(m.idle), time.Unix(rec.AuthAt, 0).Add(m.absolute)).Sub(now), time.Second)
	return m.store.Set(key, rec.encode(), exp)
}

// UsedAdmin moves the back office's idle clock (AdminAt) of the session id
// to now; the session is written at most once a minute for it.
func (m *Manager) UsedAdmin(ctx context.Context, id string, cur *Current) error {
	now := m.now()
	if now.Sub(cur.AdminAt) < SeenEvery {
		return nil
	}
	err := m.mark(ctx, id, func(rec *record) { rec.AdminAt = now.Unix() })
	if err == nil {
		cur.AdminAt = now
	}
	return err
}

// Flash keeps msg for the next page the session id is shown (a
// redirect's target).
func (m *Manager) Flash(ctx context.Context, id, msg string) error {
	return m.mark(ctx, id, func(rec *record) { rec.Flash = msg })
}

// mark changes the stored record of the session id and writes it;
// ErrSignedOut when the session ended meanwhile.
func (m *Manager) mark(ctx context.Context, id string, change func(*record)) error {
	key := hashKey(id)
	raw, err := m.store.Get(key)
	if err != nil {
		return err
	}
	if raw == nil {
		return ErrSignedOut
	}
	rec, err := m.decoded.decode(raw)
	if err != nil {
		return err
	}
	change(&rec)
	live, err := m.write(ctx, key, rec)
	if err == nil && !live {
		err = ErrSignedOut
	}
	return err
}

// AccountOf is the account the session id signs in, or 0: for what is
// decided before a request is routed, such as how large a body the server
// will read. It changes nothing, so a session past its limits is simply
// none.
func (m *Manager) AccountOf(id string) uint {
	raw, err := m.store.Get(hashKey(id))
	if err != nil || raw == nil {
		return 0
	}
	rec, err := m.decoded.decode(raw)
	now := m.now()
	if err != nil || now.Sub(time.Unix(rec.AuthAt, 0)) >= m.absolute || now.Sub(time.Unix(rec.SeenAt, 0)) >= m.idle {
		return 0
	}
	return rec.UserID
}

func unixOrZero(n int64) time.Time {
	if n != 0 {
		return time.Unix(n, 0)
	}
	return time.Time{}
}

func (m *Manager) pause(step string) {
	if m.beforeWrite != nil {
		m.beforeWrite(step)
	}
}

// SignIn starts a new session for the account user.ID under a new id (so an id planted
// before sign-in is worthless), ends the session old (this browser's until
// now, if any) and records the new one for the devices page. by says how
// the browser proved it (only ByPassword makes a fresh session); flash is
// shown on the next page.
// Every web sign-in comes here, and here the account is admitted
// (storage.Users.Admit): a disabled one is models.ErrDisabled, and no
// session is left.
func (m *Manager) SignIn(ctx context.Context, old string, user models.User, by Proof, flash string, client Client) (string, *Current, error) {
	return m.signIn(ctx, old, user, by, flash, false, client)
}

// ProvePassword records that the shopper just gave their password again
// (the back office asks for it). Like signing in, it starts the session
// afresh under a new id, so a copy of the cookie taken before is worthless
// from now on; ProvedAt and AdminAt become now.
func (m *Manager) ProvePassword(ctx context.Context, old string, user models.User, client Client) (string, *Current, error) {
	return m.signIn(ctx, old, user, ByPassword, "", true, client)
}

// signIn is SignIn; inAdmin starts the back office's idle clock too.
func (m *Manager) signIn(ctx context.Context, old string, user models.User, by Proof, flash string, inAdmin bool, client Client) (string, *Current, error) {
	fresh := by == ByPassword
	if old != "" {
		if err := m.end(ctx, hashKey(old)); err != nil {
			return "", nil, err
		}
	}
	now := m.now()
	id := secret.Token(32)
	key := hashKey(id)
	err := m.sessions.Create(ctx, models.WebSession{
		KeyHash: key, UserID: user.ID, DeviceLabel: DeviceLabel(client.UserAgent), IP: client.IP,
		Remembered: by == ByRememberMe, CreatedAt: now, LastSeenAt: now, ExpiresAt: minTime(now.Add(m.idle), now.Add(m.absolute)),
	})
	if err != nil {
		return "", nil, err
	}
	// Checked once the session exists: an account disabled at this very
	// moment either has this session ended with all its others, or is
	// seen disabled here. The account as read here names the session.
	admitted, err := m.users.Admit(ctx, user.ID)
	if err == nil {
		rec := record{UserID: admitted.ID, Name: admitted.Name, AuthAt: now.Unix(), SeenAt: now.Unix(), Fresh: fresh, Flash: flash, Lang: string(admitted.Language)}
		if fresh {
			rec.ProvedAt = now.Unix()
		}
		if inAdmin {
			rec.AdminAt = now.Unix()
		}
		if err = m.save(key, rec); err == nil {
			return id, current(rec, key), nil
		}
	}
	if _, derr := m.sessions.Delete(ctx, 0, key); derr != nil {
		return "", nil, derr
	}
	return "", nil, err
}

// SignOut ends the session id on the server (a replayed cookie is then
// anonymous) and forgets the device of the remember-me cookie remember
// (its plaintext), either of which may be empty.
func (m *Manager) SignOut(ctx context.Context, id, remember string) error {
	if id != "" {
		if err := m.end(ctx, hashKey(id)); err != nil {
			return err // the session lives on: signing out must be tried again
		}
	}
	if selector := Selector(remember); selector != "" {
		return m.tokens.DeleteSelector(ctx, selector)
	}
	return nil
}

// end destroys a session in the store and its devices-page entry.
func (m *Manager) end(ctx context.Context, key string) error {
	if err := m.store.Delete(key); err != nil {
		return err
	}
	_, err := m.sessions.Delete(ctx, 0, key)
	return err
}

// RevokeSession ends one of the user's sessions; it stops working on its
// next request. An id that cannot be a session's (see secret.IsHash) ends
// nothing, and is not looked up. Inside a transaction
// (storage.InTransaction) the session leaves the session store once the
// transaction has committed.
func (m *Manager) RevokeSession(ctx context.Context, userID uint, keyHash string) (bool, error) {
	if !secret.IsHash(keyHash) {
		return false, nil
	}
	ok, err := m.sessions.Delete(ctx, userID, keyHash)
	if err != nil || !ok {
		return false, err
	}
	return true, storage.AfterCommit(ctx, func(context.Context) error { return m.store.Delete(keyHash) })
}

// RevokeAll ends every session and remember-me token of the user except
// the session keepKeyHash and the token keepSelector (either may be empty).
// Tokens go first: a browser signing back in with one at this moment
// either finds it gone, or created its session before the sessions are
// listed here (see Resume).
func (m *Manager) RevokeAll(ctx context.Context, userID uint, keepKeyHash, keepSelector string) error {
	if err := m.tokens.DeleteAll(ctx, userID, keepSelector); err != nil {
		return err
	}
	keys, err := m.sessions.Keys(ctx, userID, keepKeyHash)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if _, err := m.RevokeSession(ctx, userID, key); err != nil {
			return err
		}
	}
	return nil
}

// SignOutEverywhere ends every session, remembered device and app sign-in
// of the user but this browser's session keepKeyHash and device
// keepSelector (either may be empty): after a password change, on "sign out
// everywhere else", when a stolen token is detected, and when the bakery
// disables the account. The app's access tokens issued until now stop
// working at once.
func (m *Manager) SignOutEverywhere(ctx context.Context, userID uint, keepKeyHash, keepSelector string) error {
	if err := m.RevokeAll(ctx, userID, keepKeyHash, keepSelector); err != nil {
		return err
	}
	if err := m.apps.RevokeUser(ctx, userID); err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	return m.users.SignOutApps(ctx, userID)
}

// Theft reacts to a stolen token presented again (kind says which: a
// remember-me cookie or an app refresh token): every session, device and
// app sign-in of the account ends, the event is kept for the devices page,
// and the next sign-in on the web warns.
func (m *Manager) Theft(ctx context.Context, userID uint, kind, ip string) error {
	m.log.Warn("stolen token presented again: signing the account out everywhere", "user_id", userID, "kind", kind, "ip", ip)
	m.metrics.TokenTheft(kind)
	if err := m.users.RecordTheft(ctx, userID, kind, ip, m.now()); err != nil {
		return err
	}
	return m.SignOutEverywhere(ctx, userID, "", "")
}

// Sessions lists the user's signed-in browsers, most recent first.
func (m *Manager) Sessions(ctx context.Context, userID uint) ([]models.WebSession, error) {
	return m.sessions.List(ctx, userID, m.now())
}

// Devices lists the user's remembered devices, most recently used first.
func (m *Manager) Devices(ctx context.Context, userID uint) ([]models.RememberToken, error) {
	return m.tokens.List(ctx, userID, m.now())
}

// Sweep deletes the devices-page entries of sessions and the remember-me
// tokens that have expired. Safe on every instance at once.
func (m *Manager) Sweep(ctx context.Context) (int64, error) {
	now := m.now()
	sessions, err := m.sessions.Sweep(ctx, now)
	if err != nil {
		return 0, err
	}
	tokens, err := m.tokens.Sweep(ctx, now)
	return sessions + tokens, err
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
