package main

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestShutdownLeavesTheBalancerFirst: on SIGTERM, /readyz answers 503 at
// once while the shop is still served; after SHUTDOWN_GRACE no new
// connection is accepted, a request that was in flight all along (its
// client slow to send it) still gets its page, and the process exits 0.
func TestShutdownLeavesTheBalancerFirst(t *testing.T) {
	bin := buildCrumb(t)
	dir := t.TempDir()
	port := strconv.Itoa(freePort(t))
	addr := "127.0.0.1:" + port
	base := "http://" + addr
	var logs lockedBuffer
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = crumbEnv("PORT="+port, "DATA_DIR="+filepath.Join(dir, "data"), "SHUTDOWN_GRACE=1s", "SHUTDOWN_TIMEOUT=5s")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	exited := make(chan error, 1)
	for deadline := time.Now().Add(60 * time.Second); status(base+"/readyz") != http.StatusOK; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never ready:\n%s", logs.String())
		}
	}

	// The slow request: its first line now, the rest once the grace is over.
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := slow.Write([]byte("GET /products HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the server has read it
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() { exited <- cmd.Wait() }()

	// Within the grace: not ready, but still serving, new connections too.
	time.Sleep(100 * time.Millisecond)
	if got := status(base + "/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz right after SIGTERM = %d, want 503", got)
	}
	if got := status(base + "/products/baguette"); got != http.StatusOK {
		t.Errorf("a page during the grace = %d, want 200", got)
	}
	if time.Since(signalled) > 900*time.Millisecond {
		t.Fatal("the checks within the grace took too long to mean anything")
	}

	// After the grace: the listener is closed.
	var refused bool
	for deadline := signalled.Add(2 * time.Second); !refused && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			continue
		}
		refused = errors.Is(err, syscall.ECONNREFUSED)
	}
	if !refused {
		t.Error("new connections still accepted 2 s after SIGTERM with a 1 s grace")
	} else if took := time.Since(signalled); took < time.Second {
		t.Errorf("new connections refused %v after SIGTERM, before the 1 s grace was over", took)
	}

	if _, err := slow.Write([]byte("Connection: close\r\n\r\n")); err != nil {
		t.Fatalf("the request in flight lost its connection: %v", err)
	}
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err != nil {
		t.Fatalf("no answer to the request in flight: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("the request in flight got %d, want 200", res.StatusCode)
	}

	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(6 * time.Second):
		t.Fatalf("still running 6 s after SIGTERM with SHUTDOWN_TIMEOUT=5s:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "level=ERROR") || strings.Contains(logs.String(), "not ready") {
		t.Errorf("the shutdown logged errors or warnings:\n%s", logs.String())
	}
}

// status is the status of a GET of url on a connection of its own, 0
// without an answer.
func status(url string) int {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get(url)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}
