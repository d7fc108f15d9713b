package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"crumb/models"
)

// Users owns the accounts (the users table) and their security events.
type Users struct {
	db        *gorm.DB
	passwords models.PasswordParams
	appAccess *hotRead
}

// NewUsers builds the account store; new passwords are hashed with p.
func NewUsers(db *gorm.DB, p models.PasswordParams) *Users {
	return &Users{db: db, passwords: p, appAccess: newHotRead(db, appAccessWithCart)}
}

// appAccessWithCart reads an account's token generation and disabled flag
// with its cart lines: one row per line, or one with NULL lines.
const appAccessWithCart = "SELECT u.token_epoch, u.disabled_at IS NULL, i.product_id, i.quantity FROM users u" +
	" LEFT JOIN carts c ON c.user_id = u.id" +
	" LEFT JOIN cart_items i ON i.cart_id = c.id" +
	" WHERE u.id = ? ORDER BY i.product_id"

// Create adds an account with its email not verified, and mails nothing
// (signing up is EmailVerifications.SignUp, which mails the link); name,
// email and password must have been checked (CheckName, NormalizeEmail,
// CheckPassword).
func (s *Users) Create(ctx context.Context, name, email, password string) (models.User, error) {
	return s.insert(Conn(ctx, s.db), s.newUser(name, email, password))
}

// newUser is a new account, its password hashed (before any transaction:
// hashing is slow on purpose).
func (s *Users) newUser(name, email, password string) models.User {
	return models.User{Name: name, Email: email, PasswordHash: s.hash(password), Language: models.English}
}

