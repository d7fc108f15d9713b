// Package sessions signs shoppers in and out of the web store. A signed-in
// browser holds only a random 256-bit session id (crumb_session, sealed
// like every Crumb cookie, ending with the browser); what it stands for
// lives in a fiber.Storage (the
// database by default, Redis when scaled out) under the id's SHA-256, so
// neither store ever holds a usable id. Sessions end after 30 minutes idle
// and 12 hours in all, are written only when something changed (the idle
// clock moves at most once a minute), get a new id at sign-in and sign-out,
// and are listed per account so each can be revoked. "Keep me signed in"
// is a remember-me token (see remember.go).
package sessions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"
	"github.com/valyala/fasthttp"
	"gorm.io/gorm"

	"crumb/cookies"
	"crumb/metrics"
	"crumb/models"
	"crumb/secret"
)

// SeenEvery is how often the idle clock of a session is moved forward
// (and so how often a session is written while it is only being used).
const SeenEvery = time.Minute

// Session data keys.
const (
	keyUser   = "uid"
	keyName   = "name"
	keyAuthAt = "auth"
	keySeenAt = "seen"
	keyFresh  = "fresh"
	keyFlash  = "flash"
	keyProved = "pwd" // when the password was last given: at sign-in, or again
	keyAdmin  = "adm" // when the back office was last used
)

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
	Flash    string    // a one-time message for the next page
}

