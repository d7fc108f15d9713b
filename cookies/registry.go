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
	numNames
)

// Count is how many cookies are registered.
const Count = int(numNames)

// MaxBytes is the limit browsers guarantee for one cookie (name + value).
const MaxBytes = 4096

// Spec is the policy of one cookie, shown on the /cookies page.
type Spec struct {
	Name     string        // without the __Host- prefix
	Purpose  string        // what it is for, in plain words
	Holds    string        // what is inside, in plain words
	Lifetime string        // how long, in plain words
	MaxAge   time.Duration // 0: ends with the browser; otherwise the longest it lives
	HTTPOnly bool          // script cannot read it
	Budget   int           // most bytes of name + value
}

var registry = [numNames]Spec{
	Cart: {
		Name:     "crumb_cart",
		Purpose:  "Keeps your cart while you shop without signing in.",
		Holds:    "Product numbers and quantities only (encrypted), or an encrypted reference to a cart we keep for you when it is large. Never prices.",
		Lifetime: "30 days, renewed when the cart changes",
		MaxAge:   30 * 24 * time.Hour,
		HTTPOnly: true,
		Budget:   1024,
	},
	PopupHidden: {
		Name:     "crumb_popup_hidden",
		Purpose:  "Remembers that you chose not to see today's offer again today.",
		Holds:    "The moment the offer may show again (encrypted).",
		Lifetime: "Until midnight in your time zone",
		MaxAge:   25 * time.Hour,
		HTTPOnly: true,
		Budget:   200,
	},
	Email: {
		Name:     "crumb_email",
		Purpose:  `Fills in your email on the sign-in form when you ticked "remember my email".`,
		Holds:    "Your email address (encrypted). Never your password: no cookie holds a password.",
		Lifetime: "1 year, or until you click \"Not you?\"",
		MaxAge:   365 * 24 * time.Hour,
		HTTPOnly: true,
		Budget:   512,
	},
	Session: {
		Name:     "crumb_session",
		Purpose:  "Keeps you signed in while the browser is open.",
		Holds:    "A random session number (encrypted); what it stands for is kept on our server.",
		Lifetime: "Until you close the browser (and at most 12 hours, or 30 minutes idle)",
		MaxAge:   0,
		HTTPOnly: true,
		Budget:   200,
	},
	Remember: {
		Name:     "crumb_remember",
		Purpose:  `Signs you in again on this device when you chose "keep me signed in".`,
		Holds:    "A one-time device token (encrypted); only its hash is kept on our server, and it changes every time it is used.",
		Lifetime: "30 days",
		MaxAge:   30 * 24 * time.Hour,
		HTTPOnly: true,
		Budget:   300,
	},
	CSRF: {
		Name:     "crumb_csrf",
		Purpose:  "Proves that forms sent to the store come from the store's own pages.",
		Holds:    "A random value (encrypted).",
		Lifetime: "Until you close the browser",
		MaxAge:   0,
		HTTPOnly: true,
		Budget:   200,
	},
}

// Spec returns the policy of the cookie.
func (n Name) Spec() Spec { return registry[n] }

// All lists every registered cookie in a stable order.
func All() []Spec { return registry[:] }
