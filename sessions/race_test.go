package sessions

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"crumb/cookies"
	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
)

// raceKit is a Manager on a real SQLite file behind a tiny app: /signin
// signs user in (and remembers the device with ?remember=1), /me answers
// with who is signed in ("guest" or the user id).
type raceKit struct {
	t       *testing.T
	db      *gorm.DB
	m       *Manager
	app     *fiber.App
	storage *database.Storage
	user    models.User
	clock   *testkit.Clock
}

type noApps struct{}

func (noApps) RevokeUser(context.Context, uint) error { return nil }

func newRaceKit(t *testing.T) *raceKit {
	t.Helper()
	db := testkit.SQLite(t)
	k := &raceKit{t: t, db: db, clock: testkit.NewClock(testkit.Start)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	jar, err := cookies.NewJar(bytes.Repeat([]byte{1}, 32), false, k.clock.Now, log)
	if err != nil {
		t.Fatal(err)
	}
	users := models.NewUsers(db, testkit.Passwords)
	k.storage = database.NewStorage(db, k.clock.Now)
	k.m = New(Config{Storage: k.storage, DB: db, Users: users, Jar: jar, Apps: noApps{}, Now: k.clock.Now,
		Idle: 30 * time.Minute, Absolute: 12 * time.Hour, Log: log})
	k.user, err = users.Create(context.Background(), "Ada", "ada@example.com", "rye-and-butter-42")
	if err != nil {
		t.Fatal(err)
	}
	k.app = fiber.New()
	k.app.Use(k.m.Cookie)
	k.app.Get("/signin", func(c *fiber.Ctx) error {
		if _, err := k.m.SignIn(c, k.user, ByPassword, ""); err != nil {
			return err
		}
		if c.Query("remember") != "" {
			return k.m.Remember(c, k.user.ID)
		}
		return nil
	})
	k.app.Get("/me", func(c *fiber.Ctx) error {
		cur, err := k.m.Load(c)
		if err != nil {
			return err
		}
		if cur == nil {
			return c.SendString("guest")
		}
		return c.SendString(strconv.FormatUint(uint64(cur.UserID), 10))
	})
	return k
}

// get requests path with cookies and returns the body and the cookies set.
func (k *raceKit) get(path string, cks []*http.Cookie) (string, []*http.Cookie) {
	k.t.Helper()
	req := httptest.NewRequest(fiber.MethodGet, path, nil)
	for _, c := range cks {
		req.AddCookie(c)
	}
	res, err := k.app.Test(req, -1)
	if err != nil {
		k.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return string(body), res.Cookies()
}

func named(cks []*http.Cookie, name string) []*http.Cookie {
	for _, c := range cks {
		if c.Name == name && c.MaxAge >= 0 {
			return []*http.Cookie{c}
		}
	}
	return nil
}

// pauseAt makes the next request that reaches step wait there until the
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
			_, cks := k.get("/signin", nil)
			session := named(cks, "crumb_session")
			if who, _ := k.get("/me", session); who != strconv.Itoa(int(k.user.ID)) {
				t.Fatalf("not signed in: %q", who)
			}
			k.clock.Advance(2 * SeenEvery) // the next request moves the idle clock: a write
			paused, resume := k.pauseAt("touch")
			answer := make(chan string)
			go func() {
				who, _ := k.get("/me", session)
				answer <- who
			}()
			<-paused
			var row WebSession
			k.db.Take(&row)
			if revoke == "one session" {
				if ok, err := k.m.RevokeSession(context.Background(), k.user.ID, row.KeyHash); err != nil || !ok {
					t.Fatalf("revoke = %v, %v", ok, err)
				}
			} else if err := k.m.SignOutEverywhere(context.Background(), k.user.ID, "", ""); err != nil {
				t.Fatal(err)
			}
			resume()
			if who := <-answer; who != "guest" {
				t.Errorf("the request in flight answered as %q after the revocation", who)
			}
			if who, _ := k.get("/me", session); who != "guest" {
				t.Errorf("the revoked session works again: %q", who)
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
			_, cks := k.get("/signin?remember=1", nil)
			remember := named(cks, "crumb_remember")
			if remember == nil {
				t.Fatal("no remember-me cookie")
			}
			k.clock.Advance(time.Hour)
			paused, resume := k.pauseAt(step)
			answer := make(chan string)
			go func() {
				who, _ := k.get("/me", remember) // a browser that closed: only the remember cookie
				answer <- who
			}()
			<-paused
			if err := k.m.SignOutEverywhere(context.Background(), k.user.ID, "", ""); err != nil {
				t.Fatal(err)
			}
			resume()
			if who := <-answer; who != "guest" {
				t.Errorf("a revoked remember-me token signed the browser in as %q", who)
			}
			if n := k.count(&WebSession{}); n != 0 {
				t.Errorf("%d sessions left after signing out everywhere", n)
			}
			if who, _ := k.get("/me", remember); who != "guest" {
				t.Errorf("the revoked remember-me cookie works: %q", who)
			}
		})
	}
}