// insert writes a new account in db (another store's transaction).
func (s *Users) insert(db *gorm.DB, u models.User) (models.User, error) {
	err := db.Create(&u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return models.User{}, models.ErrEmailTaken
	}
	if err != nil {
		return models.User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// MarkEmailVerified records that the account's email was verified at at:
// for the demo accounts, and for tests that need an account that may
// order. Shoppers verify by following a mailed link (EmailVerifications).
func (s *Users) MarkEmailVerified(ctx context.Context, id uint, at time.Time) error {
	err := Conn(ctx, s.db).Model(&models.User{}).Where("id = ? AND email_verified_at IS NULL", id).Update("email_verified_at", at.UTC()).Error
	if err != nil {
		return fmt.Errorf("verify email: %w", err)
	}
	return nil
}

// markVerified records, in db (another store's transaction), that a link
// mailed to email was followed: the account's email is verified if it is
// still that address. It reports whether it was not verified before.
func (s *Users) markVerified(db *gorm.DB, id uint, email string, at time.Time) (bool, error) {
	res := db.Model(&models.User{}).Where("id = ? AND email = ? AND email_verified_at IS NULL", id, email).Update("email_verified_at", at.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("verify email: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ByID loads an account.
func (s *Users) ByID(ctx context.Context, id uint) (models.User, error) {
	return s.byID(Conn(ctx, s.db), id)
}

// Admit is the one check every way into an account passes: signing in
// with the password, "keep me signed in", a link Crumb mailed, the app's
// sign-in and each refresh of it. The account must exist and not be
// disabled; Admit returns it as it is now, or ErrNotFound or ErrDisabled.
// (What a signed-in request checks afterwards is that its session or
// token still stands: disabling an account ends them all.)
func (s *Users) Admit(ctx context.Context, id uint) (models.User, error) {
	u, err := s.ByID(ctx, id)
	if err != nil {
		return models.User{}, err
	}
	if u.Erased() {
		return models.User{}, models.ErrNotFound
	}
	if u.Disabled() {
		return models.User{}, models.ErrDisabled
	}
	return u, nil
}

// AppAccess reports the generation of the account's app access tokens,
// whether the account may use the app at all (it exists and is not
// disabled) and, read in the same statement, its cart's lines: what every
// request of the app checks, and the cart most of them show or change.
func (s *Users) AppAccess(ctx context.Context, id uint) (epoch int64, ok bool, lines []models.CartLine, err error) {
	rows, err := s.appAccess.rows(ctx, id)
	if err != nil {
		return 0, false, nil, fmt.Errorf("user: %w", err)
	}
	lines, found, err := scanLines(rows, &epoch, &ok)
	if err != nil {
		return 0, false, nil, fmt.Errorf("user: %w", err)
	}
	if !found {
		return 0, false, nil, nil
	}
	return epoch, ok, lines, nil
}

// byID loads an account in db (another store's transaction).
func (s *Users) byID(db *gorm.DB, id uint) (models.User, error) {
	var u models.User
	err := db.Take(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.User{}, models.ErrNotFound
	}
	if err != nil {
		return models.User{}, fmt.Errorf("user: %w", err)
	}
	return u, nil
}

// byEmail finds the account with a normalised email in db (another
// store's transaction); found is false when there is none.
func (s *Users) byEmail(db *gorm.DB, email string) (u models.User, found bool, err error) {
	err = db.Where("email = ?", email).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.User{}, false, nil
	}
	if err != nil {
		return models.User{}, false, fmt.Errorf("user: %w", err)
	}
	return u, true, nil
}

// Authenticate finds the account for email and checks its password; a
// wrong email or password is ErrNotFound, a disabled account ErrDisabled
// (told only to whoever knows the password). It does the same work whether
// or not the email exists, so timing does not tell which emails have
// accounts.
func (s *Users) Authenticate(ctx context.Context, email, password string) (models.User, error) {
	var u models.User
	err := Conn(ctx, s.db).Where("email = ?", email).Take(&u).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return models.User{}, fmt.Errorf("authenticate: %w", err)
	}
	hash := u.PasswordHash
	if err != nil {
		hash = models.NoAccountHash
	}
	if !models.PasswordMatches(hash, password) || err != nil {
		return models.User{}, models.ErrNotFound
	}
	if u.Disabled() {
		return models.User{}, models.ErrDisabled
	}
	return u, nil
}

// SetPassword replaces the account's password (checked by CheckPassword).
func (s *Users) SetPassword(ctx context.Context, id uint, password string) error {
	return s.setPasswordHash(Conn(ctx, s.db), id, s.hash(password))
}

// hash hashes a new password at the store's costs.
func (s *Users) hash(password string) string { return models.HashPassword(password, s.passwords) }

// setPasswordHash stores a password hashed by hash, in db (another
// store's transaction).
func (s *Users) setPasswordHash(db *gorm.DB, id uint, hash string) error {
	err := db.Model(&models.User{}).Where("id = ?", id).Update("password_hash", hash).Error
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// setEmail gives the account a new email (normalised by NormalizeEmail),
// not verified, in db (another store's transaction); changed is false
// when it already had it. ErrEmailTaken if another account has it.
func (s *Users) setEmail(db *gorm.DB, id uint, email string) (changed bool, err error) {
	res := db.Model(&models.User{}).Where("id = ? AND email <> ?", id, email).
		Updates(map[string]any{"email": email, "email_verified_at": nil})
	if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
		return false, models.ErrEmailTaken
	}
	if res.Error != nil {
		return false, fmt.Errorf("set email: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SetRole makes the account with email an admin or a customer again.
func (s *Users) SetRole(ctx context.Context, email, role string) (models.User, error) {
	if role != models.RoleAdmin && role != models.RoleCustomer {
		return models.User{}, fmt.Errorf("set role: unknown role %q", role)
	}
	res := Conn(ctx, s.db).Model(&models.User{}).Where("email = ?", email).Update("role", role)
	if res.Error != nil {
		return models.User{}, fmt.Errorf("set role: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return models.User{}, models.ErrNotFound
	}
	var u models.User
	if err := Conn(ctx, s.db).Where("email = ?", email).Take(&u).Error; err != nil {
		return models.User{}, fmt.Errorf("set role: %w", err)
	}
	return u, nil
}

// SetDisabled disables the account at at, or (at nil) enables it again.
// It reports false when the account was already so, or is deleted (a
// deleted account stays disabled).
func (s *Users) SetDisabled(ctx context.Context, id uint, at *time.Time) (bool, error) {
	q := Conn(ctx, s.db).Model(&models.User{}).Where("id = ? AND erased_at IS NULL", id)
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
	if err := Conn(ctx, s.db).Model(&models.User{}).Where("id = ?", id).Update("token_epoch", gorm.Expr("token_epoch + 1")).Error; err != nil {
		return fmt.Errorf("sign out apps: %w", err)
	}
	return nil
}

// Search lists the accounts whose email or name contains q (any case),
// newest first, 20 to a page; the page is clamped.
func (s *Users) Search(ctx context.Context, q string, page int) (models.UserPage, error) {
	const per = 20
	query := Conn(ctx, s.db).Model(&models.User{})
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		like := "%" + escapeLike(q) + "%"
		query = query.Where("email LIKE ? ESCAPE '\\' OR LOWER(name) LIKE ? ESCAPE '\\'", like, like)
	}
	var total int64
	if err := query.Count(&total).Error; err != nil {
		return models.UserPage{}, fmt.Errorf("search users: %w", err)
	}
	pages := max(int((total+per-1)/per), 1)
	page = min(max(page, 1), pages)
	var items []models.User
	if err := query.Order("id DESC").Offset((page - 1) * per).Limit(per).Find(&items).Error; err != nil {
		return models.UserPage{}, fmt.Errorf("search users: %w", err)
	}
	return models.UserPage{Items: items, Page: page, Pages: pages, Total: total}, nil
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// EnsureUser adds an account, its email counted as verified since it was
// made, unless the email is taken (the demo accounts).
func (s *Users) EnsureUser(ctx context.Context, name, email, password string) error {
	var n int64
	if err := Conn(ctx, s.db).Model(&models.User{}).Where("email = ?", email).Count(&n).Error; err != nil {
		return fmt.Errorf("ensure user: %w", err)
	}
	if n > 0 {
		return nil
	}
	u, err := s.Create(ctx, name, email, password)
	if errors.Is(err, models.ErrEmailTaken) {
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
	_, err := s.SetRole(ctx, email, models.RoleAdmin)
	return err
}

// RecordTheft keeps the event and flags the account so that its next
// sign-in warns.
func (s *Users) RecordTheft(ctx context.Context, userID uint, kind, ip string, at time.Time) error {
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&models.SecurityEvent{UserID: userID, Kind: kind, IP: ip, CreatedAt: at}).Error; err != nil {
			return err
		}
		return tx.Model(&models.User{}).Where("id = ?", userID).Update("theft_detected_at", at).Error
	})
	if err != nil {
		return fmt.Errorf("record theft: %w", err)
	}
	return nil
}

// TakeTheftWarning reports whether a stolen token was used since the
// account last signed in, and clears the flag: the warning shows once.
func (s *Users) TakeTheftWarning(ctx context.Context, userID uint) (bool, error) {
	res := Conn(ctx, s.db).Model(&models.User{}).Where("id = ? AND theft_detected_at IS NOT NULL", userID).Update("theft_detected_at", nil)
	if res.Error != nil {
		return false, fmt.Errorf("theft warning: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SecurityEvents lists the account's most recent events, newest first
// (limit 0: every one kept).
func (s *Users) SecurityEvents(ctx context.Context, userID uint, limit int) ([]models.SecurityEvent, error) {
	return s.securityEvents(Conn(ctx, s.db), userID, limit)
}

func (s *Users) securityEvents(db *gorm.DB, userID uint, limit int) ([]models.SecurityEvent, error) {
	q := db.Where("user_id = ?", userID).Order("created_at DESC, id DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var out []models.SecurityEvent
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("security events: %w", err)
	}
	return out, nil
}

// SetLanguage makes lang the language the account reads the shop and its
// emails in.
func (s *Users) SetLanguage(ctx context.Context, id uint, lang models.Language) error {
	if err := Conn(ctx, s.db).Model(&models.User{}).Where("id = ?", id).Update("language", lang).Error; err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	return nil
}

// SetProfile changes the account's name and language (checked by
// CheckName and CheckLanguage); an empty one is left as it is. It
// returns the account as it is now.
func (s *Users) SetProfile(ctx context.Context, id uint, name string, lang models.Language) (models.User, error) {
	changes := map[string]any{}
	if name != "" {
		changes["name"] = name
	}
	if lang != "" {
		changes["language"] = lang
	}
	var u models.User
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if len(changes) > 0 {
			if err := tx.Model(&models.User{}).Where("id = ?", id).Updates(changes).Error; err != nil {
				return fmt.Errorf("set profile: %w", err)
			}
		}
		var err error
		u, err = s.byID(tx, id)
		return err
	})
	return u, err
}
