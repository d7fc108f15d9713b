package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"crumb/database"
	"crumb/internal/testkit"
	"crumb/storage"
)

// buildCrumb builds the real binary once per test run.
func buildCrumb(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "crumb")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer = testkit.LogBuffer

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// crumbEnv is a clean environment: only what the test sets, plus PATH and HOME.
func crumbEnv(vars ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, vars...)
}

func TestStartupAndGracefulShutdown(t *testing.T) {
	bin := buildCrumb(t)
	dir := t.TempDir()
	port := freePort(t)
	var logs lockedBuffer
	cmd := exec.Command(bin)
	cmd.Dir = dir // no .env here
	// No balancer to tell: no grace (TestShutdownLeavesTheBalancerFirst has one).
	cmd.Env = crumbEnv("PORT="+strconv.Itoa(port), "DATA_DIR="+filepath.Join(dir, "data"), "SHUTDOWN_GRACE=0s")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	ready := false
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			ready = res.StatusCode == 200
			break
		}
	}
	if !ready {
		_ = cmd.Process.Kill()
		t.Fatalf("never ready:\n%s", logs.String())
	}
	for _, want := range []string{"demo@crumb.test", "fresh-bread-daily", "owner@crumb.test", "owner-bakes-daily", "/admin", "using development secrets"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("startup log lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "crumb.db")); err != nil {
		t.Errorf("no SQLite file in DATA_DIR: %v", err)
	}
	if info, err := os.Stat(filepath.Join(dir, "data", "secrets.env")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("generated secrets: %v", err)
	}

	// A request in flight when SIGTERM arrives still gets its answer.
	done := make(chan int, 1)
	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		// Send the request line now and the rest after the signal.
		_, _ = conn.Write([]byte("GET /products HTTP/1.1\r\nHost: x\r\n"))
		time.Sleep(300 * time.Millisecond)
		_, _ = conn.Write([]byte("Connection: close\r\n\r\n"))
		buf := make([]byte, 64)
		n, _ := conn.Read(buf)
		code, _ := strconv.Atoi(strings.Fields(string(buf[:n]) + " x 0")[1])
		done <- code
	}()
	time.Sleep(100 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 200 {
		t.Errorf("in-flight request got %d, want 200", code)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown log:\n%s", logs.String())
	}
}

func TestBadSettingsStopStartup(t *testing.T) {
	bin := buildCrumb(t)
	key := "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=" // 32 bytes
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"port", []string{"PORT=abc"}, []string{"PORT"}},
		{"environment", []string{"APP_ENV=staging"}, []string{"APP_ENV"}},
		{"database", []string{"DATABASE_URL=mysql://x"}, []string{"DATABASE_URL"}},
		{"trusted proxies", []string{"TRUSTED_PROXIES=10.0.0.1,lb.example.com"}, []string{"TRUSTED_PROXIES", "lb.example.com"}},
		{"production secrets", []string{"APP_ENV=production"}, []string{"SECRET_KEY", "JWT_KEYS"}},
		{"production mail server", []string{"APP_ENV=production", "SECRET_KEY=" + key, "JWT_KEYS=k1:" + key}, []string{"SMTP_URL"}},
		{"production mail sender", []string{"APP_ENV=production", "SECRET_KEY=" + key, "JWT_KEYS=k1:" + key, "SMTP_URL=smtp://127.0.0.1:1"}, []string{"MAIL_FROM"}},
		{"mail server", []string{"SMTP_URL=mail.example.com:25"}, []string{"SMTP_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(bin)
			cmd.Dir = dir
			cmd.Env = crumbEnv(append(tt.env, "DATA_DIR="+filepath.Join(dir, "data"))...)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("started with a bad setting:\n%s", out)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) != 1 {
				t.Errorf("want one line, got:\n%s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("message does not name %s: %s", w, out)
				}
			}
		})
	}
}

// startCrumb runs the built binary on a free port with a fresh data folder
// and waits until it is ready; it is killed when the test ends.
func startCrumb(t *testing.T, bin string, env ...string) (base string, pid int) {
	t.Helper()
	return startCrumbIn(t, bin, t.TempDir(), env...)
}

// startCrumbIn is startCrumb with its data in dir/data.
func startCrumbIn(t *testing.T, bin, dir string, env ...string) (base string, pid int) {
	t.Helper()
	port := freePort(t)
	var logs lockedBuffer
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = crumbEnv(append(env, "PORT="+strconv.Itoa(port), "DATA_DIR="+filepath.Join(dir, "data"), "LOG_LEVEL=warn")...)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base = "http://127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return base, cmd.Process.Pid
			}
		}
	}
	t.Fatalf("never ready:\n%s", logs.String())
	return "", 0
}

