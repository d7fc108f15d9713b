// Package config loads Crumb's settings from the environment and an optional
// .env file, validates them and fails fast with a message naming the setting.
package config

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Environments Crumb knows.
const (
	Development = "development"
	Production  = "production"
)

// Config is every setting Crumb reads. It is built once by Load and then
// passed by value; nothing changes it afterwards.
type Config struct {
	Env      string
	Host     string
	Port     int
	BaseURL  *url.URL
	DataDir  string
	LogLevel slog.Level

	DatabaseURL  string // empty: SQLite in DataDir
	SessionStore string // empty: the database; redis://...
	SeedDemo     bool

	StoreTimezone *time.Location
	// DefaultLanguage is the language of a visitor who has not chosen one
	// and whose browser asks for neither: "en" or "ko".
	DefaultLanguage string
	// Currency is what the shop sells in (ISO 4217): USD or KRW. The
	// database keeps the one it was created with, and the shop does not
	// start with another (database.CheckCurrency).
	Currency string

	// AuthAttemptsPerMinute limits sign-in and sign-up attempts per client
	// IP, and failed sign-ins per account and IP; an account takes ten times
	// as many failures a minute from all addresses together.
	AuthAttemptsPerMinute int

	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed; empty: none, the peer address is the client's.
	TrustedProxies []netip.Prefix

	// MetricsAddr is where GET /metrics is served, on a listener of its
	// own (host:port); empty: nowhere.
	MetricsAddr string

	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	// ShutdownGrace is how long, after SIGTERM, /readyz fails while
	// requests are still served, so a balancer takes the instance out
	// before it stops accepting; 0 stops accepting at once.
	ShutdownGrace time.Duration
	// ShutdownTimeout is how long a shutdown takes at most, the grace
	// included: then the process exits, whatever is still running.
	ShutdownTimeout time.Duration

	// SecretKey encrypts and signs cookies and CSRF tokens (32 bytes).
	SecretKey []byte
	// JWTKeys sign and verify API access tokens; the first one signs.
	JWTKeys []JWTKey

	// SMTPURL is the mail server (smtp:// or smtps://); empty in
	// development keeps mail in the outbox, shown at /dev/mail.
	SMTPURL string
	// MailFrom is the sender of every email.
	MailFrom string
	// PprofAddr, when set, serves Go's CPU and memory profiles on this
	// loopback address, apart from the shop's port (for measuring only).
	PprofAddr string

	// BackupEvery is how often the running shop backs its SQLite database
	// up into BackupDir; 0: never. BackupKeep is how many of those backups
	// are kept, the newest; older ones are deleted.
	BackupEvery time.Duration
	BackupDir   string
	BackupKeep  int

	// OrderRetention is how long a deleted account's orders stay for the
	// bakery's books, in whole years (ORDER_RETENTION, such as 5y).
	OrderRetention time.Duration
}

// JWTKey is one HMAC key for access tokens, named by its kid.
type JWTKey struct {
	ID     string
	Secret []byte
}

// Secure reports whether Crumb is served over https, which turns on Secure
// cookies with the __Host- prefix and HSTS.
func (c Config) Secure() bool { return c.BaseURL.Scheme == "https" }

// Addr is the address the server listens on.
func (c Config) Addr() string { return fmt.Sprintf("%s:%d", c.Host, c.Port) }

// SQLitePath is the database file used when DatabaseURL is empty.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "crumb.db") }

// Load reads the settings from the process environment, falling back to the
// file at envFile (if it exists) and then to defaults. Warnings (such as
// generated development secrets) go to log.
func Load(envFile string, log *slog.Logger) (Config, error) {
	fileVars, err := readEnvFile(envFile)
	if err != nil {
		return Config{}, err
	}
	return Parse(func(key string) string {
		if v, ok := os.LookupEnv(key); ok {
			return v
		}
		return fileVars[key]
	}, log)
}

