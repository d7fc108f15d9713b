package sessions_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/sessions"
	"crumb/storage"
)

// Both of the stores Crumb runs on are session stores.
var (
	_ sessions.Store = (*storage.KV)(nil)
	_ sessions.Store = database.RedisStore{}
)

func TestDeviceLabel(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36":       "Chrome on Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86":         "Edge on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15":    "Safari on macOS",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile/15E148 Safari/604.1":   "Safari on iPhone",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36": "Chrome on Android",
		"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0":                                                "Firefox on Linux",
		"curl/8.5.0": "curl",
		"":           "Unknown browser",
	} {
		if got := sessions.DeviceLabel(ua); got != want {
			t.Errorf("DeviceLabel(%q) = %q, want %q", ua, got, want)
		}
	}
}

// flaky is a session store that stops answering while down is set.
type flaky struct {
	sessions.Store
	down atomic.Bool
}

var errDown = errors.New("connection refused")

func (f *flaky) Get(key string) ([]byte, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.Get(key)
}

func (f *flaky) Set(key string, val []byte, exp time.Duration) error {
	if f.down.Load() {
		return errDown
	}
	return f.Store.Set(key, val, exp)
}

func (f *flaky) Delete(key string) error {
	if f.down.Load() {
		return errDown
	}
	return f.Store.Delete(key)
}

type noApps struct{}

func (noApps) RevokeUser(context.Context, uint) error { return nil }

// kit is a Manager on a SQLite file, its sessions in store (the database
// when nil), with one account.
type kit struct {
	t     *testing.T
	db    *gorm.DB
	clock *testkit.Clock
	store *flaky
	users *storage.Users
	m     *sessions.Manager
	user  models.User
}

var client = sessions.Client{IP: "192.0.2.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}

const (
	idle     = 30 * time.Minute
	absolute = 12 * time.Hour
)

func newKit(t *testing.T, store sessions.Store) *kit {
	t.Helper()
	db := testkit.SQLite(t)
	clock := testkit.NewClock(testkit.Start)
	if store == nil {
		store = storage.NewKV(db, clock.Now)
	}
	k := &kit{t: t, db: db, clock: clock, store: &flaky{Store: store}, users: storage.NewUsers(db, testkit.Passwords)}
	k.m = sessions.New(sessions.Config{
		Store: k.store, Sessions: storage.NewWebSessions(db), Tokens: storage.NewRememberTokens(db), Users: k.users, Apps: noApps{}, Now: clock.Now,
		Idle: idle, Absolute: absolute, Log: slog.New(slog.DiscardHandler),
	})
	var err error
	k.user, err = k.users.Create(context.Background(), "Ada", "ada@example.com", "rye-and-butter-42")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// eachStore runs test on the database's store and on Redis.
func eachStore(t *testing.T, test func(t *testing.T, k *kit)) {
	t.Run("database", func(t *testing.T) { test(t, newKit(t, nil)) })
	t.Run("redis", func(t *testing.T) {
		r, err := database.OpenRedis(testkit.RedisURL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close() })
		test(t, newKit(t, r))
	})
}

func (k *kit) signIn(old string, fresh bool, flash string) (string, *sessions.Current) {
	k.t.Helper()
	by := sessions.ByRememberMe
	if fresh {
		by = sessions.ByPassword
	}
	id, cur, err := k.m.SignIn(context.Background(), old, k.user, by, flash, client)
	if err != nil || id == "" || cur == nil {
		k.t.Fatalf("SignIn = %q, %+v, %v", id, cur, err)
	}
	return id, cur
}

// load is Load, failing the test on an error.
func (k *kit) load(id string) (*sessions.Current, bool) {
	k.t.Helper()
	cur, gone, err := k.m.Load(context.Background(), id)
	if err != nil {
		k.t.Fatalf("Load: %v", err)
	}
	return cur, gone
}

// stored is the record kept for session id, or nil.
func (k *kit) stored(id string) map[string]any {
	k.t.Helper()
	raw, err := k.store.Get(sha(id))
	if err != nil {
		k.t.Fatal(err)
	}
	if raw == nil {
		return nil
	}
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		k.t.Fatalf("stored session %s is not JSON: %v", raw, err)
	}
	return rec
}

