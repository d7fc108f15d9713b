package config

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crumb/internal/testkit"
)

// settings lists every variable Crumb reads, so tests can hide whatever the
// machine running them has set.
var settings = []string{
	"APP_ENV", "HOST", "PORT", "DATA_DIR", "LOG_LEVEL", "DATABASE_URL", "SESSION_STORE",
	"STORE_TIMEZONE", "DEFAULT_LANGUAGE", "SHOP_CURRENCY", "SESSION_IDLE_TIMEOUT", "SESSION_ABSOLUTE_TIMEOUT",
	"SHUTDOWN_GRACE", "SHUTDOWN_TIMEOUT", "SEED_DEMO", "BASE_URL", "SECRET_KEY", "JWT_KEYS", "AUTH_ATTEMPTS_PER_MINUTE",
	"TRUSTED_PROXIES", "SMTP_URL", "MAIL_FROM", "METRICS_ADDR", "PPROF_ADDR",
	"BACKUP_EVERY", "BACKUP_DIR", "BACKUP_KEEP",
}

// unsetAll removes every setting from the process environment for the
// duration of the test.
func unsetAll(t *testing.T) {
	t.Helper()
	for _, k := range settings {
		t.Setenv(k, "")
		if err := os.Unsetenv(k); err != nil {
			t.Fatal(err)
		}
	}
}

func b64(b byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32))
}

