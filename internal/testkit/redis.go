package testkit

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Redis is a redis-server of the test's own on a free loopback port, for
// tests that stop, pause and restart it without disturbing the shared
// Redis of TEST_REDIS_URL. It keeps its data across a Stop and Start, as
// a Redis that saves on shutdown does.
type Redis struct {
	t    testing.TB
	port int
	dir  string
	cmd  *exec.Cmd
}

// RedisURL is the shared Redis of TEST_REDIS_URL. make test and CI always
// set it (to the local Redis by default); a bare go test without it skips
// the Redis tests, saying how to run them, so the rest can run on a
// machine without Redis.
func RedisURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		t.Skip("TEST_REDIS_URL not set: set it to a redis:// URL (such as redis://127.0.0.1:6379/0), as make test does, to run the Redis tests")
	}
	return url
}

// StartRedis starts a redis-server for the test, stopped when it ends. It
// runs with the other Redis tests (see RedisURL); redis-server must be on
// PATH.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	RedisURL(t)
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not on PATH: install Redis (apt-get install redis-server) to run the Redis failure tests")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	r := &Redis{t: t, port: port, dir: t.TempDir()}
	r.Start()
	t.Cleanup(func() {
		if r.cmd != nil {
			_ = r.cmd.Process.Signal(syscall.SIGCONT)
			_ = r.cmd.Process.Kill()
			_ = r.cmd.Wait()
		}
	})
	return r
}

// URL is the redis:// address of this server.
func (r *Redis) URL() string { return "redis://" + r.addr() + "/0" }

func (r *Redis) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// Start starts the server (again) on its port and waits until it answers.
func (r *Redis) Start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--save", "3600 1", "--appendonly", "no", "--logfile", "")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if r.answers() {
			return
		}
	}
	r.t.Fatalf("redis-server on port %d did not answer", r.port)
}

// Stop shuts the server down (it saves its data) and waits until it has.
func (r *Redis) Stop() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		r.t.Fatal(err)
	}
	_ = r.cmd.Wait()
	r.cmd = nil
}

// Pause freezes the server: connections stay open and nothing answers.
func (r *Redis) Pause() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		r.t.Fatal(err)
	}
}

// Resume lets a paused server go on.
func (r *Redis) Resume() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		r.t.Fatal(err)
	}
}

// answers reports whether the server replies to PING.
func (r *Redis) answers() bool {
	conn, err := net.DialTimeout("tcp", r.addr(), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}
