package visitor

import (
	"net/mail"

	"github.com/gofiber/fiber/v2"

	"crumb/cookies"
	"crumb/i18n"
	"crumb/models"
	"crumb/sessions"
)

// Resolve works out the visitor of a page request from the cookies its
// browser sent: who is signed in (from the session, or a "keep me signed
// in" device), the cart, the form-token secret, the hidden offer, the
// remembered email and the language (which the response names in
// Content-Language, varying by Accept-Language and Cookie). A tampered, expired or undecodable cookie is treated
// as absent and dropped. A request with neither a session nor a
// remember-me cookie never touches the session store; when the store does
// not answer, the request is refused (sessions.ErrStoreUnavailable) and
// the rest of it, its error page included, sees a guest.
func (r *Resolver) Resolve(c *fiber.Ctx) error {
	v := From(c)
	var opened [cookies.Count]cookies.Opened
	for n := range cookies.Count {
		name := cookies.Name(n)
		value := c.Cookies(r.Jar.CookieName(name))
		if value == "" {
			continue
		}
		o := r.Jar.Read(name, value)
		v.held = append(v.held, Held{Name: name, Bytes: len(r.Jar.CookieName(name)) + len(value), Expires: o.Expires})
		switch {
		case o.Problem != "":
			v.reject(c, name, o.Problem)
		case o.Drop:
			v.ignore(name)
		default:
			opened[n] = o
		}
	}
	if o := opened[cookies.CSRF]; o.OK {
		if len(o.Plain) == cookies.CSRFSecretLen {
			v.csrf = o.Plain
		} else {
			v.reject(c, cookies.CSRF, "wrong length")
		}
	}
	v.OfferHidden = opened[cookies.PopupHidden].OK
	if o := opened[cookies.Email]; o.OK {
		if _, err := mail.ParseAddress(string(o.Plain)); err == nil {
			v.RememberedEmail = string(o.Plain)
		} else {
			v.reject(c, cookies.Email, "not an email address")
		}
	}
	if o := opened[cookies.Cart]; o.OK {
		cart, err := cookies.DecodeCart(o.Plain, cartLimits)
		if err != nil {
			v.reject(c, cookies.Cart, err.Error())
		} else {
			v.guest = guestCart{token: cart.Token, lines: fromCookie(cart.Lines)}
		}
	}
	if o := opened[cookies.Remember]; o.OK {
		v.remember = string(o.Plain)
	}
	if err := v.signedIn(c, string(opened[cookies.Session].Plain)); err != nil {
		return err
	}
	v.Lang = v.language(c, opened[cookies.Lang])
	c.Set(fiber.HeaderContentLanguage, string(v.Lang))
	c.Set(fiber.HeaderVary, "Accept-Language, Cookie") // the first Vary: nothing before this sets one
	return c.Next()
}

// language is the visitor's language: the one chosen with the switch,
// else the account's, else the browser's, else the shop's. A crumb_lang
// that names no language the shop speaks is dropped.
func (v *Visitor) language(c *fiber.Ctx, chosen cookies.Opened) models.Language {
	if chosen.OK {
		if lang, ok := models.ParseLanguage(string(chosen.Plain)); ok {
			return lang
		}
		v.reject(c, cookies.Lang, "not a language the shop speaks")
	}
	if v.Account != nil {
		if lang, ok := models.ParseLanguage(string(v.Account.Language)); ok {
			return lang
		}
	}
	if lang, ok := i18n.Match(c.Get(fiber.HeaderAcceptLanguage)); ok {
		return lang
	}
	return v.r.Language
}

// signedIn finds who the session id signs in or, without a session, the
// remember-me cookie signs back in.
func (v *Visitor) signedIn(c *fiber.Ctx, id string) error {
	ctx := c.UserContext()
	cur, gone, err := v.r.Sessions.Load(ctx, id)
	if err != nil {
		return err
	}
	if gone {
		v.ignore(cookies.Session)
	}
	if cur != nil {
		v.sessionID, v.Account, v.Cart = id, cur, v.r.Carts.User(cur.UserID)
		if cur.CartRead { // with the session, in the same statement
			v.Cart = v.r.Carts.UserRead(cur.UserID, cur.CartLines)
		}
		return nil
	}
	if v.remember == "" {
		return nil
	}
	res, err := v.r.Sessions.Resume(ctx, v.remember, v.client())
	if res.Forget {
		v.remember = ""
		v.ignore(cookies.Remember)
	}
	if res.Cookie != "" {
		v.remember = res.Cookie
		if err := v.set(cookies.Remember, []byte(res.Cookie), res.Expires); err != nil {
			return err
		}
	}
	if err != nil || res.ID == "" {
		return err
	}
	return v.started(res.ID, res.Current)
}

// started makes the session id, just begun, this browser's: its cookie, a
// new form-token secret (tokens of before no longer work) and the
// account's cart.
func (v *Visitor) started(id string, cur *sessions.Current) error {
	v.sessionID, v.Account, v.Cart = id, cur, v.r.Carts.User(cur.UserID)
	if err := v.set(cookies.Session, []byte(id), noExpiry); err != nil {
		return err
	}
	return v.newCSRF()
}

// cartLimits are what a cart cookie may hold: what any cart may.
var cartLimits = cookies.CartLimits{Lines: models.MaxCartLines, Quantity: models.MaxLineQuantity}