var (
	secretKey = b64('s')
	jwtKeys   = "k2:" + b64('2') + ",k1:" + b64('1')
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type logBuffer = testkit.LogBuffer

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// withSecrets is a minimal valid environment, production's included, that
// never generates files.
func withSecrets(extra map[string]string) map[string]string {
	m := map[string]string{"SECRET_KEY": secretKey, "JWT_KEYS": jwtKeys,
		"SMTP_URL": "smtp://crumb:pw@mail.example.com:587", "MAIL_FROM": "Crumb <orders@crumb.example>"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestDefaultsWithNothingSet(t *testing.T) {
	unsetAll(t)
	t.Chdir(t.TempDir())

	cfg, err := Load("", discard())
	if err != nil {
		t.Fatalf("Load with nothing set: %v", err)
	}
	if cfg.Env != Development {
		t.Errorf("Env = %q, want %q", cfg.Env, Development)
	}
	if cfg.Port != 3000 {
		t.Errorf("Port = %d, want 3000", cfg.Port)
	}
	if cfg.DataDir != "./data" {
		t.Errorf("DataDir = %q, want ./data", cfg.DataDir)
	}
	if cfg.SQLitePath() != filepath.Join("data", "crumb.db") {
		t.Errorf("SQLitePath = %q, want data/crumb.db", cfg.SQLitePath())
	}
	if !cfg.SeedDemo {
		t.Error("SeedDemo = false, want true in development")
	}
	if cfg.DatabaseURL != "" || cfg.SessionStore != "" {
		t.Errorf("DatabaseURL = %q, SessionStore = %q, want both empty (SQLite, database sessions)", cfg.DatabaseURL, cfg.SessionStore)
	}
	if cfg.MetricsAddr != "" {
		t.Errorf("MetricsAddr = %q, want empty: no metrics listener unless asked for", cfg.MetricsAddr)
	}
	if got := cfg.BaseURL.String(); got != "http://127.0.0.1:3000" {
		t.Errorf("BaseURL = %q, want http://127.0.0.1:3000", got)
	}
	if cfg.Secure() {
		t.Error("Secure() = true for the default http BASE_URL")
	}
	if cfg.Addr() != "127.0.0.1:3000" {
		t.Errorf("Addr = %q, want 127.0.0.1:3000", cfg.Addr())
	}
	if cfg.Currency != "USD" {
		t.Errorf("Currency = %q, want USD", cfg.Currency)
	}
	if cfg.StoreTimezone.String() != "America/New_York" {
		t.Errorf("StoreTimezone = %q, want America/New_York", cfg.StoreTimezone)
	}
	if cfg.SessionIdle != 30*time.Minute || cfg.SessionAbsolute != 12*time.Hour {
		t.Errorf("session timeouts = %v idle, %v absolute; want 30m, 12h", cfg.SessionIdle, cfg.SessionAbsolute)
	}
	if cfg.ShutdownGrace != 5*time.Second || cfg.ShutdownTimeout != 10*time.Second {
		t.Errorf("shutdown = %v grace, %v timeout; want 5s, 10s", cfg.ShutdownGrace, cfg.ShutdownTimeout)
	}
	if cfg.LogLevel != slog.LevelInfo {
		t.Errorf("LogLevel = %v, want INFO", cfg.LogLevel)
	}
	if cfg.AuthAttemptsPerMinute != 10 {
		t.Errorf("AuthAttemptsPerMinute = %d, want 10", cfg.AuthAttemptsPerMinute)
	}
	if len(cfg.TrustedProxies) != 0 {
		t.Errorf("TrustedProxies = %v, want none", cfg.TrustedProxies)
	}
	if len(cfg.SecretKey) != 32 || len(cfg.JWTKeys) != 1 {
		t.Errorf("generated secrets: %d-byte SECRET_KEY, %d JWT keys; want 32 bytes and 1 key", len(cfg.SecretKey), len(cfg.JWTKeys))
	}
	if _, err := os.Stat(filepath.Join("data", "secrets.env")); err != nil {
		t.Errorf("development secrets not written under the default DATA_DIR: %v", err)
	}
}

func TestSeedDemoDefaultFollowsEnvironment(t *testing.T) {
	tests := []struct {
		env, seed string
		want      bool
	}{
		{"development", "", true},
		{"production", "", false},
		{"production", "true", true},
		{"development", "false", false},
		{"development", "0", false},
	}
	for _, tt := range tests {
		t.Run(tt.env+"/"+tt.seed, func(t *testing.T) {
			cfg, err := Parse(env(withSecrets(map[string]string{"APP_ENV": tt.env, "SEED_DEMO": tt.seed})), discard())
			if err != nil {
				t.Fatal(err)
			}
			if cfg.SeedDemo != tt.want {
				t.Errorf("SeedDemo = %v, want %v", cfg.SeedDemo, tt.want)
			}
		})
	}
}

func TestInvalidSettingsNameTheSetting(t *testing.T) {
	tests := []struct {
		key, value string
	}{
		{"PORT", "abc"},
		{"PORT", "0"},
		{"PORT", "70000"},
		{"APP_ENV", "staging"},
		{"BASE_URL", "ftp://x"},
		{"BASE_URL", "https://shop.example.com/store"},
		{"BASE_URL", "shop.example.com"},
		{"DATABASE_URL", "mysql://root@localhost/crumb"},
		{"SESSION_STORE", "memcached://localhost:11211"},
		{"STORE_TIMEZONE", "Mars/Olympus"},
		{"STORE_TIMEZONE", "Local"},
		{"SHOP_CURRENCY", "dollars"},
		{"SHOP_CURRENCY", "U$D"},
		{"SHOP_CURRENCY", "EUR"}, // a currency, but not one the shop sells in
		{"SESSION_IDLE_TIMEOUT", "-5m"},
		{"SESSION_IDLE_TIMEOUT", "soon"},
		{"SESSION_ABSOLUTE_TIMEOUT", "0s"},
		{"SHUTDOWN_TIMEOUT", "10"},
		{"SHUTDOWN_GRACE", "5"},
		{"SHUTDOWN_GRACE", "-1s"},
		{"SHUTDOWN_GRACE", "10s"}, // as long as SHUTDOWN_TIMEOUT, which includes it
		{"LOG_LEVEL", "loud"},
		{"AUTH_ATTEMPTS_PER_MINUTE", "0"},
		{"AUTH_ATTEMPTS_PER_MINUTE", "many"},
		{"SEED_DEMO", "maybe"},
		{"TRUSTED_PROXIES", "lb.example.com"},
		{"TRUSTED_PROXIES", "10.0.0.1,10.0.0.0/33"},
		{"METRICS_ADDR", "9090"},
		{"METRICS_ADDR", "127.0.0.1:metrics"},
		{"METRICS_ADDR", "127.0.0.1:0"},
		{"PPROF_ADDR", "0.0.0.0:6060"},
		{"PPROF_ADDR", "10.0.0.5:6060"},
		{"PPROF_ADDR", "127.0.0.1"},
		{"PPROF_ADDR", "127.0.0.1:3000"},
		{"SECRET_KEY", "short"},
		{"SECRET_KEY", base64.StdEncoding.EncodeToString(make([]byte, 16))},
		{"JWT_KEYS", "no-colon-here"},
		{"JWT_KEYS", "k1:short"},
		{"JWT_KEYS", ":" + b64('1')},
		{"JWT_KEYS", "k1:" + b64('1') + ",k1:" + b64('2')},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			vars := withSecrets(map[string]string{"DATA_DIR": t.TempDir()})
			vars[tt.key] = tt.value
			_, err := Parse(env(vars), discard())
			if err == nil {
				t.Fatalf("%s=%q was accepted", tt.key, tt.value)
			}
			if !strings.Contains(err.Error(), tt.key) {
				t.Errorf("error %q does not name %s", err, tt.key)
			}
		})
	}
}

func TestValidSettings(t *testing.T) {
	tests := []struct {
		key, value string
		check      func(Config) bool
	}{
		{"PORT", "8080", func(c Config) bool { return c.Port == 8080 && c.BaseURL.String() == "http://127.0.0.1:8080" }},
		{"HOST", "0.0.0.0", func(c Config) bool { return c.Addr() == "0.0.0.0:3000" && c.BaseURL.Host == "127.0.0.1:3000" }},
		{"BASE_URL", "https://shop.example.com/", func(c Config) bool { return c.BaseURL.String() == "https://shop.example.com" }},
		{"DATABASE_URL", "postgres://u@db/crumb", func(c Config) bool { return c.DatabaseURL == "postgres://u@db/crumb" }},
		{"SESSION_STORE", "rediss://cache:6380", func(c Config) bool { return c.SessionStore == "rediss://cache:6380" }},
		{"STORE_TIMEZONE", "Asia/Seoul", func(c Config) bool { return c.StoreTimezone.String() == "Asia/Seoul" }},
		{"SHOP_CURRENCY", "krw", func(c Config) bool { return c.Currency == "KRW" }},
		{"LOG_LEVEL", "debug", func(c Config) bool { return c.LogLevel == slog.LevelDebug }},
		{"SESSION_IDLE_TIMEOUT", "5m", func(c Config) bool { return c.SessionIdle == 5*time.Minute }},
		{"SHUTDOWN_GRACE", "0s", func(c Config) bool { return c.ShutdownGrace == 0 }},
		{"SHUTDOWN_GRACE", "1500ms", func(c Config) bool { return c.ShutdownGrace == 1500*time.Millisecond }},
		{"AUTH_ATTEMPTS_PER_MINUTE", "3", func(c Config) bool { return c.AuthAttemptsPerMinute == 3 }},
		{"TRUSTED_PROXIES", " 10.0.0.5, 10.1.0.7/16,::ffff:192.0.2.1,2001:db8::/32", func(c Config) bool {
			return fmt.Sprint(c.TrustedProxies) == "[10.0.0.5/32 10.1.0.0/16 192.0.2.1/32 2001:db8::/32]"
		}},
		{"METRICS_ADDR", "127.0.0.1:9090", func(c Config) bool { return c.MetricsAddr == "127.0.0.1:9090" }},
		{"METRICS_ADDR", ":9090", func(c Config) bool { return c.MetricsAddr == ":9090" }},
		{"PPROF_ADDR", "127.0.0.1:6060", func(c Config) bool { return c.PprofAddr == "127.0.0.1:6060" }},
		{"PPROF_ADDR", "[::1]:6060", func(c Config) bool { return c.PprofAddr == "[::1]:6060" }},
		{"JWT_KEYS", "new:" + b64('n') + ", old:" + b64('o'), func(c Config) bool {
			return len(c.JWTKeys) == 2 && c.JWTKeys[0].ID == "new" && c.JWTKeys[1].ID == "old"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			cfg, err := Parse(env(withSecrets(map[string]string{tt.key: tt.value})), discard())
			if err != nil {
				t.Fatalf("%s=%q rejected: %v", tt.key, tt.value, err)
			}
			if !tt.check(cfg) {
				t.Errorf("%s=%q not applied: %+v", tt.key, tt.value, cfg)
			}
		})
	}
}

func TestIdleTimeoutLongerThanAbsoluteFails(t *testing.T) {
	_, err := Parse(env(withSecrets(map[string]string{
		"SESSION_IDLE_TIMEOUT": "13h", "SESSION_ABSOLUTE_TIMEOUT": "12h",
	})), discard())
	if err == nil || !strings.Contains(err.Error(), "SESSION_IDLE_TIMEOUT") {
		t.Fatalf("idle 13h > absolute 12h: err = %v, want an error naming SESSION_IDLE_TIMEOUT", err)
	}
}

func TestProductionRequiresSecrets(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		missing []string
	}{
		{"neither", map[string]string{}, []string{"SECRET_KEY", "JWT_KEYS"}},
		{"no SECRET_KEY", map[string]string{"JWT_KEYS": jwtKeys}, []string{"SECRET_KEY"}},
		{"no JWT_KEYS", map[string]string{"SECRET_KEY": secretKey}, []string{"JWT_KEYS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.vars["APP_ENV"] = "production"
			tt.vars["DATA_DIR"] = dir
			_, err := Parse(env(tt.vars), discard())
			if err == nil {
				t.Fatal("production started without its secrets")
			}
			for _, name := range tt.missing {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name missing %s", err, name)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "secrets.env")); !os.IsNotExist(err) {
				t.Errorf("production wrote development secrets (stat: %v)", err)
			}
		})
	}

	t.Run("both set", func(t *testing.T) {
		cfg, err := Parse(env(withSecrets(map[string]string{
			"APP_ENV": "production", "BASE_URL": "https://shop.example.com", "DATA_DIR": t.TempDir(),
		})), discard())
		if err != nil {
			t.Fatalf("production with both secrets: %v", err)
		}
		if !bytes.Equal(cfg.SecretKey, bytes.Repeat([]byte{'s'}, 32)) {
			t.Error("SECRET_KEY not decoded from base64")
		}
		if len(cfg.JWTKeys) != 2 || cfg.JWTKeys[0].ID != "k2" || !bytes.Equal(cfg.JWTKeys[0].Secret, bytes.Repeat([]byte{'2'}, 32)) {
			t.Errorf("JWT_KEYS = %+v, want k2 (signing) then k1", cfg.JWTKeys)
		}
	})
}