func (k *kit) rows(model any) int64 {
	k.t.Helper()
	var n int64
	if err := k.db.Model(model).Count(&n).Error; err != nil {
		k.t.Fatal(err)
	}
	return n
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestSessionRecord: a session is kept as a small record under the
// SHA-256 of its id, and the id itself is kept nowhere.
func TestSessionRecord(t *testing.T) {
	eachStore(t, func(t *testing.T, k *kit) {
		now := k.clock.Now().Unix()
		id, cur := k.signIn("", true, "")
		if len(id) < 43 {
			t.Errorf("session id %q is shorter than 256 random bits", id)
		}
		if cur.KeyHash != sha(id) || cur.UserID != k.user.ID || cur.Name != "Ada" || !cur.Fresh {
			t.Errorf("Current = %+v", cur)
		}
		raw, _ := k.store.Get(sha(id))
		if raw == nil {
			t.Fatal("no record under the SHA-256 of the id")
		}
		if v, _ := k.store.Get(id); v != nil {
			t.Error("a record is kept under the id itself")
		}
		if strings.Contains(string(raw), id) || strings.Contains(string(raw), "ada@example.com") {
			t.Errorf("the record %s holds the id or the email", raw)
		}
		if len(raw) > 120 {
			t.Errorf("the record is %d bytes: %s", len(raw), raw)
		}
		rec := k.stored(id)
		for field, want := range map[string]any{"u": float64(k.user.ID), "n": "Ada", "a": float64(now), "s": float64(now), "f": true, "p": float64(now)} {
			if rec[field] != want {
				t.Errorf("record %s = %v, want %v (record %s)", field, rec[field], want, raw)
			}
		}
		var row models.WebSession
		if err := k.db.Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.KeyHash != sha(id) || row.UserID != k.user.ID || row.DeviceLabel != "Firefox on Linux" || row.IP != client.IP || row.Remembered {
			t.Errorf("devices-page row = %+v", row)
		}
		if !row.ExpiresAt.Equal(k.clock.Now().Add(idle)) {
			t.Errorf("devices-page row expires %v, want the idle limit", row.ExpiresAt)
		}
		// Someone with a copy of the store has only the hash: it signs
		// nobody in.
		if cur, _ := k.load(sha(id)); cur != nil {
			t.Error("the stored key works as a session id")
		}
		if cur, gone := k.load(id); cur == nil || gone || cur.UserID != k.user.ID {
			t.Errorf("Load = %+v, %v", cur, gone)
		}
	})
}

func TestLoadWithoutSession(t *testing.T) {
	k := newKit(t, nil)
	k.store.down.Store(true) // no session id: the store is not asked
	if cur, gone, err := k.m.Load(context.Background(), ""); cur != nil || gone || err != nil {
		t.Errorf("Load(\"\") = %+v, %v, %v; want a guest with nothing to drop", cur, gone, err)
	}
	k.store.down.Store(false)
	if cur, gone := k.load("no-such-session"); cur != nil || !gone {
		t.Errorf("Load of an unknown id = %+v, gone %v; want the cookie dropped", cur, gone)
	}
}

// TestIdleClock: the idle clock moves at most once a minute, and a
// session idle for 30 minutes ends.
func TestIdleClock(t *testing.T) {
	eachStore(t, func(t *testing.T, k *kit) {
		id, _ := k.signIn("", true, "")
		before, _ := k.store.Get(sha(id))
		k.clock.Advance(30 * time.Second)
		if cur, _ := k.load(id); cur == nil {
			t.Fatal("signed out after 30 seconds")
		}
		if after, _ := k.store.Get(sha(id)); string(after) != string(before) {
			t.Errorf("a load within a minute wrote the session: %s, then %s", before, after)
		}
		k.clock.Advance(31 * time.Second)
		if cur, _ := k.load(id); cur == nil {
			t.Fatal("signed out after 61 seconds")
		}
		if rec := k.stored(id); rec["s"] != float64(k.clock.Now().Unix()) {
			t.Errorf("after a minute the idle clock is %v, want %d", rec["s"], k.clock.Now().Unix())
		}
		var row models.WebSession
		k.db.Take(&row)
		if !row.LastSeenAt.Equal(k.clock.Now()) || !row.ExpiresAt.Equal(k.clock.Now().Add(idle)) {
			t.Errorf("devices-page row seen %v, expires %v; want now and the idle limit from now", row.LastSeenAt, row.ExpiresAt)
		}

		k.clock.Advance(idle - time.Second)
		if cur, _ := k.load(id); cur == nil {
			t.Fatal("signed out a second before the idle limit")
		}
		k.clock.Advance(idle)
		if cur, gone := k.load(id); cur != nil || !gone {
			t.Errorf("after 30 minutes idle Load = %+v, gone %v", cur, gone)
		}
		if rec := k.stored(id); rec != nil {
			t.Errorf("the idle session is still stored: %v", rec)
		}
		if cur, _ := k.load(id); cur != nil {
			t.Error("the idle session works again")
		}
	})
}

// TestAbsoluteLimit: however busy, a session ends 12 hours after sign-in.
func TestAbsoluteLimit(t *testing.T) {
	eachStore(t, func(t *testing.T, k *kit) {
		id, _ := k.signIn("", true, "")
		for elapsed := 20 * time.Minute; elapsed < absolute; elapsed += 20 * time.Minute {
			k.clock.Advance(20 * time.Minute)
			if cur, _ := k.load(id); cur == nil {
				t.Fatalf("signed out after %v", elapsed)
			}
		}
		k.clock.Advance(20 * time.Minute)
		if cur, gone := k.load(id); cur != nil || !gone {
			t.Errorf("after 12 hours Load = %+v, gone %v", cur, gone)
		}
	})
}

func TestFlashIsShownOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, k *kit) {
		id, cur := k.signIn("", true, "Welcome back")
		if cur.Flash != "Welcome back" {
			t.Errorf("SignIn's Current has flash %q", cur.Flash)
		}
		if cur, _ := k.load(id); cur == nil || cur.Flash != "Welcome back" {
			t.Fatalf("the next page has %+v, want the flash", cur)
		}
		if cur, _ := k.load(id); cur == nil || cur.Flash != "" {
			t.Errorf("the page after has %+v, want no flash", cur)
		}
	})
}

