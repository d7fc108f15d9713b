package web

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
	"crumb/sessions"
	"crumb/storage"
)

// verifyPage is what a verification link that no longer works shows:
// what to do for a new one.
type verifyPage struct {
	Page
	Verified bool // the signed-in account's email is confirmed already
}

// Verify follows the link of a verification email
// (BASE_URL/account/verify?token=...): the link's account has its email
// verified, and a browser signed in to no one is signed in to it (as by a
// mailed link, not the password). A used, expired or unknown link gets a
// page that offers a new one (410); a disabled account's link does
// nothing.
func (s *Server) Verify(c *fiber.Ctx) error {
	noReferrer(c)
	user, err := s.Verifications.Verify(c.UserContext(), c.Query("token"))
	if errors.Is(err, storage.ErrVerifyLinkInvalid) {
		return s.renderVerifyGone(c)
	}
	if err != nil {
		return err
	}
	note := "Thank you: your email address is confirmed. You can place orders now."
	cur := visitor.From(c).Account
	if cur == nil {
		return s.signedIn(c, user, sessions.ByMailedLink, accountForm{}, note)
	}
	if cur.UserID != user.ID {
		note = fmt.Sprintf("Thank you: %s is confirmed. This browser is still signed in as %s.", user.Email, cur.Name)
	}
	return s.flashTo(c, "/account", note)
}

// renderVerifyGone is the page of a link that no longer works: a
// signed-in account that still needs one can ask for it there.
func (s *Server) renderVerifyGone(c *fiber.Ctx) error {
	p := verifyPage{}
	title := "This link no longer works"
	if cur := visitor.From(c).Account; cur != nil {
		user, err := s.Users.ByID(c.UserContext(), cur.UserID)
		if err != nil {
			return err
		}
		if p.Verified = user.EmailVerified(); p.Verified {
			title = "Your email is confirmed"
		}
	}
	p.Page = s.NewPage(c, title)
	return s.render(c, fiber.StatusGone, "pages/verify", &p)
}

// ResendVerification mails the signed-in account a new verification link
// and goes back to next (the checkout or the account page). The answer is
// the same whether or not the address's hourly limit let one go (see
// models.LinkMailsPerHour). Limited per client address (the route) and
// per account, like asking for a reset link.
func (s *Server) ResendVerification(c *fiber.Ctx) error {
	cur := visitor.From(c).Account
	if err := s.Limits.Attempt("verify-account", strconv.FormatUint(uint64(cur.UserID), 10)); err != nil {
		return err
	}
	user, err := s.Verifications.Resend(c.UserContext(), cur.UserID)
	if err != nil {
		return err
	}
	note := fmt.Sprintf("We are sending a new link to %s. It works once, for 24 hours. Nothing in a few minutes? Look in your spam folder: we send at most %d links an hour to one address.", user.Email, models.LinkMailsPerHour)
	if user.EmailVerified() {
		note = "Your email address is confirmed already: there is nothing more to do."
	}
	return s.flashTo(c, orDefault(safeNext(c.FormValue("next")), "/account"), note)
}

// flashTo sends the signed-in browser to path, which shows note once.
func (s *Server) flashTo(c *fiber.Ctx, path, note string) error {
	if err := visitor.From(c).Flash(c.UserContext(), note); err != nil && !errors.Is(err, sessions.ErrSignedOut) {
		return err
	}
	return c.Redirect(path, fiber.StatusSeeOther)
}