func TestDevelopmentSecretsAreGeneratedOnceAndKept(t *testing.T) {
	unsetAll(t)
	dir := filepath.Join(t.TempDir(), "nested", "data")
	t.Setenv("DATA_DIR", dir)

	var logs logBuffer
	first, err := Load("", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "development secrets") {
		t.Errorf("no warning about generated secrets; log was %q", logs.String())
	}
	path := filepath.Join(dir, "secrets.env")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("secrets not saved: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("%s mode = %o, want 600", path, mode)
	}
	if len(first.SecretKey) != 32 || len(first.JWTKeys) != 1 || len(first.JWTKeys[0].Secret) != 32 {
		t.Fatalf("generated secrets have the wrong shape: %d-byte key, %+v", len(first.SecretKey), first.JWTKeys)
	}

	second, err := Load("", discard())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.SecretKey, second.SecretKey) {
		t.Error("SECRET_KEY changed between restarts: every cookie would be rejected")
	}
	if first.JWTKeys[0].ID != second.JWTKeys[0].ID || !bytes.Equal(first.JWTKeys[0].Secret, second.JWTKeys[0].Secret) {
		t.Error("JWT_KEYS changed between restarts: every access token would be rejected")
	}

	// A secret set explicitly wins over the generated one.
	t.Setenv("SECRET_KEY", secretKey)
	third, err := Load("", discard())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(third.SecretKey, bytes.Repeat([]byte{'s'}, 32)) {
		t.Error("an explicit SECRET_KEY was replaced by the generated one")
	}
	if !bytes.Equal(third.JWTKeys[0].Secret, first.JWTKeys[0].Secret) {
		t.Error("the generated JWT key was not reused when only SECRET_KEY was set")
	}
}

