package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"crumb/models"
	"crumb/sessions"
)

// account shows the profile and the forms to change email and password.
func (s *Server) account(c *fiber.Ctx) error {
	return s.renderAccount(c, fiber.StatusOK, nil, "")
}

func (s *Server) renderAccount(c *fiber.Ctx, status int, errs map[string]string, notice string) error {
	cur := s.current(c)
	user, err := models.UserByID(c.UserContext(), s.DB, cur.UserID)
	if err != nil {
		return err
	}
	recent, err := models.UserOrders(c.UserContext(), s.DB, cur.UserID, 1, 5)
	if err != nil {
		return err
	}
	data := s.baseView(c, "Your account")
	data["Account"] = user
	data["RecentOrders"] = recent.Items
	data["Errors"] = errs
	data["Notice"] = notice
	return c.Status(status).Render("pages/account", data)
}

// changePassword always asks for the current password (the form's
// password field); afterwards every other session, remembered device and
// app sign-in of the account is signed out.
func (s *Server) changePassword(c *fiber.Ctx) error {
	cur, user, err := s.currentUser(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	errs := map[string]string{}
	if !models.PasswordMatches(user.PasswordHash, c.FormValue("password")) {
		errs["current_password"] = "Your current password is wrong."
	}
	newPassword := c.FormValue("new_password")
	if err := models.CheckPassword(newPassword); err != nil {
		errs["new_password"] = err.(*models.InputError).Message
	}
	if len(errs) > 0 {
		return s.renderAccount(c, fiber.StatusUnprocessableEntity, errs, "")
	}
	if err := s.DB.WithContext(ctx).Model(&user).Update("password_hash", models.HashPassword(newPassword, s.Passwords)).Error; err != nil {
		return err
	}
	if err := s.Sessions.SignOutEverywhere(ctx, user.ID, cur.KeyHash, s.Sessions.RememberSelector(c)); err != nil {
		return err
	}
	return s.renderAccount(c, fiber.StatusOK, nil, "Your password is changed, and every other device and app is signed out.")
}

// changeEmail asks for the password when the session was resumed from a
// remember-me cookie rather than signed in just now.
func (s *Server) changeEmail(c *fiber.Ctx) error {
	cur, user, err := s.currentUser(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	errs := map[string]string{}
	if !confirmed(cur, user, c.FormValue("password")) {
		errs["password"] = "Enter your password to confirm it's you."
	}
	email, err := models.NormalizeEmail(c.FormValue("email"))
	addFieldError(errs, err)
	if len(errs) > 0 {
		return s.renderAccount(c, fiber.StatusUnprocessableEntity, errs, "")
	}
	err = s.DB.WithContext(ctx).Model(&user).Update("email", email).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return s.renderAccount(c, fiber.StatusUnprocessableEntity, map[string]string{"email": "Another account uses that email."}, "")
	}
	if err != nil {
		return err
	}
	return s.renderAccount(c, fiber.StatusOK, nil, "Your email is now "+email+".")
}

// currentUser is who is signed in, with the account as stored now.
func (s *Server) currentUser(c *fiber.Ctx) (*sessions.Current, models.User, error) {
	cur := s.current(c)
	user, err := models.UserByID(c.UserContext(), s.DB, cur.UserID)
	return cur, user, err
}

// confirmed reports whether a sensitive change may go ahead: a fresh
// session may; a session resumed from a remember-me cookie must give the
// password again.
func confirmed(cur *sessions.Current, user models.User, password string) bool {
	return cur.Fresh || models.PasswordMatches(user.PasswordHash, password)
}

// security lists the account's sessions and remembered devices.
func (s *Server) security(c *fiber.Ctx) error {
	return s.renderSecurity(c, fiber.StatusOK, "", "")
}

func (s *Server) renderSecurity(c *fiber.Ctx, status int, errMsg, notice string) error {
	cur := s.current(c)
	ctx := c.UserContext()
	now := s.Now()
	webSessions, err := models.UserWebSessions(ctx, s.DB, cur.UserID, now)
	if err != nil {
		return err
	}
	devices, err := models.UserRememberTokens(ctx, s.DB, cur.UserID, now)
	if err != nil {
		return err
	}
	apps, err := s.Refresh.Families(ctx, cur.UserID)
	if err != nil {
		return err
	}
	events, err := models.UserSecurityEvents(ctx, s.DB, cur.UserID, 10)
	if err != nil {
		return err
	}
	data := s.baseView(c, "Devices and sessions")
	data["Apps"] = apps
	data["Sessions"] = webSessions
	data["Devices"] = devices
	data["Events"] = events
	data["CurrentKey"] = cur.KeyHash
	data["CurrentSelector"] = s.Sessions.RememberSelector(c)
	data["Fresh"] = cur.Fresh
	data["Error"] = errMsg
	data["Notice"] = notice
	return c.Status(status).Render("pages/security", data)
}

// revoke ends one session ("session", by its id on the page), forgets one
// remembered device ("device") or ends one sign-in of the app ("app").
func (s *Server) revoke(c *fiber.Ctx) error {
	cur := s.current(c)
	id := c.FormValue("id")
	var ok bool
	var err error
	switch c.FormValue("kind") {
	case "session":
		ok, err = s.Sessions.RevokeSession(c.UserContext(), cur.UserID, id)
	case "device", "app":
		n, perr := strconv.ParseUint(id, 10, 32)
		switch {
		case perr != nil:
		case c.FormValue("kind") == "device":
			ok, err = s.Sessions.RevokeDevice(c, cur.UserID, uint(n))
		default:
			ok, err = s.Refresh.RevokeFamily(c.UserContext(), cur.UserID, uint(n))
		}
	default:
		return s.renderSecurity(c, fiber.StatusUnprocessableEntity, "Choose a session or a device to sign out.", "")
	}
	if err != nil {
		return err
	}
	if !ok {
		return s.renderSecurity(c, fiber.StatusUnprocessableEntity, "That session or device is already signed out.", "")
	}
	return c.Redirect("/account/security", fiber.StatusSeeOther)
}

// revokeAll signs out every other session and device; a remembered
// session must confirm with the password.
func (s *Server) revokeAll(c *fiber.Ctx) error {
	cur, user, err := s.currentUser(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if !confirmed(cur, user, c.FormValue("password")) {
		return s.renderSecurity(c, fiber.StatusUnprocessableEntity, "Enter your password to confirm it's you.", "")
	}
	if err := s.Sessions.SignOutEverywhere(ctx, cur.UserID, cur.KeyHash, s.Sessions.RememberSelector(c)); err != nil {
		return err
	}
	return s.renderSecurity(c, fiber.StatusOK, "", "Every other session, device and app is signed out.")
}