// Parse builds the settings from get, which returns a setting's value or
// "" when it is unset (Load reads the environment and .env through it).
func Parse(get func(key string) string, log *slog.Logger) (Config, error) {
	p := parser{get: get}
	cfg := Config{
		Env:                   p.oneOf("APP_ENV", Development, Development, Production),
		Host:                  p.str("HOST", "127.0.0.1"),
		Port:                  p.port("PORT", 3000),
		DataDir:               p.str("DATA_DIR", "./data"),
		LogLevel:              p.level("LOG_LEVEL", slog.LevelInfo),
		DatabaseURL:           p.prefixed("DATABASE_URL", "", "postgres://", "postgresql://"),
		SessionStore:          p.prefixed("SESSION_STORE", "", "redis://", "rediss://"),
		StoreTimezone:         p.location("STORE_TIMEZONE", "America/New_York"),
		DefaultLanguage:       p.oneOf("DEFAULT_LANGUAGE", "en", "en", "ko"),
		Currency:              p.currency("SHOP_CURRENCY", "USD", "USD", "KRW"),
		SessionIdle:           p.duration("SESSION_IDLE_TIMEOUT", 30*time.Minute),
		AuthAttemptsPerMinute: p.positive("AUTH_ATTEMPTS_PER_MINUTE", 10),
		SessionAbsolute:       p.duration("SESSION_ABSOLUTE_TIMEOUT", 12*time.Hour),
		ShutdownGrace:         p.grace("SHUTDOWN_GRACE", 5*time.Second),
		ShutdownTimeout:       p.duration("SHUTDOWN_TIMEOUT", 10*time.Second),
	}
	cfg.SeedDemo = p.boolean("SEED_DEMO", cfg.Env == Development)
	cfg.BaseURL = p.baseURL("BASE_URL", fmt.Sprintf("http://%s:%d", hostForURL(cfg.Host), cfg.Port))
	cfg.TrustedProxies = p.prefixes("TRUSTED_PROXIES")
	cfg.MetricsAddr = p.hostPort("METRICS_ADDR")
	cfg.SecretKey = p.key("SECRET_KEY")
	cfg.JWTKeys = p.jwtKeys("JWT_KEYS")
	cfg.SMTPURL = p.smtpURL("SMTP_URL")
	if cfg.Env == Development {
		cfg.MailFrom = p.mailFrom("MAIL_FROM", DefaultMailFrom)
	} else {
		cfg.MailFrom = p.mailFrom("MAIL_FROM", "")
	}
	cfg.PprofAddr = p.loopback("PPROF_ADDR", cfg.Port)
	cfg.BackupEvery = p.optionalDuration("BACKUP_EVERY")
	cfg.BackupDir = p.str("BACKUP_DIR", filepath.Join(cfg.DataDir, "backups"))
	cfg.BackupKeep = p.positive("BACKUP_KEEP", 7)
	cfg.OrderRetention = p.years("ORDER_RETENTION", 5)
	if p.err != nil {
		return Config{}, p.err
	}
	if cfg.BackupEvery > 0 && cfg.DatabaseURL != "" {
		return Config{}, errors.New("config: BACKUP_EVERY: the shop backs up SQLite only; with DATABASE_URL, back Postgres up with pg_dump (see the README)")
	}
	if cfg.SessionIdle > cfg.SessionAbsolute {
		return Config{}, errors.New("config: SESSION_IDLE_TIMEOUT must not be longer than SESSION_ABSOLUTE_TIMEOUT")
	}
	if cfg.ShutdownGrace >= cfg.ShutdownTimeout {
		return Config{}, errors.New("config: SHUTDOWN_GRACE must be shorter than SHUTDOWN_TIMEOUT, which includes it")
	}
	if err := cfg.fillSecrets(log); err != nil {
		return Config{}, err
	}
	if err := cfg.checkMail(); err != nil {
		return Config{}, err
	}
	if cfg.MetricsAddr != "" && !isLoopback(cfg.MetricsAddr) {
		log.Warn("METRICS_ADDR is not a loopback address: anyone who can reach it reads the shop's metrics; keep it behind a firewall", "addr", cfg.MetricsAddr)
	}
	return cfg, nil
}

// isLoopback reports whether the host of a host:port is this machine only.
func isLoopback(hostPort string) bool {
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	return host == "localhost" || (err == nil && addr.IsLoopback())
}

