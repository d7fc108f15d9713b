// Package cookies declares every cookie Crumb sets and is the only way to
// set one. Each cookie is encrypted and authenticated (AES-GCM, the cookie's
// name bound in as associated data), HttpOnly unless script must read it,
// SameSite=Lax, and Secure with the __Host- prefix when the store is served
// over https. A cookie that is tampered with, expired or undecodable is
// treated as absent and cleared.
package cookies

import "time"

// Name identifies a registered cookie. The registry below is the only
// source of cookie names, so an unregistered cookie cannot be set through
// this package.
type Name int

// The cookies Crumb sets.
const (
	Cart Name = iota
	PopupHidden
	Email
	Session
	Remember
	CSRF
	Lang
	numNames
)

// Count is how many cookies are registered.
const Count = int(numNames)

// MaxBytes is the limit browsers guarantee for one cookie (name + value).
const MaxBytes = 4096

// Spec is the policy of one cookie, shown on the /cookies page. What it
// is for, what it holds and how long it lives are said in each language
// in the message catalogue (i18n: cookie.<name>.purpose, .holds and
// .lifetime).
type Spec struct {
	Name     string        // without the __Host- prefix
	MaxAge   time.Duration // 0: ends with the browser; otherwise the longest it lives
	HTTPOnly bool          // script cannot read it
	Budget   int           // most bytes of name + value
}

var registry = [numNames]Spec{
	Cart: {
		Name:     "crumb_cart",
		MaxAge:   30 * 24 * time.Hour,
		HTTPOnly: true,
		Budget:   1024,
	},
	PopupHidden: {
		Name:     "crumb_popup_hidden",
		MaxAge:   25 * time.Hour,
		HTTPOnly: true,
		Budget:   200,
	},
	Email: {
		Name:     "crumb_email",
		MaxAge:   365 * 24 * time.Hour,
		HTTPOnly: true,
		Budget:   512,
	},
	Session: {
		Name:     "crumb_session",
		MaxAge:   0,
		HTTPOnly: true,
		Budget:   200,
	},
	Remember: {
		Name:     "crumb_remember",
		MaxAge:   30 * 24 * time.Hour,
		HTTPOnly: true,
		Budget:   300,
	},
	CSRF: {
		Name:     "crumb_csrf",
		MaxAge:   0,
		HTTPOnly: true,
		Budget:   200,
	},
	Lang: {
		Name:     "crumb_lang",
		MaxAge:   365 * 24 * time.Hour,
		HTTPOnly: true,
		Budget:   200,
	},
}

// Spec returns the policy of the cookie.
func (n Name) Spec() Spec { return registry[n] }

// All lists every registered cookie in a stable order.
func All() []Spec { return registry[:] }
