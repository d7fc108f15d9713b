package models

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"crumb/secret"
)

// User is a shopper's account. Email is stored normalised (trimmed,
// lower-cased), so the unique index makes it case-insensitively unique on
// every database.
type User struct {
	ID           uint   `gorm:"primaryKey"`
	Name         string `gorm:"size:100;not null"`
	Email        string `gorm:"size:254;not null;uniqueIndex"`
	PasswordHash string `gorm:"size:200;not null"`
	Role         string `gorm:"size:20;not null;default:customer"` // RoleCustomer or RoleAdmin
	// TheftDetectedAt is set when a stolen token was presented again; the
	// next sign-in warns the shopper and clears it.
	TheftDetectedAt *time.Time
	// DisabledAt is set while the bakery has disabled the account: it
	// cannot sign in anywhere.
	DisabledAt *time.Time
	// TokenEpoch is the generation of the account's app access tokens:
	// signing out everywhere starts a new one, and tokens of an older
	// generation are refused.
	TokenEpoch int64 `gorm:"not null;default:0"`
	// EmailVerifiedAt is when a link Crumb mailed to Email was followed;
	// nil until then (a new account, a changed email), and no order may
	// be placed.
	EmailVerifiedAt *time.Time
	// Language is what the account reads the shop and its emails in.
	Language Language `gorm:"size:2;not null;default:en"`
	// ErasedAt is set when the account was deleted: what is left is a
	// tombstone (Email holds its id) that keeps the account's orders.
	ErasedAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Roles of an account. Only the command line makes an admin.
const (
	RoleCustomer = "customer"
	RoleAdmin    = "admin"
)

// IsAdmin reports whether the account may use the back office.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin && u.DisabledAt == nil }

// Disabled reports whether the bakery has disabled the account.
func (u User) Disabled() bool { return u.DisabledAt != nil }

// Erased reports whether the account was deleted (a tombstone).
func (u User) Erased() bool { return u.ErasedAt != nil }

// EmailVerified reports whether the account's email is proved to be its
// owner's: it may place orders.
func (u User) EmailVerified() bool { return u.EmailVerifiedAt != nil }

// Errors of the account store.
var (
	// ErrEmailTaken: the email is already some account's.
	ErrEmailTaken = errors.New("models: email already registered")
	// ErrDisabled: the password is right, but the account is disabled.
	ErrDisabled = errors.New("models: account disabled")
)

// PasswordParams are the argon2id costs for new hashes. Existing hashes
// carry their own, so the costs can change without locking anyone out.
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultPasswordParams follow OWASP's argon2id recommendation.
var DefaultPasswordParams = PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// NormalizeEmail trims and lower-cases an email and checks that it is a
// plain address of at most MaxEmailLength characters.
func NormalizeEmail(raw string) (string, error) {
	email, err := CheckText("email", raw, MaxEmailLength, false)
	if err != nil {
		return "", err
	}
	email = strings.ToLower(email)
	addr, err := mail.ParseAddress(email)
	if email == "" || err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return "", Invalid("email", CodeEmailInvalid)
	}
	return email, nil
}

// CheckName validates a display name: one line of at most MaxNameLength
// characters.
func CheckName(raw string) (string, error) {
	name, err := CheckText("name", raw, MaxNameLength, false)
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", Invalid("name", CodeNameInvalid, MaxNameLength)
	}
	return name, nil
}

// CheckPassword enforces the password rules: 8 to 128 characters, any
// printable ones (spaces too, kept as typed) but no control characters,
// and not one of the most common passwords.
func CheckPassword(password string) error {
	if err := CheckRunes("password", password, false); err != nil {
		return err
	}
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return Invalid("password", CodePasswordShort, MinPasswordLength)
	case n > MaxPasswordLength:
		return Invalid("password", CodePasswordLong, MaxPasswordLength)
	case commonPasswords[strings.ToLower(password)]:
		return Invalid("password", CodePasswordCommon)
	}
	return nil
}

// hashing admits as many argon2id computations at once as there are CPUs
// to run them. Each takes PasswordParams.Memory (19 MiB by default): more
// at once would not finish sooner, only raise the memory a burst of
// sign-ins takes, without bound.
var hashing = make(chan struct{}, runtime.GOMAXPROCS(0))

func argon2Key(password, salt []byte, p PasswordParams, size uint32) []byte {
	hashing <- struct{}{}
	defer func() { <-hashing }()
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, size)
}

// HashPassword hashes with argon2id into a PHC string.
func HashPassword(password string, p PasswordParams) string {
	salt := secret.Bytes(16)
	key := argon2Key([]byte(password), salt, p, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// PasswordMatches reports whether password hashes to encoded, in constant
// time. A malformed hash never matches.
func PasswordMatches(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Time == 0 || p.Threads == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2Key([]byte(password), salt, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// UserPage is one page of accounts.
type UserPage struct {
	Items       []User
	Page, Pages int
	Total       int64
}

// NoAccountHash is checked when the email is unknown, at the default cost.
var NoAccountHash = HashPassword("crumb-no-such-account", DefaultPasswordParams)

// commonPasswords is a small list of the most used passwords (8+ chars).
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`12345678 123456789 1234567890 password password1 password12 password123
	qwertyuiop qwerty123 qwerty12 11111111 00000000 iloveyou1 iloveyou sunshine princess1 football
	baseball welcome1 welcome123 abc12345 abcd1234 1q2w3e4r 1qaz2wsx zaq12wsx passw0rd p@ssw0rd
	trustno1 letmein1 letmein123 superman batman123 starwars dragon123 monkey123 master123 shadow123
	michael1 jennifer computer whatever internet freedom1 asdfghjk asdfasdf zxcvbnm1 12341234 87654321
	11223344 123123123 987654321 qazwsxedc changeme changeme1 admin123 administrator secret123
	baguette croissant crumb123 bakery123 password! iloveyou! 123qweasd qweasdzxc 1234qwer
	football1 charlie1 mustang1 access14 jordan23 harley11 hunter12 ranger12 buster12 soccer12`) {
		m[p] = true
	}
	return m
}()

// Kinds of stolen token that Crumb notices when presented again.
const (
	TheftRemember = "remember-me cookie"
	TheftRefresh  = "app refresh token"
)

// SecurityEvent is something the shopper should know about their account,
// shown on the devices page: a stolen token presented again.
type SecurityEvent struct {
	ID        uint   `gorm:"primaryKey"`
	UserID    uint   `gorm:"not null;index"`
	Kind      string `gorm:"size:40;not null"`
	IP        string `gorm:"size:64;not null"`
	CreatedAt time.Time
}

// CheckLanguage reads a language an account chooses: exactly one the shop
// speaks ("en", "ko").
func CheckLanguage(raw string) (Language, error) {
	lang, ok := ParseLanguage(raw)
	if !ok {
		return "", Invalid("language", CodeLanguageInvalid)
	}
	return lang, nil
}