// fillSecrets refuses to start production without secrets and, in
// development, generates missing ones once into DataDir so that cookies and
// tokens survive a restart.
func (c *Config) fillSecrets(log *slog.Logger) error {
	var missing []string
	if c.SecretKey == nil {
		missing = append(missing, "SECRET_KEY")
	}
	if c.JWTKeys == nil {
		missing = append(missing, "JWT_KEYS")
	}
	if len(missing) == 0 {
		return nil
	}
	if c.Env == Production {
		return fmt.Errorf("config: missing required secrets for production: %s (see .env.example)", strings.Join(missing, ", "))
	}
	path := filepath.Join(c.DataDir, "secrets.env")
	saved, err := readEnvFile(path)
	if err != nil {
		return err
	}
	if saved["SECRET_KEY"] == "" || saved["JWT_KEYS"] == "" {
		saved = map[string]string{
			"SECRET_KEY": randomKey(),
			"JWT_KEYS":   "dev1:" + randomKey(),
		}
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return fmt.Errorf("config: DATA_DIR: %w", err)
		}
		body := "# Development secrets generated by Crumb. Never use these in production.\n" +
			"SECRET_KEY=" + saved["SECRET_KEY"] + "\nJWT_KEYS=" + saved["JWT_KEYS"] + "\n"
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			return fmt.Errorf("config: DATA_DIR: %w", err)
		}
	}
	log.Warn("using development secrets; set them in production", "missing", strings.Join(missing, ","), "file", path)
	p := parser{get: func(k string) string { return saved[k] }}
	if c.SecretKey == nil {
		c.SecretKey = p.key("SECRET_KEY")
	}
	if c.JWTKeys == nil {
		c.JWTKeys = p.jwtKeys("JWT_KEYS")
	}
	if p.err != nil {
		return fmt.Errorf("%w (in %s)", p.err, path)
	}
	return nil
}

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return base64.StdEncoding.EncodeToString(b)
}

func hostForURL(host string) string {
	if host == "" || host == "0.0.0.0" || host == "::" {
		return "127.0.0.1"
	}
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// readEnvFile parses KEY=VALUE lines; blank lines and # comments are
// ignored and values may be wrapped in single or double quotes. A missing
// file is not an error.
func readEnvFile(path string) (map[string]string, error) {
	vars := map[string]string{}
	if path == "" {
		return vars, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return vars, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			return nil, fmt.Errorf("config: %s line %d: expected KEY=VALUE", path, n)
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		vars[strings.TrimSpace(key)] = value
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return vars, nil
}

// parser reads settings and keeps the first error, so Load can report one
// clear line naming the setting.
type parser struct {
	get func(string) string
	err error
}

func (p *parser) fail(key, format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...))
	}
}

func (p *parser) str(key, def string) string {
	if v := strings.TrimSpace(p.get(key)); v != "" {
		return v
	}
	return def
}

func (p *parser) oneOf(key, def string, allowed ...string) string {
	v := p.str(key, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(key, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	return def
}

func (p *parser) port(key string, def int) int {
	v := p.str(key, strconv.Itoa(def))
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		p.fail(key, "must be a port number from 1 to 65535, got %q", v)
		return def
	}
	return n
}

func (p *parser) positive(key string, def int) int {
	v := p.str(key, strconv.Itoa(def))
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		p.fail(key, "must be a whole number of at least 1, got %q", v)
		return def
	}
	return n
}

func (p *parser) boolean(key string, def bool) bool {
	v := p.str(key, strconv.FormatBool(def))
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(key, "must be true or false, got %q", v)
		return def
	}
	return b
}

func (p *parser) duration(key string, def time.Duration) time.Duration {
	v := p.str(key, def.String())
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(key, "must be a positive duration such as 30m or 12h, got %q", v)
		return def
	}
	return d
}

// grace is a duration that may also be 0.
func (p *parser) grace(key string, def time.Duration) time.Duration {
	v := p.str(key, def.String())
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		p.fail(key, "must be a duration such as 5s, or 0s, got %q", v)
		return def
	}
	return d
}

// years reads a whole number of years, such as 5y.
func (p *parser) years(key string, def int) time.Duration {
	const year = 365 * 24 * time.Hour
	v := p.str(key, strconv.Itoa(def)+"y")
	n, err := strconv.Atoi(strings.TrimSuffix(v, "y"))
	if err != nil || n < 1 || n > 100 || !strings.HasSuffix(v, "y") {
		p.fail(key, "must be a whole number of years such as 5y, got %q", v)
		return time.Duration(def) * year
	}
	return time.Duration(n) * year
}

// optionalDuration reads a positive duration; empty means none (0).
func (p *parser) optionalDuration(key string) time.Duration {
	if p.str(key, "") == "" {
		return 0
	}
	return p.duration(key, 0)
}