// Manager is built once in main and shared by every request.
type Manager struct {
	store    *session.Store
	storage  fiber.Storage // keyed by SHA-256 of the session id
	decoded  *decodedSessions
	sessions webSessions
	tokens   rememberTokens
	users    *models.Users
	jar      *cookies.Jar
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

// Config is what a Manager needs.
type Config struct {
	Storage  fiber.Storage
	DB       *gorm.DB // for web_sessions and remember_tokens, which the Manager owns
	Users    *models.Users
	Jar      *cookies.Jar
	Apps     AppSignIns
	Now      func() time.Time
	Idle     time.Duration
	Absolute time.Duration
	Log      *slog.Logger
	Metrics  *metrics.Metrics // optional
}

// New builds the manager on Fiber's session middleware with secure
// defaults: 256-bit ids, HttpOnly, SameSite=Lax, no Max-Age, Secure and
// __Host- over https.
func New(cfg Config) *Manager {
	m := &Manager{
		storage:  guarded{cfg.Storage},
		decoded:  &decodedSessions{},
		sessions: webSessions{cfg.DB},
		tokens:   rememberTokens{cfg.DB},
		users:    cfg.Users,
		jar:      cfg.Jar,
		apps:     cfg.Apps,
		now:      cfg.Now,
		idle:     cfg.Idle,
		absolute: cfg.Absolute,
		log:      cfg.Log,
		metrics:  cfg.Metrics,
	}
	m.store = session.New(session.Config{
		Storage:           hashedKeys{m.storage},
		Expiration:        cfg.Idle,
		KeyLookup:         "cookie:" + cfg.Jar.CookieName(cookies.Session),
		CookiePath:        "/",
		CookieSecure:      cfg.Jar.Secure(),
		CookieHTTPOnly:    true,
		CookieSameSite:    fiber.CookieSameSiteLaxMode,
		CookieSessionOnly: true,
		KeyGenerator:      func() string { return secret.Token(32) },
	})
	return m
}

func hashKey(id string) string { return secret.Hash(id) }

// hashedKeys stores each session under the SHA-256 of its id.
type hashedKeys struct{ fiber.Storage }

func (h hashedKeys) Get(key string) ([]byte, error) { return h.Storage.Get(hashKey(key)) }
func (h hashedKeys) Set(key string, val []byte, exp time.Duration) error {
	return h.Storage.Set(hashKey(key), val, exp)
}
func (h hashedKeys) Delete(key string) error { return h.Storage.Delete(hashKey(key)) }

const (
	currentLocal      = "crumb.current"
	cookieOpenedLocal = "crumb.session_cookie_opened"
)

type loaded struct{ cur *Current }

// Load returns who is signed in on this request, or nil for a guest. It
// ends sessions that passed their idle or absolute limit, moves the idle
// clock at most once a minute, and signs a browser back in from a valid
// remember-me cookie. The result is kept for the rest of the request; after
// an error (ErrStoreUnavailable when the session store does not answer) the
// rest of the request, its error page included, sees a guest. A request
// with neither a session nor a remember-me cookie never touches the store.
func (m *Manager) Load(c *fiber.Ctx) (*Current, error) {
	if l, ok := c.Locals(currentLocal).(loaded); ok {
		return l.cur, nil
	}
	if c.Locals(cookieOpenedLocal) == nil {
		// Outside the routes that open the session cookie (an error page
		// for a request refused before them): nobody is signed in here.
		return nil, nil
	}
	cur, err := m.load(c)
	if err == nil && cur == nil {
		cur, err = m.resume(c)
	}
	if err != nil {
		c.Locals(currentLocal, loaded{nil})
		return nil, err
	}
	c.Locals(currentLocal, loaded{cur})
	return cur, nil
}

func (m *Manager) load(c *fiber.Ctx) (*Current, error) {
	name := m.jar.CookieName(cookies.Session)
	id := c.Cookies(name)
	if id == "" {
		return nil, nil
	}
	raw, err := m.storage.Get(hashKey(id))
	if err != nil {
		return nil, err // ErrStoreUnavailable: the session may be fine, keep the cookie
	}
	data, err := m.decoded.decode(raw)
	if err != nil {
		m.log.Warn("unreadable session; signing out", "err", err, "request_id", c.Locals("request_id"))
		_ = m.storage.Delete(hashKey(id))
		m.jar.Clear(c, cookies.Session)
		return nil, nil
	}
	uid, _ := data[keyUser].(uint)
	if uid == 0 {
		m.jar.Clear(c, cookies.Session) // expired or revoked: the id is unknown
		return nil, nil
	}
	now := m.now()
	authAt := time.Unix(int64Of(data[keyAuthAt]), 0)
	seenAt := time.Unix(int64Of(data[keySeenAt]), 0)
	cur := &Current{
		UserID:   uid,
		Name:     stringOf(data[keyName]),
		Fresh:    data[keyFresh] == true,
		KeyHash:  hashKey(id),
		AuthAt:   authAt,
		ProvedAt: unixOrZero(data[keyProved]),
		AdminAt:  unixOrZero(data[keyAdmin]),
		Flash:    stringOf(data[keyFlash]),
	}
	if now.Sub(authAt) >= m.absolute || now.Sub(seenAt) >= m.idle {
		if err := m.storage.Delete(cur.KeyHash); err != nil {
			return nil, err
		}
		m.jar.Clear(c, cookies.Session)
		if _, err := m.sessions.delete(c.UserContext(), 0, cur.KeyHash); err != nil {
			return nil, err
		}
		return nil, nil
	}
	if cur.Flash != "" || now.Sub(seenAt) >= SeenEvery {
		sess, err := m.opened(c)
		if err != nil || sess == nil {
			return nil, err
		}
		sess.Delete(keyFlash)
		if live, err := m.write(c, sess, cur); err != nil || !live {
			return nil, err
		}
	}
	return cur, nil
}

// AccountOfCookie is the account a session cookie signs in, from the
// cookie's value as the browser sent it (sealed), or 0 for none: for what
// is decided before a request is routed, such as how large a body the
// server will read. It changes nothing, so a session it finds past its
// limits is simply none.
func (m *Manager) AccountOfCookie(sealed string) uint {
	id, _, ok := m.jar.Open(cookies.Session, sealed)
	if !ok {
		return 0
	}
	raw, err := m.storage.Get(hashKey(string(id)))
	if err != nil {
		return 0
	}
	data, err := m.decoded.decode(raw)
	if err != nil {
		return 0
	}
	uid, _ := data[keyUser].(uint)
	now := m.now()
	if now.Sub(time.Unix(int64Of(data[keyAuthAt]), 0)) >= m.absolute || now.Sub(time.Unix(int64Of(data[keySeenAt]), 0)) >= m.idle {
		return 0
	}
	return uid
}

// opened returns this request's session from Fiber's store, to change and
// write it; nil when it ended since it was read (the cookie is cleared).
func (m *Manager) opened(c *fiber.Ctx) (*session.Session, error) {
	sess, err := m.store.Get(c)
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	if sess.Fresh() {
		m.jar.Clear(c, cookies.Session)
		c.Locals(currentLocal, loaded{nil})
		return nil, nil
	}
	return sess, nil
}

// write saves a session read in this request, with its idle clock moved
// to now, and reports whether it still stands. The write may land after a
// revocation deleted the session: its devices-page row decides, and a
// session whose row is gone is ended, never brought back.
func (m *Manager) write(c *fiber.Ctx, sess *session.Session, cur *Current) (bool, error) {
	m.pause("touch")
	now := m.now()
	sess.Set(keySeenAt, now.Unix())
	if err := m.save(sess, cur.AuthAt); err != nil {
		return false, err
	}
	live, err := m.sessions.touch(c.UserContext(), cur.KeyHash, now, minTime(now.Add(m.idle), cur.AuthAt.Add(m.absolute)))
	if err != nil {
		return false, err
	}
	if !live {
		// (Save released sess: the session is deleted by its key.)
		if err := m.storage.Delete(cur.KeyHash); err != nil {
			return false, fmt.Errorf("sessions: %w", err)
		}
		m.jar.Clear(c, cookies.Session)
		c.Locals(currentLocal, loaded{nil})
	}
	return live, nil
}

// ErrSignedOut is returned when the session ended while a request used it.
var ErrSignedOut = errors.New("sessions: signed out")

// ProvePassword records that the shopper just gave their password again
// (the back office asks for it). Like signing in, it starts the session
// afresh under a new id, so a copy of the cookie taken before is worthless
// from now on; ProvedAt and AdminAt become now.
func (m *Manager) ProvePassword(c *fiber.Ctx, user models.User) error {
	_, err := m.signIn(c, user, ByPassword, "", true)
	return err
}

// UsedAdmin moves the back office's idle clock (AdminAt) to now; the
// session is written at most once a minute for it.
func (m *Manager) UsedAdmin(c *fiber.Ctx) error {
	cur, err := m.Load(c)
	if err != nil || cur == nil || m.now().Sub(cur.AdminAt) < SeenEvery {
		return err
	}
	return m.mark(c, func(cur *Current, now time.Time) map[string]any {
		cur.AdminAt = now
		return map[string]any{keyAdmin: now.Unix()}
	})
}

// Flash keeps msg for the next page this signed-in browser is shown (a
// redirect's target).
func (m *Manager) Flash(c *fiber.Ctx, msg string) error {
	return m.mark(c, func(*Current, time.Time) map[string]any { return map[string]any{keyFlash: msg} })
}

// mark sets values in this request's session and writes it.
func (m *Manager) mark(c *fiber.Ctx, set func(*Current, time.Time) map[string]any) error {
	cur, err := m.Load(c)
	if err != nil {
		return err
	}
	if cur == nil {
		return ErrSignedOut
	}
	sess, err := m.opened(c)
	if err != nil {
		return err
	}
	if sess == nil {
		return ErrSignedOut
	}
	for k, v := range set(cur, m.now()) {
		sess.Set(k, v)
	}
	live, err := m.write(c, sess, cur)
	if err == nil && !live {
		err = ErrSignedOut
	}
	return err
}

func unixOrZero(v any) time.Time {
	if n := int64Of(v); n != 0 {
		return time.Unix(n, 0)
	}
	return time.Time{}
}

func (m *Manager) pause(step string) {
	if m.beforeWrite != nil {
		m.beforeWrite(step)
	}
}

// save writes the session with a storage lifetime of the idle timeout,
// never past the absolute limit.
func (m *Manager) save(sess *session.Session, authAt time.Time) error {
	sess.SetExpiry(max(minTime(m.now().Add(m.idle), authAt.Add(m.absolute)).Sub(m.now()), time.Second))
	if err := sess.Save(); err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	return nil
}

// SignIn starts a new session for user with a new id (so an id planted
// before sign-in is worthless), records it for the devices page and starts
// a new form-token secret. by says how the browser proved it (only
// ByPassword makes a fresh session); flash is shown on the next page.
// Every web sign-in comes here, and here the account is admitted
// (models.Users.Admit): a disabled one is models.ErrDisabled, and no
// session is left.
func (m *Manager) SignIn(c *fiber.Ctx, user models.User, by Proof, flash string) (*Current, error) {
	return m.signIn(c, user, by, flash, false)
}

// signIn is SignIn; inAdmin starts the back office's idle clock too.
func (m *Manager) signIn(c *fiber.Ctx, user models.User, by Proof, flash string, inAdmin bool) (*Current, error) {
	fresh := by == ByPassword
	sess, err := m.store.Get(c)
	if errors.Is(err, ErrStoreUnavailable) {
		return nil, err
	}
	if err != nil {
		// The old session's data is unreadable: start from nothing.
		_ = m.storage.Delete(hashKey(c.Cookies(m.jar.CookieName(cookies.Session))))
		c.Request().Header.DelCookie(m.jar.CookieName(cookies.Session))
		if sess, err = m.store.Get(c); err != nil {
			return nil, fmt.Errorf("sessions: %w", err)
		}
	}
	if old := c.Cookies(m.jar.CookieName(cookies.Session)); old != "" {
		if _, err := m.sessions.delete(c.UserContext(), 0, hashKey(old)); err != nil {
			return nil, err
		}
	}
	if err := sess.Reset(); err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	now := m.now()
	sess.Set(keyUser, user.ID)
	sess.Set(keyName, user.Name)
	sess.Set(keyAuthAt, now.Unix())
	sess.Set(keySeenAt, now.Unix())
	sess.Set(keyFresh, fresh)
	if fresh {
		sess.Set(keyProved, now.Unix())
	}
	if flash != "" {
		sess.Set(keyFlash, flash)
	}
	cur := &Current{UserID: user.ID, Name: user.Name, Fresh: fresh, KeyHash: hashKey(sess.ID()), AuthAt: now}
	if fresh {
		cur.ProvedAt = now
	}
	if inAdmin {
		sess.Set(keyAdmin, now.Unix())
		cur.AdminAt = now
	}
	if err := m.save(sess, now); err != nil {
		return nil, err
	}
	err = m.sessions.create(c.UserContext(), WebSession{
		KeyHash: cur.KeyHash, UserID: user.ID, DeviceLabel: DeviceLabel(c.Get(fiber.HeaderUserAgent)), IP: c.IP(),
		Remembered: by == ByRememberMe, CreatedAt: now, LastSeenAt: now, ExpiresAt: minTime(now.Add(m.idle), now.Add(m.absolute)),
	})
	if err != nil {
		return nil, err
	}
	// Checked once the session exists: an account disabled at this very
	// moment either has this session ended with all its others, or is
	// seen disabled here.
	if _, err := m.users.Admit(c.UserContext(), user.ID); err != nil {
		if _, derr := m.sessions.delete(c.UserContext(), 0, cur.KeyHash); derr != nil {
			return nil, derr
		}
		if derr := m.storage.Delete(cur.KeyHash); derr != nil {
			return nil, derr
		}
		m.jar.Clear(c, cookies.Session)
		c.Locals(currentLocal, loaded{nil})
		return nil, err
	}
	if _, err := m.jar.NewCSRFSecret(c); err != nil {
		return nil, err
	}
	c.Locals(currentLocal, loaded{cur})
	return cur, nil
}

// SignOut ends this browser's session on the server (a replayed cookie is
// then anonymous), forgets this device's remember-me token and starts a new
// form-token secret.
func (m *Manager) SignOut(c *fiber.Ctx) error {
	if c.Cookies(m.jar.CookieName(cookies.Session)) != "" {
		sess, err := m.store.Get(c)
		switch {
		case err == nil:
			if err := m.end(c, sess, hashKey(sess.ID())); err != nil {
				return err
			}
		case errors.Is(err, ErrStoreUnavailable):
			return err // the session lives on: signing out must be tried again
		default:
			m.jar.Clear(c, cookies.Session)
		}
	}
	if err := m.forgetDevice(c); err != nil {
		return err
	}
	if _, err := m.jar.NewCSRFSecret(c); err != nil {
		return err
	}
	c.Locals(currentLocal, loaded{nil})
	return nil
}

// end destroys a session in the store, its devices-page entry and its cookie.
func (m *Manager) end(c *fiber.Ctx, sess *session.Session, keyHash string) error {
	if err := sess.Destroy(); err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	_, err := m.sessions.delete(c.UserContext(), 0, keyHash)
	return err
}

// RevokeSession ends one of the user's sessions; it stops working on its
// next request. An id that cannot be a session's (see secret.IsHash) ends
// nothing, and is not looked up. Inside a transaction
// (models.InTransaction) the session leaves the session store once the
// transaction has committed.
func (m *Manager) RevokeSession(ctx context.Context, userID uint, keyHash string) (bool, error) {
	if !secret.IsHash(keyHash) {
		return false, nil
	}
	ok, err := m.sessions.delete(ctx, userID, keyHash)
	if err != nil || !ok {
		return false, err
	}
	return true, models.AfterCommit(ctx, func(context.Context) error { return m.storage.Delete(keyHash) })
}

// RevokeAll ends every session and remember-me token of the user except
// the session keepKeyHash and the token keepSelector (either may be empty).
// Tokens go first: a browser signing back in with one at this moment
// either finds it gone, or created its session before the sessions are
// listed here (see resume).
func (m *Manager) RevokeAll(ctx context.Context, userID uint, keepKeyHash, keepSelector string) error {
	if err := m.tokens.deleteAll(ctx, userID, keepSelector); err != nil {
		return err
	}
	keys, err := m.sessions.keys(ctx, userID, keepKeyHash)
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
func (m *Manager) Sessions(ctx context.Context, userID uint) ([]WebSession, error) {
	return m.sessions.list(ctx, userID, m.now())
}

// Devices lists the user's remembered devices, most recently used first.
func (m *Manager) Devices(ctx context.Context, userID uint) ([]RememberToken, error) {
	return m.tokens.list(ctx, userID, m.now())
}

// Sweep deletes the devices-page entries of sessions and the remember-me
// tokens that have expired. Safe on every instance at once.
func (m *Manager) Sweep(ctx context.Context) (int64, error) {
	now := m.now()
	sessions, err := m.sessions.sweep(ctx, now)
	if err != nil {
		return 0, err
	}
	tokens, err := m.tokens.sweep(ctx, now)
	return sessions + tokens, err
}

func int64Of(v any) int64 {
	n, _ := v.(int64)
	return n
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Cookie seals the session cookie like every other Crumb cookie: it opens
// the incoming value (a tampered or foreign one counts as no session) before
// the handlers run, and seals the id Fiber's session middleware sets on the
// way out. Wrap every route that uses sessions with it.
func (m *Manager) Cookie(c *fiber.Ctx) error {
	name := m.jar.CookieName(cookies.Session)
	c.Locals(cookieOpenedLocal, true)
	if value := c.Cookies(name); value != "" {
		id, _, ok := m.jar.Open(cookies.Session, value)
		if ok {
			c.Request().Header.SetCookie(name, string(id))
		} else {
			c.Request().Header.DelCookie(name)
			m.jar.Reject(c, cookies.Session, "cannot be decrypted")
		}
	}
	err := c.Next()
	out := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(out)
	out.SetKey(name)
	if c.Response().Header.Cookie(out) && len(out.Value()) > 0 {
		out.SetValue(m.jar.Seal(cookies.Session, out.Value(), time.Time{}))
		c.Response().Header.SetCookie(out)
	}
	return err
}