// TestStoreUnavailable: while the store does not answer, nobody is signed
// out and nothing is decided.
func TestStoreUnavailable(t *testing.T) {
	k := newKit(t, nil)
	id, _ := k.signIn("", true, "")
	k.store.down.Store(true)
	cur, gone, err := k.m.Load(context.Background(), id)
	if !errors.Is(err, sessions.ErrStoreUnavailable) || !errors.Is(err, errDown) || gone || cur != nil {
		t.Errorf("Load with the store down = %+v, %v, %v; want ErrStoreUnavailable, cookie kept", cur, gone, err)
	}
	if _, _, err := k.m.SignIn(context.Background(), "", k.user, sessions.ByPassword, "", client); !errors.Is(err, sessions.ErrStoreUnavailable) {
		t.Errorf("SignIn with the store down: %v", err)
	}
	if err := k.m.SignOut(context.Background(), id, ""); !errors.Is(err, sessions.ErrStoreUnavailable) {
		t.Errorf("SignOut with the store down: %v", err)
	}
	if uid := k.m.AccountOf(id); uid != 0 {
		t.Errorf("AccountOf with the store down = %d", uid)
	}
	k.store.down.Store(false)
	if cur, _ := k.load(id); cur == nil {
		t.Error("signed out by the outage")
	}
}

