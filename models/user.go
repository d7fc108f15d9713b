package models

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"gorm.io/gorm"

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
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// Language is the account's language (LanguageEnglish or
	// LanguageKorean), as the app sets it; English until it does.
	Language string `gorm:"size:2;not null;default:en"`
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
	if err := checkRunes("password", password, false); err != nil {
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

// Users owns the accounts (the users table) and their security events.
type Users struct {
	db        *gorm.DB
	passwords PasswordParams
}

// NewUsers builds the account store; new passwords are hashed with p.
func NewUsers(db *gorm.DB, p PasswordParams) *Users { return &Users{db: db, passwords: p} }

// Create adds an account with its email not verified, and mails nothing
// (signing up is EmailVerifications.SignUp, which mails the link); name,
// email and password must have been checked (CheckName, NormalizeEmail,
// CheckPassword).
func (s *Users) Create(ctx context.Context, name, email, password string) (User, error) {
	return s.insert(Conn(ctx, s.db), s.newUser(name, email, password))
}

// newUser is a new account, its password hashed (before any transaction:
// hashing is slow on purpose).
func (s *Users) newUser(name, email, password string) User {
	return User{Name: name, Email: email, PasswordHash: s.hash(password)}
}

// insert writes a new account in db (another store's transaction).
func (s *Users) insert(db *gorm.DB, u User) (User, error) {
	err := db.Create(&u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// MarkEmailVerified records that the account's email was verified at at:
// for the demo accounts, and for tests that need an account that may
// order. Shoppers verify by following a mailed link (EmailVerifications).
func (s *Users) MarkEmailVerified(ctx context.Context, id uint, at time.Time) error {
	err := Conn(ctx, s.db).Model(&User{}).Where("id = ? AND email_verified_at IS NULL", id).Update("email_verified_at", at.UTC()).Error
	if err != nil {
		return fmt.Errorf("verify email: %w", err)
	}
	return nil
}

// markVerified records, in db (another store's transaction), that a link
// mailed to email was followed: the account's email is verified if it is
// still that address. It reports whether it was not verified before.
func (s *Users) markVerified(db *gorm.DB, id uint, email string, at time.Time) (bool, error) {
	res := db.Model(&User{}).Where("id = ? AND email = ? AND email_verified_at IS NULL", id, email).Update("email_verified_at", at.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("verify email: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ByID loads an account.
func (s *Users) ByID(ctx context.Context, id uint) (User, error) {
	return s.byID(Conn(ctx, s.db), id)
}

// Admit is the one check every way into an account passes: signing in
// with the password, "keep me signed in", a link Crumb mailed, the app's
// sign-in and each refresh of it. The account must exist and not be
// disabled; Admit returns it as it is now, or ErrNotFound or ErrDisabled.
// (What a signed-in request checks afterwards is that its session or
// token still stands: disabling an account ends them all.)
func (s *Users) Admit(ctx context.Context, id uint) (User, error) {
	u, err := s.ByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if u.Disabled() {
		return User{}, ErrDisabled
	}
	return u, nil
}

// AppAccess reports the generation of the account's app access tokens and
// whether the account may use the app at all (it exists and is not
// disabled): what every request of the app checks, in one small query.
func (s *Users) AppAccess(ctx context.Context, id uint) (epoch int64, ok bool, err error) {
	err = Conn(ctx, s.db).Raw("SELECT token_epoch, disabled_at IS NULL FROM users WHERE id = ?", id).Row().Scan(&epoch, &ok)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("user: %w", err)
	}
	return epoch, ok, nil
}

// byID loads an account in db (another store's transaction).
func (s *Users) byID(db *gorm.DB, id uint) (User, error) {
	var u User
	err := db.Take(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("user: %w", err)
	}
	return u, nil
}

// byEmail finds the account with a normalised email in db (another
// store's transaction); found is false when there is none.
func (s *Users) byEmail(db *gorm.DB, email string) (u User, found bool, err error) {
	err = db.Where("email = ?", email).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, false, nil
	}
	if err != nil {
		return User{}, false, fmt.Errorf("user: %w", err)
	}
	return u, true, nil
}

// Authenticate finds the account for email and checks its password; a
// wrong email or password is ErrNotFound, a disabled account ErrDisabled
// (told only to whoever knows the password). It does the same work whether
// or not the email exists, so timing does not tell which emails have
// accounts.
func (s *Users) Authenticate(ctx context.Context, email, password string) (User, error) {
	var u User
	err := Conn(ctx, s.db).Where("email = ?", email).Take(&u).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	hash := u.PasswordHash
	if err != nil {
		hash = dummyHash
	}
	if !PasswordMatches(hash, password) || err != nil {
		return User{}, ErrNotFound
	}
	if u.Disabled() {
		return User{}, ErrDisabled
	}
	return u, nil
}

// SetPassword replaces the account's password (checked by CheckPassword).
func (s *Users) SetPassword(ctx context.Context, id uint, password string) error {
	return s.setPasswordHash(Conn(ctx, s.db), id, s.hash(password))
}

// hash hashes a new password at the store's costs.
func (s *Users) hash(password string) string { return HashPassword(password, s.passwords) }

// setPasswordHash stores a password hashed by hash, in db (another
// store's transaction).
func (s *Users) setPasswordHash(db *gorm.DB, id uint, hash string) error {
	err := db.Model(&User{}).Where("id = ?", id).Update("password_hash", hash).Error
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// setEmail gives the account a new email (normalised by NormalizeEmail),
// not verified, in db (another store's transaction); changed is false
// when it already had it. ErrEmailTaken if another account has it.
func (s *Users) setEmail(db *gorm.DB, id uint, email string) (changed bool, err error) {
	res := db.Model(&User{}).Where("id = ? AND email <> ?", id, email).
		Updates(map[string]any{"email": email, "email_verified_at": nil})
	if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
		return false, ErrEmailTaken
	}
	if res.Error != nil {
		return false, fmt.Errorf("set email: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SetRole makes the account with email an admin or a customer again.
func (s *Users) SetRole(ctx context.Context, email, role string) (User, error) {
	if role != RoleAdmin && role != RoleCustomer {
		return User{}, fmt.Errorf("set role: unknown role %q", role)
	}
	res := Conn(ctx, s.db).Model(&User{}).Where("email = ?", email).Update("role", role)
	if res.Error != nil {
		return User{}, fmt.Errorf("set role: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return User{}, ErrNotFound
	}
	var u User
	if err := Conn(ctx, s.db).Where("email = ?", email).Take(&u).Error; err != nil {
		return User{}, fmt.Errorf("set role: %w", err)
	}
	return u, nil
}

// SetDisabled disables the account at at, or (at nil) enables it again.
// It reports false when the account was already so.
func (s *Users) SetDisabled(ctx context.Context, id uint, at *time.Time) (bool, error) {
	q := Conn(ctx, s.db).Model(&User{}).Where("id = ?", id)
	if at != nil {
		q = q.Where("disabled_at IS NULL")
	} else {
		q = q.Where("disabled_at IS NOT NULL")
	}
	res := q.Update("disabled_at", at)
	if res.Error != nil {
		return false, fmt.Errorf("disable account: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SignOutApps voids every app access token of the account issued so far
// (it starts a new TokenEpoch).
func (s *Users) SignOutApps(ctx context.Context, id uint) error {
	if err := Conn(ctx, s.db).Model(&User{}).Where("id = ?", id).Update("token_epoch", gorm.Expr("token_epoch + 1")).Error; err != nil {
		return fmt.Errorf("sign out apps: %w", err)
	}
	return nil
}

// UserPage is one page of accounts.
type UserPage struct {
	Items       []User
	Page, Pages int
	Total       int64
}

// Search lists the accounts whose email or name contains q (any case),
// newest first, 20 to a page; the page is clamped.
func (s *Users) Search(ctx context.Context, q string, page int) (UserPage, error) {
	const per = 20
	query := Conn(ctx, s.db).Model(&User{})
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		like := "%" + escapeLike(q) + "%"
		query = query.Where("email LIKE ? ESCAPE '\\' OR LOWER(name) LIKE ? ESCAPE '\\'", like, like)
	}
	var total int64
	if err := query.Count(&total).Error; err != nil {
		return UserPage{}, fmt.Errorf("search users: %w", err)
	}
	pages := max(int((total+per-1)/per), 1)
	page = min(max(page, 1), pages)
	var items []User
	if err := query.Order("id DESC").Offset((page - 1) * per).Limit(per).Find(&items).Error; err != nil {
		return UserPage{}, fmt.Errorf("search users: %w", err)
	}
	return UserPage{Items: items, Page: page, Pages: pages, Total: total}, nil
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// EnsureUser adds an account, its email counted as verified since it was
// made, unless the email is taken (the demo accounts).
func (s *Users) EnsureUser(ctx context.Context, name, email, password string) error {
	var n int64
	if err := Conn(ctx, s.db).Model(&User{}).Where("email = ?", email).Count(&n).Error; err != nil {
		return fmt.Errorf("ensure user: %w", err)
	}
	if n > 0 {
		return nil
	}
	u, err := s.Create(ctx, name, email, password)
	if errors.Is(err, ErrEmailTaken) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.MarkEmailVerified(ctx, u.ID, u.CreatedAt)
}

// EnsureAdmin adds an admin account unless its email is taken (the
// development owner account).
func (s *Users) EnsureAdmin(ctx context.Context, name, email, password string) error {
	if err := s.EnsureUser(ctx, name, email, password); err != nil {
		return err
	}
	_, err := s.SetRole(ctx, email, RoleAdmin)
	return err
}

// dummyHash is checked when the email is unknown, at the default cost.
var dummyHash = HashPassword("crumb-no-such-account", DefaultPasswordParams)

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

// RecordTheft keeps the event and flags the account so that its next
// sign-in warns.
func (s *Users) RecordTheft(ctx context.Context, userID uint, kind, ip string, at time.Time) error {
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&SecurityEvent{UserID: userID, Kind: kind, IP: ip, CreatedAt: at}).Error; err != nil {
			return err
		}
		return tx.Model(&User{}).Where("id = ?", userID).Update("theft_detected_at", at).Error
	})
	if err != nil {
		return fmt.Errorf("record theft: %w", err)
	}
	return nil
}

// TakeTheftWarning reports whether a stolen token was used since the
// account last signed in, and clears the flag: the warning shows once.
func (s *Users) TakeTheftWarning(ctx context.Context, userID uint) (bool, error) {
	res := Conn(ctx, s.db).Model(&User{}).Where("id = ? AND theft_detected_at IS NOT NULL", userID).Update("theft_detected_at", nil)
	if res.Error != nil {
		return false, fmt.Errorf("theft warning: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SecurityEvents lists the account's most recent events, newest first.
func (s *Users) SecurityEvents(ctx context.Context, userID uint, limit int) ([]SecurityEvent, error) {
	var out []SecurityEvent
	if err := Conn(ctx, s.db).Where("user_id = ?", userID).Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("security events: %w", err)
	}
	return out, nil
}

// The account's language and name as the app changes them.

// The languages an account may choose. Nothing is shown in Korean yet:
// the choice is kept for when it is.
const (
	LanguageEnglish = "en"
	LanguageKorean  = "ko"
)

// CheckLanguage validates a language an account chooses: exactly one of
// LanguageEnglish and LanguageKorean.
func CheckLanguage(raw string) (string, error) {
	if raw != LanguageEnglish && raw != LanguageKorean {
		return "", Invalid("language", CodeLanguageInvalid)
	}
	return raw, nil
}

// SetProfile changes the account's name and language (checked by
// CheckName and CheckLanguage); an empty one is left as it is. It
// returns the account as it is now.
func (s *Users) SetProfile(ctx context.Context, id uint, name, language string) (User, error) {
	changes := map[string]any{}
	if name != "" {
		changes["name"] = name
	}
	if language != "" {
		changes["language"] = language
	}
	var u User
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if len(changes) > 0 {
			if err := tx.Model(&User{}).Where("id = ?", id).Updates(changes).Error; err != nil {
				return fmt.Errorf("set profile: %w", err)
			}
		}
		var err error
		u, err = s.byID(tx, id)
		return err
	})
	return u, err
}