// residentMB is the resident memory of process pid.
func residentMB(t *testing.T, pid int) int {
	t.Helper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatalf("reading the server's memory: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return kb / 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestCompressedBodiesOnTheRealServer sends what once cost gigabytes of
// memory: 1 GiB of JSON gzipped twice to the API (about 1 KB on the wire),
// and a gzipped multipart form with a valid form token to /cart/items.
// Both are refused at once, and the server's memory barely moves.
func TestCompressedBodiesOnTheRealServer(t *testing.T) {
	base, pid := startCrumb(t, buildCrumb(t))
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page, err := client.Get(base + "/products/baguette")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(string(body))
	productID := regexp.MustCompile(`name="product_id" value="(\d+)"`).FindStringSubmatch(string(body))
	if token == nil || productID == nil {
		t.Fatal("no add-to-cart form on the product page")
	}

	var inner, bomb bytes.Buffer
	w, _ := gzip.NewWriterLevel(&inner, gzip.BestSpeed)
	_, _ = w.Write([]byte(`{"refresh_token":"`))
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	for range 1024 {
		_, _ = w.Write(chunk)
	}
	_ = w.Close()
	w, _ = gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	_, _ = w.Write(inner.Bytes())
	_ = w.Close()

	var form, packed bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("_csrf", token[1])
	_ = mw.WriteField("product_id", productID[1])
	_ = mw.WriteField("quantity", "1")
	_ = mw.WriteField("filler", strings.Repeat("a", 48<<20))
	_ = mw.Close()
	w, _ = gzip.NewWriterLevel(&packed, gzip.BestCompression)
	_, _ = w.Write(form.Bytes())
	_ = w.Close()

	before := residentMB(t, pid)
	send := func(path, contentType, encoding string, body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Content-Encoding", encoding)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		res.Body.Close()
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Errorf("%s took %v to answer", path, took)
		}
		return res.StatusCode
	}
	if status := send("/api/v1/auth/revoke", "application/json", "gzip, gzip", bomb.Bytes()); status != http.StatusUnsupportedMediaType {
		t.Errorf("API bomb = %d, want 415", status)
	}
	if status := send("/cart/items", mw.FormDataContentType(), "gzip", packed.Bytes()); status != http.StatusUnsupportedMediaType {
		t.Errorf("gzipped form = %d, want 415", status)
	}
	if grown := residentMB(t, pid) - before; grown >= 50 {
		t.Errorf("the server's memory grew by %d MB", grown)
	}
}

// TestAdminCommand: "crumb admin grant EMAIL" opens the back office to an
// account and "revoke" closes it, with the same settings as the server,
// while it runs; a mistake says what is wrong.
func TestAdminCommand(t *testing.T) {
	bin := buildCrumb(t)
	dir := t.TempDir()
	base, _ := startCrumbIn(t, bin, dir)
	crumb := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = crumbEnv("DATA_DIR=" + filepath.Join(dir, "data"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	page, _ := client.Get(base + "/login")
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(string(body))[1]
	res, err := client.PostForm(base+"/login", url.Values{"_csrf": {token}, "email": {"demo@crumb.test"}, "password": {"fresh-bread-daily"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	backOffice := func() int {
		res, err := client.Get(base + "/admin")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if status := backOffice(); status != http.StatusNotFound {
		t.Fatalf("a customer's /admin = %d", status)
	}
	out, err := crumb("admin", "grant", "Demo@Crumb.test")
	if err != nil || !strings.Contains(out, "demo@crumb.test (Demo Shopper) is now an admin") {
		t.Fatalf("grant: %v\n%s", err, out)
	}
	if status := backOffice(); status != http.StatusOK {
		t.Errorf("the new admin's /admin = %d", status)
	}
	out, err = crumb("admin", "revoke", "demo@crumb.test")
	if err != nil || !strings.Contains(out, "is now a customer") {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if status := backOffice(); status != http.StatusNotFound {
		t.Errorf("after revoke, /admin = %d", status)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"admin", "grant", "nobody@example.com"}, "no account has the email nobody@example.com"},
		{[]string{"admin", "grant", "not an email"}, "not an email address"},
		{[]string{"admin", "promote", "demo@crumb.test"}, "usage: crumb admin grant EMAIL"},
		{[]string{"admin"}, "usage:"},
	} {
		if out, err := crumb(tt.args...); err == nil || !strings.Contains(out, tt.want) {
			t.Errorf("crumb %s: %v\n%s", strings.Join(tt.args, " "), err, out)
		}
	}
}

// TestAdminCommandEscapesNames: "crumb admin grant" prints an account's
// name as it is when it prints, and quoted with escapes when it holds
// anything else (an old account's ESC, BEL or CR/LF), so a name cannot
// retitle, clear or rewrite the operator's terminal.
func TestAdminCommandEscapesNames(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("DATA_DIR", filepath.Join(dir, "data"))
	t.Setenv("DATABASE_URL", "")
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := database.Open("", filepath.Join(dir, "data", "crumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(db)
	if err := database.Migrate(db); err != nil {
		t.Fatal(err)
	}
	users := storage.NewUsers(db, testkit.Passwords)
	for email, name := range map[string]string{"eve@example.com": "Eve\x1b]0;owned\a\x1b[2J\r\nroot", "bidi@example.com": "\u202eevE", "ok@example.com": "Zoë O'Brien"} {
		if _, err := users.Create(context.Background(), name, email, "rye-and-butter-42"); err != nil {
			t.Fatal(err)
		}
	}
	log, _ := testkit.Logger()
	for email, want := range map[string]string{
		"eve@example.com":  `eve@example.com ("Eve\x1b]0;owned\a\x1b[2J\r\nroot") is now an admin`,
		"bidi@example.com": `bidi@example.com ("\u202eevE") is now an admin`,
		"ok@example.com":   `ok@example.com (Zoë O'Brien) is now an admin`,
	} {
		var out bytes.Buffer
		if err := command([]string{"admin", "grant", email}, &out, log); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); !strings.Contains(got, want) || strings.ContainsAny(got, "\x1b\a\r\u202e") {
			t.Errorf("grant %s printed %q, want %q", email, got, want)
		}
	}
}
