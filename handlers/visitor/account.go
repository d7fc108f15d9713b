package visitor

import (
	"context"
	"time"

	"crumb/cookies"
	"crumb/models"
	"crumb/sessions"
)

// noExpiry makes a cookie end with the browser.
var noExpiry time.Time

// SignIn signs the browser in as user under a new session (by says how
// it proved it), ending the one it had; flash is shown on the next page. A disabled account is models.ErrDisabled, and the browser is
// left signed out.
func (v *Visitor) SignIn(ctx context.Context, user models.User, by sessions.Proof, flash string) error {
	id, cur, err := v.r.Sessions.SignIn(ctx, v.sessionID, user, by, flash, v.client())
	if err != nil {
		if v.sessionID != "" {
			v.sessionID, v.Account, v.Cart = "", nil, v.r.Carts.Of(guestStore{v})
			v.expire(cookies.Session)
		}
		return err
	}
	return v.started(id, cur)
}

// ProvePassword records that the admin just gave the password again: the
// session starts afresh under a new id (a copy of the old cookie is
// worthless), with the back office's clocks at now.
func (v *Visitor) ProvePassword(ctx context.Context, user models.User) error {
	id, cur, err := v.r.Sessions.ProvePassword(ctx, v.sessionID, user, v.client())
	if err != nil {
		return err
	}
	return v.started(id, cur)
}

// UsedAdmin moves the back office's idle clock to now.
func (v *Visitor) UsedAdmin(ctx context.Context) error {
	return v.r.Sessions.UsedAdmin(ctx, v.sessionID, v.Account)
}

// Flash keeps msg for the next page this signed-in browser is shown (a
// redirect's target).
func (v *Visitor) Flash(ctx context.Context, msg string) error {
	return v.r.Sessions.Flash(ctx, v.sessionID, msg)
}

// Remember keeps this device signed in ("keep me signed in").
func (v *Visitor) Remember(ctx context.Context) error {
	cookie, expires, err := v.r.Sessions.Remember(ctx, v.Account.UserID, v.client())
	if err != nil {
		return err
	}
	v.remember = cookie
	return v.set(cookies.Remember, []byte(cookie), expires)
}

// DeviceSelector names this device's remember-me token, or "": what
// "sign out everywhere else" keeps.
func (v *Visitor) DeviceSelector() string { return sessions.Selector(v.remember) }

// SignOut ends the session and this device's remember-me token on the
// server and in the browser, and starts a new form-token secret. The
// visitor is a guest from now on.
func (v *Visitor) SignOut(ctx context.Context) error {
	if err := v.r.Sessions.SignOut(ctx, v.sessionID, v.remember); err != nil {
		return err
	}
	if v.sessionID != "" {
		v.expire(cookies.Session)
	}
	if v.remember != "" {
		v.expire(cookies.Remember)
	}
	v.sessionID, v.remember, v.Account, v.Cart = "", "", nil, v.r.Carts.Of(guestStore{v})
	return v.newCSRF()
}

// Forget makes the browser forget the shop: the session and this device's
// remember-me token end on the server, a guest cart kept in the database
// is deleted, and every Crumb cookie is dropped.
func (v *Visitor) Forget(ctx context.Context) error {
	if err := v.r.Sessions.SignOut(ctx, v.sessionID, v.remember); err != nil {
		return err
	}
	if err := v.ForgetCart(ctx); err != nil {
		return err
	}
	for n := range cookies.Count {
		v.expire(cookies.Name(n))
	}
	v.sessionID, v.remember, v.Account, v.csrf = "", "", nil, nil
	v.Cart = v.r.Carts.Of(guestStore{v})
	v.OfferHidden, v.RememberedEmail = false, ""
	return nil
}

// HideOffer hides today's offer until the next midnight in loc, and says
// until when.
func (v *Visitor) HideOffer(loc *time.Location) (time.Time, error) {
	until := cookies.NextMidnight(v.r.Jar.Now(), loc)
	v.OfferHidden = true
	return until, v.set(cookies.PopupHidden, nil, until)
}

// RememberEmail keeps the sign-in email in this browser for a year.
func (v *Visitor) RememberEmail(email string) error {
	v.RememberedEmail = email
	return v.set(cookies.Email, []byte(email), v.r.Jar.Now().Add(cookies.Email.Spec().MaxAge))
}

// ForgetEmail drops the remembered email ("Not you?").
func (v *Visitor) ForgetEmail() {
	v.RememberedEmail = ""
	v.expire(cookies.Email)
}

// CSRFToken is the token this visitor's forms carry, starting the
// browser's form-token secret if it has none.
func (v *Visitor) CSRFToken() (string, error) {
	if v.csrf == nil {
		if err := v.newCSRF(); err != nil {
			return "", err
		}
	}
	return v.r.Jar.CSRFToken(v.csrf, v.binding()), nil
}

// CheckCSRF reports whether token is this visitor's form token.
func (v *Visitor) CheckCSRF(token string) bool { return v.r.Jar.CheckCSRF(v.csrf, v.binding(), token) }

// binding ties form tokens to the signed-in session; guests have none.
func (v *Visitor) binding() string {
	if v.Account != nil {
		return v.Account.KeyHash
	}
	return ""
}

// newCSRF starts a new form-token secret, voiding the tokens of before.
func (v *Visitor) newCSRF() error {
	v.csrf = cookies.NewCSRFSecret()
	return v.set(cookies.CSRF, v.csrf, noExpiry)
}
