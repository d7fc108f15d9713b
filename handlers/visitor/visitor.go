// Package visitor owns a request's state. A Visitor is begun for every
// request (its id) and, on the shop's pages, resolved once at their edge:
// who is signed in (restoring a "keep me signed in" device), the cart
// (the account's, or the browser's cookie cart wherever its lines are
// kept), the form-token secret, whether today's offer is hidden, and the
// remembered sign-in email. Handlers read it with From and change it
// through its methods; the cookies that changed are written once, through
// the cookie registry, when the request has been answered. Nothing else
// reads cookies or the request's locals.
package visitor

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/i18n"
	"crumb/models"
	"crumb/sessions"
	"crumb/storage"
)

// Visitor is one request's state.
type Visitor struct {
	// RequestID names the request in logs and in X-Request-Id.
	RequestID string
	// Account is who is signed in on a page; nil for a guest.
	Account *sessions.Current
	// Cart is this visitor's cart: the account's when signed in (the same
	// the app shows), otherwise the browser's.
	Cart models.Cart
	// OfferHidden: the shopper hid today's offer, and the day has not ended.
	OfferHidden bool
	// RememberedEmail is the sign-in email this browser remembers, or "".
	RememberedEmail string
	// AppUserID is the account of the API request's bearer token (0 for none).
	AppUserID uint
	// AppSignIn is the app sign-in (refresh family) the bearer token was
	// issued to (0 when the token does not say).
	AppSignIn uint
	// Admin is the back office's signed-in admin (nil outside it).
	Admin *models.User
	// Lang is the language the visitor reads the shop in: the one chosen
	// with the language switch (crumb_lang), else the signed-in account's,
	// else the browser's (Accept-Language), else the shop's default.
	Lang models.Language

	r         *Resolver
	c         *fiber.Ctx // the request, for the client's address and browser when a sign-in needs them
	sessionID string     // the session the browser holds, or ""
	remember  string     // the remember-me cookie's plaintext, or ""
	csrf      []byte     // the form-token secret, or nil
	guest     guestCart  // the browser's cart cookie
	held      []Held     // what the browser sent, for the cookie policy
	changed   [cookies.Count]*cookies.Cookie
}

// Held is a Crumb cookie this browser sent: its size and sealed expiry,
// never its value.
type Held struct {
	Name    cookies.Name
	Bytes   int
	Expires time.Time // zero: ends with the browser
	Ignored bool      // tampered, expired, unreadable or standing for nothing: treated as absent
}

const local = "crumb.visitor"

// From is the request's visitor.
func From(c *fiber.Ctx) *Visitor { return c.Locals(local).(*Visitor) }

// Resolver works out each request's visitor; built once at startup.
type Resolver struct {
	Jar      *cookies.Jar
	Sessions *sessions.Manager
	Carts    *storage.Carts
	Log      *slog.Logger
	// CartBudget caps the cart cookie in bytes before the cart moves to
	// the database (the registry's budget when 0).
	CartBudget int
	// Language is the shop's default language (DEFAULT_LANGUAGE).
	Language models.Language
}

// Begin starts the visitor of a request, as a guest with an empty cart,
// and attaches it to the request.
func (r *Resolver) Begin(c *fiber.Ctx, requestID string) *Visitor {
	v := &Visitor{RequestID: requestID, r: r, Lang: r.Language, c: c}
	v.Cart = r.Carts.Of(guestStore{v})
	c.Locals(local, v)
	return v
}

// Of is the request's visitor, begun now (a guest) for a request the
// server refused before any route ran, such as one with too large a body.
func (r *Resolver) Of(c *fiber.Ctx) *Visitor {
	if v, ok := c.Locals(local).(*Visitor); ok {
		return v
	}
	return r.Begin(c, "")
}

// client is who a sign-in records: the client's address and browser.
func (v *Visitor) client() sessions.Client {
	return sessions.Client{IP: v.c.IP(), UserAgent: v.c.Get(fiber.HeaderUserAgent)}
}

// Finish writes the cookies that changed during the request, once each,
// after everything else (the error page included) has run.
func (v *Visitor) Finish(c *fiber.Ctx) {
	for _, ck := range v.changed {
		if ck == nil {
			continue
		}
		out := &fiber.Cookie{
			Name: ck.Name, Value: ck.Value, Path: "/", Secure: ck.Secure, HTTPOnly: ck.HTTPOnly,
			SameSite: fiber.CookieSameSiteLaxMode, SessionOnly: ck.Session,
		}
		if !ck.Session {
			out.Expires, out.MaxAge = ck.Expires, ck.MaxAge
		}
		c.Cookie(out)
	}
}

// set seals plaintext into cookie n, written when the request ends.
func (v *Visitor) set(n cookies.Name, plaintext []byte, expires time.Time) error {
	ck, err := v.r.Jar.Set(n, plaintext, expires)
	if err != nil {
		return err
	}
	v.changed[n] = &ck
	return nil
}

// expire makes the browser drop cookie n when the request ends.
func (v *Visitor) expire(n cookies.Name) {
	ck := v.r.Jar.Expire(n)
	v.changed[n] = &ck
}

// reject drops cookie n, whose content is unusable, and logs why.
func (v *Visitor) reject(c *fiber.Ctx, n cookies.Name, why string) {
	v.r.Log.Warn("rejected cookie", "cookie", n.Spec().Name, "reason", why, "path", c.Path(), "request_id", v.RequestID)
	v.ignore(n)
}

// ignore drops cookie n, which the browser sent but which counts for
// nothing, and says so on the cookie pages.
func (v *Visitor) ignore(n cookies.Name) {
	for i := range v.held {
		if v.held[i].Name == n {
			v.held[i].Ignored = true
		}
	}
	v.expire(n)
}

// Held is what the browser sent of each Crumb cookie, in the registry's
// order.
func (v *Visitor) Held() []Held { return v.held }

// CartOnServer reports whether the browser's cart cookie stands for a
// cart kept in the database.
func (v *Visitor) CartOnServer() bool { return v.guest.token != "" }

// T is message id in the visitor's language.
func (v *Visitor) T(id string) string { return i18n.T(v.Lang, id) }

// Tr is message id in the visitor's language with its values, as
// name-value pairs (see i18n.Tr).
func (v *Visitor) Tr(id string, pairs ...any) string { return i18n.Tr(v.Lang, id, pairs...) }

// Say puts a message of the models into words in the visitor's language.
func (v *Visitor) Say(m models.Message) string { return i18n.Say(v.Lang, m) }

// ChooseLanguage makes lang this browser's language from now on (the
// crumb_lang cookie), and this request's.
func (v *Visitor) ChooseLanguage(lang models.Language) error {
	v.Lang = lang
	return v.set(cookies.Lang, []byte(lang), v.r.Jar.Now().Add(cookies.Lang.Spec().MaxAge))
}
