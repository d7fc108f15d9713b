package web

import (
	"errors"
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
	v := visitor.From(c)
	note := v.T("verify.thanks")
	cur := v.Account
	if cur == nil {
		return s.signedIn(c, user, sessions.ByMailedLink, accountForm{}, note)
	}
	if cur.UserID != user.ID {
		note = v.Tr("verify.thanks.other", "Email", user.Email, "Name", cur.Name)
	}
	return s.flashTo(c, "/account", note)
}

// renderVerifyGone is the page of a link that no longer works: a
// signed-in account that still needs one can ask for it there.
func (s *Server) renderVerifyGone(c *fiber.Ctx) error {
	p := verifyPage{}
	title := "auth.link_gone"
	if cur := visitor.From(c).Account; cur != nil {
		user, err := s.Users.ByID(c.UserContext(), cur.UserID)
		if err != nil {
			return err
		}
		if p.Verified = user.EmailVerified(); p.Verified {
			title = "verify.confirmed.title"
		}
	}
	p.Page = s.NewPage(c, visitor.From(c).T(title))
	return s.render(c, fiber.StatusGone, "pages/verify", &p)
}

// ResendVerification mails the signed-in account a new verification link
// and goes back to next (the checkout or the account page). The answer is
// the same whether or not the address's hourly limit let one go (see
// models.LinkMailsPerHour). Limited per client address (the route) and
// per account, like asking for a reset link.
func (s *Server) ResendVerification(c *fiber.Ctx) error {
	v := visitor.From(c)
	cur := v.Account
	if err := s.Limits.Attempt("verify-account", strconv.FormatUint(uint64(cur.UserID), 10)); err != nil {
		return err
	}
	user, err := s.Verifications.Resend(c.UserContext(), cur.UserID)
	if err != nil {
		return err
	}
	note := v.Tr("verify.sending", "Email", user.Email, "Limit", models.LinkMailsPerHour)
	if user.EmailVerified() {
		note = v.T("verify.already")
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