// TestUnreadableRecord: a record that cannot be decoded, or names no
// account, signs nobody in; one that cannot be decoded is deleted.
func TestUnreadableRecord(t *testing.T) {
	for name, value := range map[string]string{"not JSON": "\x00garbage", "no account": `{"n":"Ada","a":1,"s":1}`} {
		t.Run(name, func(t *testing.T) {
			k := newKit(t, nil)
			id, _ := k.signIn("", true, "")
			if err := k.store.Set(sha(id), []byte(value), time.Hour); err != nil {
				t.Fatal(err)
			}
			if cur, gone := k.load(id); cur != nil || !gone {
				t.Errorf("Load = %+v, gone %v; want nobody, the cookie dropped", cur, gone)
			}
			if uid := k.m.AccountOf(id); uid != 0 {
				t.Errorf("AccountOf = %d", uid)
			}
			if raw, _ := k.store.Get(sha(id)); name == "not JSON" && raw != nil {
				t.Errorf("the unreadable record is still stored: %q", raw)
			}
		})
	}
}

func TestSignInEndsTheOldSession(t *testing.T) {
	k := newKit(t, nil)
	old, _ := k.signIn("", false, "")
	id, cur := k.signIn(old, true, "")
	if id == old {
		t.Fatal("signing in kept the session id")
	}
	if cur, gone := k.load(old); cur != nil || !gone {
		t.Errorf("the session from before sign-in still works: %+v", cur)
	}
	if got, _ := k.load(id); got == nil || got.KeyHash != cur.KeyHash {
		t.Errorf("the new session does not work: %+v", got)
	}
	if n := k.rows(&models.WebSession{}); n != 1 {
		t.Errorf("%d sessions on the devices page, want 1", n)
	}

	if err := k.m.SignOut(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	if cur, gone := k.load(id); cur != nil || !gone {
		t.Errorf("signed out, Load = %+v, gone %v", cur, gone)
	}
	if n := k.rows(&models.WebSession{}); n != 0 {
		t.Errorf("%d sessions on the devices page after signing out", n)
	}
}

func TestProvePassword(t *testing.T) {
	k := newKit(t, nil)
	old, _ := k.signIn("", false, "")
	k.clock.Advance(5 * time.Minute)
	id, cur, err := k.m.ProvePassword(context.Background(), old, k.user, client)
	if err != nil || id == old {
		t.Fatalf("ProvePassword = %q, %v; want a new id", id, err)
	}
	now := k.clock.Now()
	if !cur.Fresh || !cur.ProvedAt.Equal(now) || !cur.AdminAt.Equal(now) {
		t.Errorf("after proving the password: %+v, want ProvedAt and AdminAt %v", cur, now)
	}
	if got, _ := k.load(old); got != nil {
		t.Error("a copy of the cookie from before proving the password works")
	}
	if got, _ := k.load(id); got == nil || !got.ProvedAt.Equal(now) || !got.AdminAt.Equal(now) {
		t.Errorf("Load = %+v", got)
	}
}

func TestUsedAdmin(t *testing.T) {
	k := newKit(t, nil)
	id, _ := k.signIn("", true, "")
	cur, _ := k.load(id)
	if !cur.AdminAt.IsZero() {
		t.Fatalf("a new session has used the back office at %v", cur.AdminAt)
	}
	if err := k.m.UsedAdmin(context.Background(), id, cur); err != nil {
		t.Fatal(err)
	}
	first := k.clock.Now()
	if !cur.AdminAt.Equal(first) || k.stored(id)["d"] != float64(first.Unix()) {
		t.Errorf("AdminAt = %v, stored %v; want %v", cur.AdminAt, k.stored(id)["d"], first)
	}
	k.clock.Advance(30 * time.Second)
	cur, _ = k.load(id)
	if err := k.m.UsedAdmin(context.Background(), id, cur); err != nil {
		t.Fatal(err)
	}
	if !cur.AdminAt.Equal(first) || k.stored(id)["d"] != float64(first.Unix()) {
		t.Errorf("within a minute the back office's clock moved to %v", cur.AdminAt)
	}
	k.clock.Advance(31 * time.Second)
	cur, _ = k.load(id)
	if err := k.m.UsedAdmin(context.Background(), id, cur); err != nil || !cur.AdminAt.Equal(k.clock.Now()) {
		t.Errorf("after a minute UsedAdmin = %v, AdminAt %v", err, cur.AdminAt)
	}

	k.clock.Advance(2 * time.Minute)
	cur, _ = k.load(id)
	if _, err := k.m.RevokeSession(context.Background(), k.user.ID, cur.KeyHash); err != nil {
		t.Fatal(err)
	}
	if err := k.m.UsedAdmin(context.Background(), id, cur); !errors.Is(err, sessions.ErrSignedOut) {
		t.Errorf("UsedAdmin of a revoked session = %v, want ErrSignedOut", err)
	}
}

// TestAccountOf reads the account of a session without changing anything.
func TestAccountOf(t *testing.T) {
	eachStore(t, func(t *testing.T, k *kit) {
		id, _ := k.signIn("", true, "")
		if uid := k.m.AccountOf(id); uid != k.user.ID {
			t.Errorf("AccountOf = %d, want %d", uid, k.user.ID)
		}
		if uid := k.m.AccountOf("no-such-session"); uid != 0 {
			t.Errorf("AccountOf an unknown id = %d", uid)
		}
		k.clock.Advance(idle - time.Second)
		before := k.stored(id)
		if uid := k.m.AccountOf(id); uid != k.user.ID {
			t.Errorf("AccountOf before the idle limit = %d", uid)
		}
		if after := k.stored(id); after["s"] != before["s"] {
			t.Error("AccountOf moved the idle clock")
		}
		k.clock.Advance(time.Second)
		if uid := k.m.AccountOf(id); uid != 0 {
			t.Errorf("AccountOf an idle session = %d", uid)
		}
	})
}

func TestDisabledAccount(t *testing.T) {
	k := newKit(t, nil)
	ctx := context.Background()
	cookie, _, err := k.m.Remember(ctx, k.user.ID, client)
	if err != nil {
		t.Fatal(err)
	}
	now := k.clock.Now()
	if _, err := k.users.SetDisabled(ctx, k.user.ID, &now); err != nil {
		t.Fatal(err)
	}
	if id, cur, err := k.m.SignIn(ctx, "", k.user, sessions.ByPassword, "", client); !errors.Is(err, models.ErrDisabled) || id != "" || cur != nil {
		t.Errorf("SignIn of a disabled account = %q, %+v, %v", id, cur, err)
	}
	res, err := k.m.Resume(ctx, cookie, client)
	if err != nil || res.ID != "" || !res.Forget {
		t.Errorf("Resume of a disabled account = %+v, %v", res, err)
	}
	if n := k.rows(&models.WebSession{}); n != 0 {
		t.Errorf("%d sessions left for a disabled account", n)
	}
	if n := k.rows(&models.RememberToken{}); n != 0 {
		t.Errorf("%d remember-me tokens left for a disabled account", n)
	}
}

// TestResume: a remember-me cookie signs the browser back in and is
// rotated; the previous value is honoured for a moment, and a copy used
// after that is taken for theft.
func TestResume(t *testing.T) {
	k := newKit(t, nil)
	ctx := context.Background()
	cookie, expires, err := k.m.Remember(ctx, k.user.ID, client)
	if err != nil {
		t.Fatal(err)
	}
	if !expires.Equal(k.clock.Now().Add(30 * 24 * time.Hour)) {
		t.Errorf("remembered until %v, want 30 days", expires)
	}
	selector := sessions.Selector(cookie)
	if selector == "" || !strings.HasPrefix(cookie, selector+":") {
		t.Fatalf("Selector(%q) = %q", cookie, selector)
	}
	var tok models.RememberToken
	k.db.Take(&tok)
	if strings.Contains(tok.ValidatorHash, strings.TrimPrefix(cookie, selector+":")) || tok.Selector != selector {
		t.Errorf("stored token %+v holds the validator", tok)
	}

	for _, bad := range []string{"no-colon", "unknown:validator", ":"} {
		if res, err := k.m.Resume(ctx, bad, client); err != nil || res.ID != "" || !res.Forget {
			t.Errorf("Resume(%q) = %+v, %v; want the cookie dropped", bad, res, err)
		}
	}

	k.clock.Advance(time.Hour)
	res, err := k.m.Resume(ctx, cookie, client)
	if err != nil || res.ID == "" || res.Current == nil || res.Forget {
		t.Fatalf("Resume = %+v, %v", res, err)
	}
	if res.Current.UserID != k.user.ID || res.Current.Fresh || !res.Current.ProvedAt.IsZero() {
		t.Errorf("resumed as %+v, want the account, not fresh, password never given", res.Current)
	}
	if res.Cookie == "" || res.Cookie == cookie || sessions.Selector(res.Cookie) != selector {
		t.Errorf("rotated cookie %q (was %q): want a new validator, the same selector", res.Cookie, cookie)
	}
	if !res.Expires.Equal(k.clock.Now().Add(30 * 24 * time.Hour)) {
		t.Errorf("rotated cookie expires %v", res.Expires)
	}
	if cur, _ := k.load(res.ID); cur == nil || cur.UserID != k.user.ID {
		t.Errorf("the resumed session does not load: %+v", cur)
	}
	var row models.WebSession
	k.db.Take(&row)
	if !row.Remembered {
		t.Error("the devices page does not show the session as resumed")
	}

	// A parallel request that left with the old cookie.
	k.clock.Advance(sessions.RememberGrace - time.Second)
	if again, err := k.m.Resume(ctx, cookie, client); err != nil || again.ID == "" || again.Cookie != "" || again.Forget {
		t.Errorf("the previous cookie within the grace = %+v, %v; want signed in, no rotation", again, err)
	}

	// The old cookie after that: a copy. Everything ends.
	k.clock.Advance(2 * time.Second)
	stolen, err := k.m.Resume(ctx, cookie, client)
	if err != nil || stolen.ID != "" || !stolen.Forget {
		t.Errorf("a stale copy = %+v, %v; want nobody, the cookie dropped", stolen, err)
	}
	if cur, _ := k.load(res.ID); cur != nil {
		t.Error("the session survived the theft")
	}
	if again, err := k.m.Resume(ctx, res.Cookie, client); err != nil || again.ID != "" || !again.Forget {
		t.Errorf("the rotated cookie after the theft = %+v, %v", again, err)
	}
	if warn, err := k.users.TakeTheftWarning(ctx, k.user.ID); err != nil || !warn {
		t.Errorf("no theft warning for the next sign-in: %v, %v", warn, err)
	}
}

// TestSweep removes the devices-page entries of expired sessions and
// expired remember-me tokens, and keeps live ones.
func TestSweep(t *testing.T) {
	k := newKit(t, nil)
	now := k.clock.Now()
	k.db.Create(&[]models.WebSession{
		{KeyHash: "live", UserID: k.user.ID, ExpiresAt: now.Add(time.Minute)},
		{KeyHash: "gone", UserID: k.user.ID, ExpiresAt: now.Add(-time.Minute)},
	})
	k.db.Create(&[]models.RememberToken{
		{Selector: "live", UserID: k.user.ID, ExpiresAt: now.Add(time.Hour)},
		{Selector: "gone", UserID: k.user.ID, ExpiresAt: now.Add(-time.Hour)},
	})
	n, err := k.m.Sweep(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 removed", n, err)
	}
	var sessionsLeft, tokensLeft []string
	k.db.Model(&models.WebSession{}).Pluck("key_hash", &sessionsLeft)
	k.db.Model(&models.RememberToken{}).Pluck("selector", &tokensLeft)
	if len(sessionsLeft) != 1 || sessionsLeft[0] != "live" || len(tokensLeft) != 1 || tokensLeft[0] != "live" {
		t.Errorf("left: sessions %v, tokens %v", sessionsLeft, tokensLeft)
	}
}
