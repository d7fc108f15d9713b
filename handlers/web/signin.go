package web

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
	"crumb/sessions"
)

// accountForm is what the sign-in and sign-up forms send, kept to show
// again (never the password) with the errors to fix.
type accountForm struct {
	Name, Email, Next         string
	RememberMe, RememberEmail bool
	Errors                    map[string]string
}

func readAccountForm(c *fiber.Ctx) accountForm {
	return accountForm{
		Name:          strings.TrimSpace(c.FormValue("name")),
		Email:         strings.TrimSpace(c.FormValue("email")),
		Next:          safeNext(c.FormValue("next")),
		RememberMe:    c.FormValue("remember_me") != "",
		RememberEmail: c.FormValue("remember_email") != "",
		Errors:        map[string]string{},
	}
}

// safeNext keeps only local paths ("/account"), so a sign-in link cannot
// send the shopper to another site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

type accountFormPage struct {
	Page
	Form accountForm
}

// renderAccountForm shows the sign-in or sign-up form; title names the
// page's message.
func (s *Server) renderAccountForm(c *fiber.Ctx, name, title string, form accountForm, status int) error {
	private(c)
	return s.render(c, status, name, &accountFormPage{Page: s.NewPage(c, visitor.From(c).T(title)), Form: form})
}

// SignupForm shows the sign-up form.
func (s *Server) SignupForm(c *fiber.Ctx) error {
	if visitor.From(c).Account != nil {
		return c.Redirect("/account", fiber.StatusSeeOther)
	}
	return s.renderAccountForm(c, "pages/signup", "signup.title", accountForm{Next: safeNext(c.Query("next"))}, fiber.StatusOK)
}

// Signup creates an account, mails it the link that verifies its email,
// signs it in and merges the guest cart. It may browse and fill its cart
// at once; it orders once the email is verified.
func (s *Server) Signup(c *fiber.Ctx) error {
	form := readAccountForm(c)
	name, err := models.CheckName(form.Name)
	addFieldError(c, form.Errors, err)
	email, err := models.NormalizeEmail(form.Email)
	addFieldError(c, form.Errors, err)
	password := c.FormValue("password")
	addFieldError(c, form.Errors, models.CheckPassword(password))
	if len(form.Errors) > 0 {
		return s.renderAccountForm(c, "pages/signup", "signup.title", form, fiber.StatusUnprocessableEntity)
	}
	user, err := s.Verifications.SignUp(c.UserContext(), name, email, password, visitor.From(c).Lang)
	if errors.Is(err, models.ErrEmailTaken) {
		form.Errors["email"] = visitor.From(c).Say(models.Message{Code: models.CodeEmailTaken})
		return s.renderAccountForm(c, "pages/signup", "signup.title", form, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return s.signedIn(c, user, sessions.ByPassword, form)
}

// LoginForm shows the sign-in form, with the remembered email filled in.
func (s *Server) LoginForm(c *fiber.Ctx) error {
	next := safeNext(c.Query("next"))
	if visitor.From(c).Account != nil {
		return c.Redirect(orDefault(next, "/account"), fiber.StatusSeeOther)
	}
	email := visitor.From(c).RememberedEmail
	return s.renderAccountForm(c, "pages/login", "auth.signin", accountForm{Email: email, RememberEmail: email != "", Next: next}, fiber.StatusOK)
}

// Login checks the email and password. A failure says only that one of
// them is wrong, and costs the same time whether or not the email exists.
func (s *Server) Login(c *fiber.Ctx) error {
	form := readAccountForm(c)
	email, err := models.NormalizeEmail(form.Email)
	if err != nil {
		addFieldError(c, form.Errors, err)
		return s.renderAccountForm(c, "pages/login", "auth.signin", form, fiber.StatusUnprocessableEntity)
	}
	if err := s.Limits.SignInAllowed(email, c.IP()); err != nil {
		return err
	}
	user, err := s.Users.Authenticate(c.UserContext(), email, c.FormValue("password"))
	if errors.Is(err, models.ErrDisabled) {
		form.Errors["password"] = visitor.From(c).T("login.disabled")
		return s.renderAccountForm(c, "pages/login", "auth.signin", form, fiber.StatusForbidden)
	}
	if errors.Is(err, models.ErrNotFound) {
		s.Metrics.SignIn("web", false)
		if err := s.Limits.SignInFailed(email, c.IP()); err != nil {
			return err
		}
		form.Errors["password"] = visitor.From(c).T("login.wrong")
		return s.renderAccountForm(c, "pages/login", "auth.signin", form, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	s.Metrics.SignIn("web", true)
	if form.RememberEmail {
		if err := visitor.From(c).RememberEmail(user.Email); err != nil {
			return err
		}
	} else {
		visitor.From(c).ForgetEmail()
	}
	return s.signedIn(c, user, sessions.ByPassword, form)
}

// signedIn finishes every sign-in (the password, sign-up, a new password,
// a followed verification link; by says which): a new session, the guest
// cart merged into the account's, "keep me signed in" if asked, then on
// to next. After the password, pending password reset links end (it is
// known); a mailed link makes a session that is not fresh, so what asks
// for the password still asks. A disabled account is never signed in:
// Sessions.SignIn admits the account, or answers models.ErrDisabled. The
// next page shows notes once, with a warning if a stolen token was used
// since the last visit and what the cart merge added.
func (s *Server) signedIn(c *fiber.Ctx, user models.User, by sessions.Proof, form accountForm, notes ...string) error {
	ctx, v := c.UserContext(), visitor.From(c)
	if by == sessions.ByPassword {
		if err := s.Resets.EndFor(ctx, user); err != nil {
			return err
		}
	}
	guest, err := v.GuestLines(ctx)
	if err != nil {
		return err
	}
	added, err := s.Carts.User(user.ID).Merge(ctx, guest)
	if err != nil {
		return err
	}
	if err := v.ForgetCart(ctx); err != nil {
		return err
	}
	theft, err := s.Users.TakeTheftWarning(ctx, user.ID)
	if err != nil {
		return err
	}
	if theft {
		notes = append(notes, v.T("login.theft"))
	}
	if added > 0 {
		notes = append(notes, v.Tr("login.merged", "Count", added))
	}
	if err := v.SignIn(ctx, user, by, strings.Join(notes, "\n")); err != nil {
		return err
	}
	if form.RememberMe {
		if err := v.Remember(ctx); err != nil {
			return err
		}
	}
	return c.Redirect(orDefault(form.Next, "/account"), fiber.StatusSeeOther)
}

// ForgetEmail is the sign-in page's "Not you?": it drops the remembered email.
func (s *Server) ForgetEmail(c *fiber.Ctx) error {
	visitor.From(c).ForgetEmail()
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// Logout ends the session and this device's remember-me token; the device
// keeps no cart, and the browser is told to drop cached personal pages.
func (s *Server) Logout(c *fiber.Ctx) error {
	v := visitor.From(c)
	if err := v.SignOut(c.UserContext()); err != nil {
		return err
	}
	if err := v.ForgetCart(c.UserContext()); err != nil {
		return err
	}
	c.Set("Clear-Site-Data", `"cache", "storage"`)
	return c.Redirect("/", fiber.StatusSeeOther)
}

// addFieldError puts an InputError's words under its field.
func addFieldError(c *fiber.Ctx, errs map[string]string, err error) {
	var ie *models.InputError
	if errors.As(err, &ie) {
		errs[ie.Field] = visitor.From(c).Say(ie.Message)
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
