package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
	"crumb/sessions"
)

type accountPage struct {
	Page
	Account      models.User
	RecentOrders []models.Order
	Errors       map[string]string
	Notice       string
}

// Account shows the profile, recent orders and the forms to change the
// email and the password.
func (s *Server) Account(c *fiber.Ctx) error {
	return s.renderAccount(c, fiber.StatusOK, nil, "")
}

func (s *Server) renderAccount(c *fiber.Ctx, status int, errs map[string]string, notice string) error {
	cur := visitor.From(c).Account
	user, err := s.Users.ByID(c.UserContext(), cur.UserID)
	if err != nil {
		return err
	}
	recent, err := s.Orders.ListForUser(c.UserContext(), cur.UserID, 1, 5)
	if err != nil {
		return err
	}
	return s.render(c, status, "pages/account", &accountPage{
		Page: s.NewPage(c, visitor.From(c).T("account.title")), Account: user, RecentOrders: recent.Items, Errors: errs, Notice: notice,
	})
}

// ChangePassword always asks for the current password (the form's
// password field); afterwards every other session, remembered device and
// app sign-in of the account is signed out.
func (s *Server) ChangePassword(c *fiber.Ctx) error {
	cur, user, err := s.currentUser(c)
	if err != nil {
		return err
	}
	v := visitor.From(c)
	errs := map[string]string{}
	if !models.PasswordMatches(user.PasswordHash, c.FormValue("password")) {
		errs["current_password"] = v.T("account.password.wrong")
	}
	newPassword := c.FormValue("new_password")
	var rule *models.InputError
	if errors.As(models.CheckPassword(newPassword), &rule) {
		errs["new_password"] = v.Say(rule.Message)
	}
	if len(errs) > 0 {
		return s.renderAccount(c, fiber.StatusUnprocessableEntity, errs, "")
	}
	ctx := c.UserContext()
	if err := s.Users.SetPassword(ctx, user.ID, newPassword); err != nil {
		return err
	}
	if err := s.Sessions.SignOutEverywhere(ctx, user.ID, cur.KeyHash, v.DeviceSelector()); err != nil {
		return err
	}
	return s.renderAccount(c, fiber.StatusOK, nil, v.T("account.password.changed"))
}

// ChangeEmail asks for the password when the session was resumed from a
// remember-me cookie (or a mailed link) rather than signed in just now.
// The new address is not verified: a link to it is mailed, and the
// account orders again once it is followed.
func (s *Server) ChangeEmail(c *fiber.Ctx) error {
	cur, user, err := s.currentUser(c)
	if err != nil {
		return err
	}
	v := visitor.From(c)
	errs := map[string]string{}
	if !confirmed(cur, user, c.FormValue("password")) {
		errs["password"] = v.T("auth.password.confirm")
	}
	email, err := models.NormalizeEmail(c.FormValue("email"))
	addFieldError(c, errs, err)
	if len(errs) > 0 {
		return s.renderAccount(c, fiber.StatusUnprocessableEntity, errs, "")
	}
	changed, err := s.Verifications.ChangeEmail(c.UserContext(), user.ID, email)
	if errors.Is(err, models.ErrEmailTaken) {
		return s.renderAccount(c, fiber.StatusUnprocessableEntity, map[string]string{"email": v.T("account.email.taken")}, "")
	}
	if err != nil {
		return err
	}
	if !changed {
		return s.renderAccount(c, fiber.StatusOK, nil, v.Tr("account.email.same", "Email", email))
	}
	return s.renderAccount(c, fiber.StatusOK, nil, v.Tr("account.email.changed", "Email", email))
}

// currentUser is who is signed in, with the account as stored now.
func (s *Server) currentUser(c *fiber.Ctx) (*sessions.Current, models.User, error) {
	cur := visitor.From(c).Account
	user, err := s.Users.ByID(c.UserContext(), cur.UserID)
	return cur, user, err
}

// confirmed reports whether a sensitive change may go ahead: a fresh
// session may; a session resumed from a remember-me cookie must give the
// password again.
func confirmed(cur *sessions.Current, user models.User, password string) bool {
	return cur.Fresh || models.PasswordMatches(user.PasswordHash, password)
}
