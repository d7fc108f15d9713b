package sessions

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
)

// raceKit is a Manager on a real SQLite file, with one account.
type raceKit struct {
	t       *testing.T
	db      *gorm.DB
	m       *Manager
	storage *storage.KV
	user    models.User
	clock   *testkit.Clock
	client  Client
}

type noApps struct{}

func (noApps) RevokeUser(context.Context, uint) error { return nil }

func newRaceKit(t *testing.T) *raceKit {
	t.Helper()
	db := testkit.SQLite(t)
	k := &raceKit{t: t, db: db, clock: testkit.NewClock(testkit.Start),
		client: Client{IP: "192.0.2.1", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}}
	log := slog.New(slog.DiscardHandler)
	users := storage.NewUsers(db, testkit.Passwords)
	k.storage = storage.NewKV(db, k.clock.Now)
	k.m = New(Config{Store: k.storage, Sessions: storage.NewWebSessions(db), Tokens: storage.NewRememberTokens(db), Users: users, Apps: noApps{}, Now: k.clock.Now,
		Idle: 30 * time.Minute, Absolute: 12 * time.Hour, Log: log})
	var err error
	k.user, err = users.Create(context.Background(), "Ada", "ada@example.com", "rye-and-butter-42")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signIn signs the account in with its password and returns the session id.
func (k *raceKit) signIn() string {
	k.t.Helper()
	id, cur, err := k.m.SignIn(context.Background(), "", k.user, ByPassword, "", k.client)
	if err != nil || cur == nil || cur.UserID != k.user.ID {
		k.t.Fatalf("SignIn = %q, %+v, %v", id, cur, err)
	}
	return id
}

// who is the account the session id signs in, or 0.
func (k *raceKit) who(id string) uint {
	k.t.Helper()
	cur, _, err := k.m.Load(context.Background(), id)
	if err != nil {
		k.t.Fatal(err)
	}
	if cur == nil {
		return 0
	}
	return cur.UserID
}

// pauseAt makes the next call that reaches step wait there until the
// returned function is called; paused is closed when it arrives.
func (k *raceKit) pauseAt(step string) (paused <-chan struct{}, resume func()) {
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	k.m.beforeWrite = func(s string) {
		if s != step {
			return
		}
		once.Do(func() {
			close(arrived)
			<-release
		})
	}
	return arrived, func() { close(release) }
}

func (k *raceKit) count(model any) int64 {
	var n int64
	k.db.Model(model).Count(&n)
	return n
}

// TestRevokedSessionIsNotWrittenBack: a request that read its session
// before a revocation and writes it back afterwards must not bring it back.
func TestRevokedSessionIsNotWrittenBack(t *testing.T) {
	for _, revoke := range []string{"one session", "everywhere"} {
		t.Run(revoke, func(t *testing.T) {
			k := newRaceKit(t)
			id := k.signIn()
			if who := k.who(id); who != k.user.ID {
				t.Fatalf("not signed in: %d", who)
			}
			k.clock.Advance(2 * SeenEvery) // the next load moves the idle clock: a write
			paused, resume := k.pauseAt("touch")
			type loaded struct {
				cur  *Current
				gone bool
				err  error
			}
			answer := make(chan loaded)
			go func() {
				cur, gone, err := k.m.Load(context.Background(), id)
				answer <- loaded{cur, gone, err}
			}()
			<-paused
			var row models.WebSession
			k.db.Take(&row)
			if row.KeyHash != hashKey(id) {
				t.Fatalf("the devices page lists %q, not the session's key", row.KeyHash)
			}
			if revoke == "one session" {
				if ok, err := k.m.RevokeSession(context.Background(), k.user.ID, row.KeyHash); err != nil || !ok {
					t.Fatalf("revoke = %v, %v", ok, err)
				}
			} else if err := k.m.SignOutEverywhere(context.Background(), k.user.ID, "", ""); err != nil {
				t.Fatal(err)
			}
			resume()
			got := <-answer
			if got.err != nil || got.cur != nil || !got.gone {
				t.Errorf("the load in flight = %+v, %v, %v after the revocation; want nobody, the cookie to drop", got.cur, got.gone, got.err)
			}
			if who := k.who(id); who != 0 {
				t.Errorf("the revoked session works again: %d", who)
			}
			if v, _ := k.storage.Get(row.KeyHash); v != nil {
				t.Error("the revoked session was written back to the store")
			}
		})
	}
}

// TestRememberTokenRevokedDuringRotation: a remember-me token revoked
// while a request is rotating it signs nobody in.
func TestRememberTokenRevokedDuringRotation(t *testing.T) {
	for _, step := range []string{"rotate", "resumed"} {
		t.Run("revoked at "+step, func(t *testing.T) {
			k := newRaceKit(t)
			k.signIn()
			cookie, _, err := k.m.Remember(context.Background(), k.user.ID, k.client)
			if err != nil || cookie == "" {
				t.Fatalf("Remember = %q, %v", cookie, err)
			}
			k.clock.Advance(time.Hour)
			paused, resume := k.pauseAt(step)
			type resumed struct {
				res Resumed
				err error
			}
			answer := make(chan resumed)
			go func() {
				// A browser that closed: only the remember-me cookie.
				res, err := k.m.Resume(context.Background(), cookie, k.client)
				answer <- resumed{res, err}
			}()
			<-paused
			if err := k.m.SignOutEverywhere(context.Background(), k.user.ID, "", ""); err != nil {
				t.Fatal(err)
			}
			resume()
			got := <-answer
			if got.err != nil || got.res.ID != "" || got.res.Current != nil {
				t.Errorf("a revoked remember-me token signed the browser in: %+v, %v", got.res, got.err)
			}
			if !got.res.Forget {
				t.Errorf("the browser is not told to drop the revoked cookie: %+v", got.res)
			}
			if n := k.count(&models.WebSession{}); n != 0 {
				t.Errorf("%d sessions left after signing out everywhere", n)
			}
			for _, c := range []string{cookie, got.res.Cookie} {
				if c == "" {
					continue
				}
				if res, err := k.m.Resume(context.Background(), c, k.client); err != nil || res.ID != "" || !res.Forget {
					t.Errorf("the revoked remember-me cookie works: %+v, %v", res, err)
				}
			}
		})
	}
}
