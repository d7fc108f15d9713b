package sessions

import (
	"fmt"
	"strconv"
	"time"

	"crumb/models"
)

// Limits counts attempts to sign in, sign up and refresh in one-minute
// windows, in the shared store so that every instance agrees.
//
// Sign-in failures are counted per account and client address, so that
// someone guessing at an account from one address cannot lock its owner
// out from another; an account-wide ceiling of ten times the limit still
// stops guessing spread over many addresses. A correct password never
// counts as a failure.
type Limits struct {
	store Store
	max   int
	now   func() time.Time
}

// AccountCeiling is how many times the per-address limit an account may
// fail to sign in from every address together in one minute.
const AccountCeiling = 10

// NewLimits allows perMinute attempts per address (and failures per
// account and address) each minute.
func NewLimits(store Store, perMinute int, now func() time.Time) *Limits {
	return &Limits{store: guarded{store}, max: perMinute, now: now}
}

// TooManyAttempts is the error of an attempt over a limit; Wait is how
// long until the limit's minute ends.
type TooManyAttempts struct{ Wait time.Duration }

func (e *TooManyAttempts) Error() string {
	return fmt.Sprintf("limits: too many attempts; retry in %v", e.Wait)
}

// Attempt counts one attempt of kind ("signin", "signup", "refresh") from
// ip; over the limit it is *TooManyAttempts.
func (l *Limits) Attempt(kind, ip string) error {
	key, wait := l.window("attempt:"+kind, ip)
	n, err := l.add(key, wait)
	if err != nil {
		return err
	}
	if n > l.max {
		return &TooManyAttempts{Wait: wait}
	}
	return nil
}

// SignInAllowed is nil when email may try to sign in from ip now, and
// *TooManyAttempts when this address has failed too often for the account
// this minute, or every address together has.
func (l *Limits) SignInAllowed(email, ip string) error {
	pairKey, wait := l.window("failed:account-ip", email+"\x00"+ip)
	accountKey, _ := l.window("failed:account", email)
	pair, err := l.count(pairKey)
	if err != nil {
		return err
	}
	account, err := l.count(accountKey)
	if err != nil {
		return err
	}
	if pair >= l.max || account >= l.max*AccountCeiling {
		return &TooManyAttempts{Wait: wait}
	}
	return nil
}

// PasswordGiven checks password against the signed-in account's before
// something it guards (the back office, a change of password, the
// account's download or deletion), limited and counted like signing in:
// *TooManyAttempts once the limit is reached, false for a wrong password.
func (l *Limits) PasswordGiven(user models.User, password, ip string) (bool, error) {
	if err := l.SignInAllowed(user.Email, ip); err != nil {
		return false, err
	}
	if models.PasswordMatches(user.PasswordHash, password) {
		return true, nil
	}
	return false, l.SignInFailed(user.Email, ip)
}

// SignInFailed counts a wrong password for email from ip.
func (l *Limits) SignInFailed(email, ip string) error {
	pairKey, left := l.window("failed:account-ip", email+"\x00"+ip)
	accountKey, _ := l.window("failed:account", email)
	if _, err := l.add(pairKey, left); err != nil {
		return err
	}
	_, err := l.add(accountKey, left)
	return err
}

// window is the storage key of subject's counter for this minute and the
// time left until the minute ends. Subjects are hashed: an email never
// appears in a key.
func (l *Limits) window(kind, subject string) (string, time.Duration) {
	now := l.now()
	start := now.Truncate(time.Minute)
	return "limit:" + kind + ":" + hashKey(subject) + ":" + strconv.FormatInt(start.Unix()/60, 10),
		max(start.Add(time.Minute).Sub(now), time.Second)
}

func (l *Limits) count(key string) (int, error) {
	v, err := l.store.Get(key)
	if err != nil {
		return 0, fmt.Errorf("limits: %w", err)
	}
	n, _ := strconv.Atoi(string(v))
	return n, nil
}

// add counts one more in key's window. Two instances adding at once may
// count one fewer: a limit, not a ledger.
func (l *Limits) add(key string, left time.Duration) (int, error) {
	n, err := l.count(key)
	if err != nil {
		return 0, err
	}
	n++
	if err := l.store.Set(key, []byte(strconv.Itoa(n)), left); err != nil {
		return 0, fmt.Errorf("limits: %w", err)
	}
	return n, nil
}