func TestEnvFile(t *testing.T) {
	unsetAll(t)
	dir := t.TempDir()
	envFile := filepath.Join(dir, ".env")
	body := `# Crumb settings
   # indented comment

PORT=4000
export SHOP_CURRENCY=krw
STORE_TIMEZONE="Europe/London"
BASE_URL='https://crumb.example.com'
  LOG_LEVEL = warn  
SECRET_KEY=` + secretKey + `
JWT_KEYS="` + jwtKeys + `"
DATA_DIR=` + dir + `
`
	if err := os.WriteFile(envFile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg, err := Load(envFile, discard())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 4000 {
		t.Errorf("Port = %d, want 4000 from .env", cfg.Port)
	}
	if cfg.Currency != "KRW" {
		t.Errorf("Currency = %q, want KRW (export prefix)", cfg.Currency)
	}
	if cfg.StoreTimezone.String() != "Europe/London" {
		t.Errorf("StoreTimezone = %q, want Europe/London (double quotes)", cfg.StoreTimezone)
	}
	if !cfg.Secure() || cfg.BaseURL.Host != "crumb.example.com" {
		t.Errorf("BaseURL = %v, want https://crumb.example.com (single quotes)", cfg.BaseURL)
	}
	if cfg.LogLevel != slog.LevelWarn {
		t.Errorf("LogLevel = %v, want WARN (spaces around = and value)", cfg.LogLevel)
	}
	if len(cfg.JWTKeys) != 2 {
		t.Errorf("JWT_KEYS from .env: %d keys, want 2", len(cfg.JWTKeys))
	}

	t.Run("environment overrides the file", func(t *testing.T) {
		t.Setenv("PORT", "5000")
		t.Setenv("SHOP_CURRENCY", "USD")
		cfg, err := Load(envFile, discard())
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Port != 5000 || cfg.Currency != "USD" {
			t.Errorf("Port = %d, Currency = %q; want the environment's 5000, USD", cfg.Port, cfg.Currency)
		}
		if cfg.StoreTimezone.String() != "Europe/London" {
			t.Errorf("a setting only in the file was lost: StoreTimezone = %q", cfg.StoreTimezone)
		}
	})

	t.Run("missing file is fine", func(t *testing.T) {
		t.Setenv("DATA_DIR", dir)
		if _, err := Load(filepath.Join(dir, "absent.env"), discard()); err != nil {
			t.Errorf("a missing .env file failed Load: %v", err)
		}
	})
}

func TestEnvFileMalformedLine(t *testing.T) {
	unsetAll(t)
	envFile := filepath.Join(t.TempDir(), "crumb.env")
	if err := os.WriteFile(envFile, []byte("# ok\nPORT=4000\n\nthis line has no equals sign\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(envFile, discard())
	if err == nil {
		t.Fatal("a malformed .env line was accepted")
	}
	if !strings.Contains(err.Error(), envFile) || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("error %q does not give the file and line 4", err)
	}
}

func TestInvalidValueInEnvFileNamesSetting(t *testing.T) {
	unsetAll(t)
	envFile := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(envFile, []byte("PORT=abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(envFile, discard())
	if err == nil || !strings.Contains(err.Error(), "PORT") {
		t.Errorf("PORT=abc in .env: err = %v, want an error naming PORT", err)
	}
}

func TestSecure(t *testing.T) {
	tests := []struct {
		baseURL string
		want    bool
	}{
		{"https://shop.example.com", true},
		{"https://127.0.0.1:8443", true},
		{"http://shop.example.com", false},
		{"http://localhost:3000", false},
	}
	for _, tt := range tests {
		t.Run(tt.baseURL, func(t *testing.T) {
			cfg, err := Parse(env(withSecrets(map[string]string{"BASE_URL": tt.baseURL})), discard())
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Secure() != tt.want {
				t.Errorf("Secure() = %v, want %v", cfg.Secure(), tt.want)
			}
		})
	}
}

// TestMetricsAddrOffLoopbackWarns: metrics on an address others can reach
// start, with a warning naming the address; on loopback, no warning.
func TestMetricsAddrOffLoopbackWarns(t *testing.T) {
	for addr, warns := range map[string]bool{
		"127.0.0.1:9090": false, "[::1]:9090": false, "localhost:9090": false,
		":9090": true, "0.0.0.0:9090": true, "192.0.2.7:9090": true,
	} {
		log, buf := testkit.Logger()
		if _, err := Parse(env(withSecrets(map[string]string{"METRICS_ADDR": addr})), log); err != nil {
			t.Fatalf("METRICS_ADDR=%s: %v", addr, err)
		}
		got := strings.Contains(buf.String(), "METRICS_ADDR is not a loopback address") && strings.Contains(buf.String(), addr)
		if got != warns {
			t.Errorf("METRICS_ADDR=%s: warned %v, want %v; log:\n%s", addr, got, warns, buf.String())
		}
	}
}
