package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
	"crumb/sessions"
	"crumb/storage"
)

// forgotPage asks for the email of an account whose password is
// forgotten, and says what happens next once asked.
type forgotPage struct {
	Page
	Email   string
	Errors  map[string]string
	Sent    bool // the request was taken: check your email
	Expired bool // sent here by a link that no longer works
}

// ForgotForm asks for the email, filled in when this browser remembers it.
func (s *Server) ForgotForm(c *fiber.Ctx) error {
	return s.renderForgot(c, fiber.StatusOK, forgotPage{Email: visitor.From(c).RememberedEmail})
}

// Forgot asks for a reset link. The page, and the work done before it,
// are the same whether or not an account uses the email: the account is
// looked up and the link emailed a moment later, off this request's path.
// Limited per client address (the route) and per email.
func (s *Server) Forgot(c *fiber.Ctx) error {
	p := forgotPage{Email: strings.TrimSpace(c.FormValue("email")), Errors: map[string]string{}}
	email, err := models.NormalizeEmail(p.Email)
	if err != nil {
		addFieldError(c, p.Errors, err)
		return s.renderForgot(c, fiber.StatusUnprocessableEntity, p)
	}
	if err := s.Limits.Attempt("forgot-email", email); err != nil {
		return err
	}
	if err := s.Resets.Request(c.UserContext(), email); err != nil {
		return err
	}
	p.Email, p.Sent = email, true
	return s.renderForgot(c, fiber.StatusOK, p)
}

func (s *Server) renderForgot(c *fiber.Ctx, status int, p forgotPage) error {
	private(c)
	title := "forgot.title"
	switch {
	case p.Sent:
		title = "forgot.sent.title"
	case p.Expired:
		title = "auth.link_gone"
	}
	p.Page = s.NewPage(c, visitor.From(c).T(title))
	return s.render(c, status, "pages/forgot", &p)
}

// resetPage is the form that chooses a new password with a reset link.
type resetPage struct {
	Page
	Token  string
	Email  string // the account's, for password managers
	Errors map[string]string
}

// noReferrer keeps the reset link's token out of Referer headers and out
// of every cache.
func noReferrer(c *fiber.Ctx) {
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	private(c)
}

// ResetForm shows the form for a live link; a used, expired or unknown
// link gets a page that offers a new one.
func (s *Server) ResetForm(c *fiber.Ctx) error {
	noReferrer(c)
	token := c.Query("token")
	user, err := s.Resets.Check(c.UserContext(), token)
	if errors.Is(err, storage.ErrResetLinkInvalid) {
		return s.renderForgot(c, fiber.StatusGone, forgotPage{Expired: true})
	}
	if err != nil {
		return err
	}
	return s.renderReset(c, fiber.StatusOK, resetPage{Token: token, Email: user.Email})
}

// Reset sets the new password (the same rules as sign-up) and uses up the
// link; then every session, remembered device and app sign-in of the
// account is signed out, this browser is signed in afresh, and a "your
// password was changed" email is queued.
func (s *Server) Reset(c *fiber.Ctx) error {
	noReferrer(c)
	ctx := c.UserContext()
	token, password := c.FormValue("token"), c.FormValue("password")
	if err := models.CheckPassword(password); err != nil {
		user, cerr := s.Resets.Check(ctx, token)
		if errors.Is(cerr, storage.ErrResetLinkInvalid) {
			return s.renderForgot(c, fiber.StatusGone, forgotPage{Expired: true})
		}
		if cerr != nil {
			return cerr
		}
		p := resetPage{Token: token, Email: user.Email, Errors: map[string]string{}}
		addFieldError(c, p.Errors, err)
		return s.renderReset(c, fiber.StatusUnprocessableEntity, p)
	}
	user, err := s.Resets.Reset(ctx, token, password)
	if errors.Is(err, storage.ErrResetLinkInvalid) {
		return s.renderForgot(c, fiber.StatusGone, forgotPage{Expired: true})
	}
	if err != nil {
		return err
	}
	if err := s.Sessions.SignOutEverywhere(ctx, user.ID, "", ""); err != nil {
		return err
	}
	return s.signedIn(c, user, sessions.ByPassword, accountForm{}, visitor.From(c).T("reset.done"))
}

func (s *Server) renderReset(c *fiber.Ctx, status int, p resetPage) error {
	p.Page = s.NewPage(c, visitor.From(c).T("reset.title"))
	return s.render(c, status, "pages/reset", &p)
}