func (p *parser) level(key string, def slog.Level) slog.Level {
	var l slog.Level
	v := p.str(key, def.String())
	if err := l.UnmarshalText([]byte(v)); err != nil {
		p.fail(key, "must be debug, info, warn or error, got %q", v)
		return def
	}
	return l
}

func (p *parser) location(key, def string) *time.Location {
	v := p.str(key, def)
	loc, err := time.LoadLocation(v)
	if err != nil || v == "Local" {
		p.fail(key, "must be an IANA time zone such as Europe/Paris, got %q", v)
		return time.UTC
	}
	return loc
}

// currency reads an ISO 4217 code, in any case, that is one of allowed.
func (p *parser) currency(key, def string, allowed ...string) string {
	v := strings.ToUpper(p.str(key, def))
	if !slices.Contains(allowed, v) {
		p.fail(key, "must be one of the currencies the shop sells in, %s, got %q", strings.Join(allowed, " or "), p.str(key, def))
		return def
	}
	return v
}

func (p *parser) prefixed(key, def string, prefixes ...string) string {
	v := p.str(key, def)
	if v == "" {
		return v
	}
	for _, pre := range prefixes {
		if strings.HasPrefix(v, pre) {
			return v
		}
	}
	p.fail(key, "must be empty or start with %s", strings.Join(prefixes, " or "))
	return def
}

func (p *parser) baseURL(key, def string) *url.URL {
	v := strings.TrimRight(p.str(key, def), "/")
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
		p.fail(key, "must be an absolute http(s) URL with no path, such as https://shop.example.com, got %q", v)
		u, _ = url.Parse(def)
	}
	return u
}

// loopback reads an optional host:port on the loopback interface that is
// not the shop's own port.
func (p *parser) loopback(key string, shopPort int) string {
	v := p.str(key, "")
	if v == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(v)
	n, perr := strconv.Atoi(port)
	addr, aerr := netip.ParseAddr(host)
	if err != nil || perr != nil || n < 1 || n > 65535 || n == shopPort || (host != "localhost" && (aerr != nil || !addr.IsLoopback())) {
		p.fail(key, "must be a loopback address with a port other than PORT, such as 127.0.0.1:6060, got %q", v)
		return ""
	}
	return v
}

// prefixes parses a comma-separated list of IP addresses and CIDR ranges;
// a single address is a range of one.
func (p *parser) prefixes(key string) []netip.Prefix {
	var out []netip.Prefix
	for _, part := range strings.Split(p.str(key, ""), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(part)
		if err != nil {
			addr, aerr := netip.ParseAddr(part)
			if aerr != nil {
				p.fail(key, "must be a comma-separated list of IP addresses or CIDR ranges such as 10.0.0.5,10.1.0.0/16, got %q", part)
				return nil
			}
			prefix = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		out = append(out, prefix.Masked())
	}
	return out
}

// hostPort reads an address to listen on, such as 127.0.0.1:9090; empty
// means unset.
func (p *parser) hostPort(key string) string {
	v := p.str(key, "")
	if v == "" {
		return ""
	}
	_, port, err := net.SplitHostPort(v)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 {
		p.fail(key, "must be empty or host:port to listen on, such as 127.0.0.1:9090, got %q", v)
		return ""
	}
	return v
}

// key decodes a base64 secret of exactly 32 bytes; empty means unset (nil).
func (p *parser) key(key string) []byte {
	v := p.str(key, "")
	if v == "" {
		return nil
	}
	b, err := decodeKey(v)
	if err != nil {
		p.fail(key, "must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)")
		return nil
	}
	return b
}

// jwtKeys parses "kid:base64key,kid:base64key"; the first key signs.
func (p *parser) jwtKeys(key string) []JWTKey {
	v := p.str(key, "")
	if v == "" {
		return nil
	}
	var keys []JWTKey
	seen := map[string]bool{}
	for _, part := range strings.Split(v, ",") {
		id, secret, ok := strings.Cut(strings.TrimSpace(part), ":")
		b, err := decodeKey(secret)
		if !ok || id == "" || err != nil || seen[id] {
			p.fail(key, "must be a comma-separated list of kid:base64-32-byte-key with unique kids, newest first")
			return nil
		}
		seen[id] = true
		keys = append(keys, JWTKey{ID: id, Secret: b})
	}
	return keys
}

func decodeKey(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, err
	}
	if len(b) != 32 {
		return nil, errors.New("key must be 32 bytes")
	}
	return b, nil
}
