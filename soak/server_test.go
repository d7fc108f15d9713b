package soak_test

import (
	"bytes"
	"encoding/base64"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/internal/shopper"
	"crumb/internal/testkit"
	"crumb/secret"
)

// duration is how long the load of each suite runs: SOAK_DURATION
// (make soak sets minutes), or short seconds inside make test.
func duration(t *testing.T, short time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv("SOAK_DURATION")
	if v == "" {
		return short
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("SOAK_DURATION=%q: want a duration such as 5m", v)
	}
	return d
}

// binary builds the real server once for the whole package.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "crumb-soak-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "crumb")
	out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput()
	if err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// server is the real binary in production mode on a data folder and
// secrets of its own, which survive a restart.
type server struct {
	t     *testing.T
	bin   string
	env   []string
	Base  string
	DBURL string // empty: SQLite in the data folder
	dir   string
	cmd   *exec.Cmd
	Logs  *testkit.LogBuffer
}

// newServer starts the binary with the demo catalog; env adds settings.
// It is killed when the test ends.
func newServer(t *testing.T, env ...string) *server {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &server{t: t, bin: bin, dir: t.TempDir(), Base: "http://127.0.0.1:" + strconv.Itoa(port)}
	key := func() string { return base64.StdEncoding.EncodeToString(secret.Bytes(32)) }
	s.env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"APP_ENV=production", "SEED_DEMO=true", "LOG_LEVEL=warn", "SHUTDOWN_GRACE=0s", "PORT=" + strconv.Itoa(port),
		"DATA_DIR=" + filepath.Join(s.dir, "data"), "BASE_URL=" + s.Base,
		"SECRET_KEY=" + key(), "JWT_KEYS=soak:" + key(), "AUTH_ATTEMPTS_PER_MINUTE=100000",
		// Production needs a mail server; nothing listens here, so the
		// order emails wait in the outbox (a mail server that is down
		// never fails a checkout).
		"SMTP_URL=smtp://127.0.0.1:1", "MAIL_FROM=soak@crumb.test",
	}, env...)
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "DATABASE_URL="); ok {
			s.DBURL = v
		}
	}
	t.Cleanup(s.kill)
	s.start()
	return s
}

// start runs the binary and waits until it is ready.
func (s *server) start() {
	s.t.Helper()
	s.Logs = &testkit.LogBuffer{}
	s.cmd = exec.Command(s.bin)
	s.cmd.Dir, s.cmd.Env = s.dir, s.env
	s.cmd.Stdout, s.cmd.Stderr = s.Logs, s.Logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(s.Base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
	}
	s.t.Fatalf("the server never became ready:\n%s", s.Logs)
}

// kill ends the server at once with SIGKILL, as a power cut would.
func (s *server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// RSS is the server's resident memory in MB.
func (s *server) RSS() int {
	s.t.Helper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		s.t.Fatalf("reading the server's memory: %v", err)
	}
	for _, line := range bytes.Split(status, []byte("\n")) {
		if f := strings.Fields(string(line)); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return kb / 1024
		}
	}
	s.t.Fatal("no VmRSS")
	return 0
}

// DB opens the server's database, as another process would.
func (s *server) DB() *gorm.DB {
	s.t.Helper()
	db, err := database.Open(s.DBURL, filepath.Join(s.dir, "data", "crumb.db"))
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = database.Close(db) })
	return db
}

// Mailbox reads the email the server sent from its outbox in db: its
// mail server is an address where nothing listens, so every email waits
// there, its link's token kept. Shoppers who order follow their sign-up's
// link from it, as they would from their inbox.
func (s *server) Mailbox(db *gorm.DB) shopper.Mailbox {
	s.t.Helper()
	mb, err := shopper.Outbox(db, s.Base)
	if err != nil {
		s.t.Fatal(err)
	}
	return mb
}

// ServerErrors are the 500s the server logged.
func (s *server) ServerErrors() string {
	var lines []string
	for _, l := range strings.Split(s.Logs.String(), "\n") {
		if strings.Contains(l, "request failed") || strings.Contains(l, "panic") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
