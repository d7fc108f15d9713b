package handlers

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
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

func (s *Server) renderAccountForm(c *fiber.Ctx, page, title string, form accountForm, status int) error {
	private(c)
	data := s.baseView(c, title)
	data["Form"] = form
	return c.Status(status).Render(page, data)
}

// signupForm shows the sign-up form.
func (s *Server) signupForm(c *fiber.Ctx) error {
	if s.current(c) != nil {
		return c.Redirect("/account", fiber.StatusSeeOther)
	}
	return s.renderAccountForm(c, "pages/signup", "Create your account", accountForm{Next: safeNext(c.Query("next"))}, fiber.StatusOK)
}

// signup creates an account, signs it in and merges the guest cart.
func (s *Server) signup(c *fiber.Ctx) error {
	form := readAccountForm(c)
	name, err := models.CheckName(form.Name)
	addFieldError(form.Errors, err)
	email, err := models.NormalizeEmail(form.Email)
	addFieldError(form.Errors, err)
	password := c.FormValue("password")
	addFieldError(form.Errors, models.CheckPassword(password))
	if len(form.Errors) > 0 {
		return s.renderAccountForm(c, "pages/signup", "Create your account", form, fiber.StatusUnprocessableEntity)
	}
	user, err := models.CreateUser(c.UserContext(), s.DB, name, email, password, s.Passwords)
	if errors.Is(err, models.ErrEmailTaken) {
		form.Errors["email"] = "An account with this email already exists. Sign in instead."
		return s.renderAccountForm(c, "pages/signup", "Create your account", form, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return s.signedIn(c, user, form)
}

// loginForm shows the sign-in form, with the remembered email filled in.
func (s *Server) loginForm(c *fiber.Ctx) error {
	next := safeNext(c.Query("next"))
	if s.current(c) != nil {
		return c.Redirect(defaultString(next, "/account"), fiber.StatusSeeOther)
	}
	email := s.Jar.RememberedEmail(c)
	return s.renderAccountForm(c, "pages/login", "Sign in", accountForm{Email: email, RememberEmail: email != "", Next: next}, fiber.StatusOK)
}

// login checks the email and password. A failure says only that one of
// them is wrong, and costs the same time whether or not the email exists.
func (s *Server) login(c *fiber.Ctx) error {
	form := readAccountForm(c)
	email, err := models.NormalizeEmail(form.Email)
	if err != nil {
		addFieldError(form.Errors, err)
		return s.renderAccountForm(c, "pages/login", "Sign in", form, fiber.StatusUnprocessableEntity)
	}
	if err := s.signInAllowed(c, email); err != nil {
		return err
	}
	user, err := models.Authenticate(c.UserContext(), s.DB, email, c.FormValue("password"))
	if errors.Is(err, models.ErrNotFound) {
		if err := s.Limits.SignInFailed(email, c.IP()); err != nil {
			return err
		}
		form.Errors["password"] = "The email or password is wrong. Check them and try again."
		return s.renderAccountForm(c, "pages/login", "Sign in", form, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	if form.RememberEmail {
		if err := s.Jar.RememberEmail(c, user.Email); err != nil {
			return err
		}
	} else {
		s.Jar.ForgetEmail(c)
	}
	return s.signedIn(c, user, form)
}

// signedIn finishes a sign-in or sign-up: a new session, the guest cart
// merged into the account's, "keep me signed in" if asked, a warning if a
// stolen cookie was used since the last visit, then on to next.
func (s *Server) signedIn(c *fiber.Ctx, user models.User, form accountForm) error {
	ctx := c.UserContext()
	guest, err := s.GuestCarts.Load(c)
	if err != nil {
		return err
	}
	added, err := models.MergeIntoUserCart(ctx, s.DB, user.ID, guest.Lines)
	if err != nil {
		return err
	}
	if err := s.GuestCarts.Forget(c); err != nil {
		return err
	}
	var notes []string
	if user.TheftDetectedAt != nil {
		notes = append(notes, "Someone used a copy of your \"keep me signed in\" cookie, so we signed you out everywhere. Check your devices and sessions.")
		if err := s.DB.WithContext(ctx).Model(&user).Update("theft_detected_at", nil).Error; err != nil {
			return err
		}
	}
	if added > 0 {
		notes = append(notes, fmt.Sprintf("%d %s from your earlier visit %s added to your cart.", added, plural(added, "item", "items"), plural(added, "was", "were")))
	}
	if _, err := s.Sessions.SignIn(c, user, true, strings.Join(notes, "\n")); err != nil {
		return err
	}
	if form.RememberMe {
		if err := s.Sessions.Remember(c, user.ID); err != nil {
			return err
		}
	}
	return c.Redirect(defaultString(form.Next, "/account"), fiber.StatusSeeOther)
}

// forgetEmail is the sign-in page's "Not you?": it drops the remembered email.
func (s *Server) forgetEmail(c *fiber.Ctx) error {
	s.Jar.ForgetEmail(c)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// logout ends the session and this device's remember-me token; the device
// keeps no cart, and the browser is told to drop cached personal pages.
func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.Sessions.SignOut(c); err != nil {
		return err
	}
	if err := s.GuestCarts.Forget(c); err != nil {
		return err
	}
	c.Set("Clear-Site-Data", `"cache", "storage"`)
	return c.Redirect("/", fiber.StatusSeeOther)
}

func addFieldError(errs map[string]string, err error) {
	var ie *models.InputError
	if errors.As(err, &ie) {
		errs[ie.Field] = ie.Message
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
