package api

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
)

// account is the signed-in account as the app sees it.
type account struct {
	ID            uint   `json:"id"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Language      string `json:"language"`
	CreatedAt     string `json:"created_at"`
}

func accountJSON(u models.User) account {
	return account{ID: u.ID, Name: u.Name, Email: u.Email, EmailVerified: u.EmailVerified(), Language: string(u.Language),
		CreatedAt: u.CreatedAt.UTC().Format(time.RFC3339)}
}

// fieldError names field with the words of err's InputError (err's own
// field may be another name for it: the password rules say "password").
func fieldError(c *fiber.Ctx, field string, err error) FieldError {
	var ie *models.InputError
	if errors.As(err, &ie) {
		return FieldError{field, visitor.From(c).Say(ie.Message)}
	}
	return FieldError{field, t(c, "api.field.invalid")}
}

// SignUp creates an account from the app, by the website's rules: the
// same checks of the name, email and password, the same link mailed to
// verify the email (the account orders once it is followed), and the
// same limit per client address (the route). The app is signed in to it:
// 201 with a token pair. An email some account has, in any case, is 409.
func (s *Server) SignUp(c *fiber.Ctx) error {
	var in struct {
		Name     string  `json:"name"`
		Email    string  `json:"email"`
		Password string  `json:"password"`
		Language *string `json:"language"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var errs []FieldError
	name, err := models.CheckName(in.Name)
	if err != nil {
		errs = append(errs, fieldError(c, "name", err))
	}
	email, err := models.NormalizeEmail(in.Email)
	if err != nil {
		errs = append(errs, fieldError(c, "email", err))
	}
	if err := models.CheckPassword(in.Password); err != nil {
		errs = append(errs, fieldError(c, "password", err))
	}
	language := visitor.From(c).Lang // the language the app speaks to the shop in
	if in.Language != nil {
		if language, err = models.CheckLanguage(*in.Language); err != nil {
			errs = append(errs, fieldError(c, "language", err))
		}
	}
	if len(errs) > 0 {
		return invalidFields(c, errs...)
	}
	ctx := c.UserContext()
	user, err := s.Verifications.SignUp(ctx, name, email, in.Password, language)
	if errors.Is(err, models.ErrEmailTaken) {
		msg := visitor.From(c).Say(models.Message{Code: models.CodeEmailTaken})
		return &Problem{Status: fiber.StatusConflict, Title: t(c, "api.email_taken.title"), Detail: msg, Errors: []FieldError{{"email", msg}}}
	}
	if err != nil {
		return err
	}
	refresh, err := s.Refresh.Start(ctx, user.ID, deviceLabelOf(c), c.IP())
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	c.Set(fiber.HeaderLocation, "/api/v1/me")
	return s.issuePair(c, user.ID, refresh)
}

// UpdateMe changes the account's name or language, each checked as
// typed text is everywhere; a field left out (or null) stays as it is.
func (s *Server) UpdateMe(c *fiber.Ctx) error {
	var in struct {
		Name     *string `json:"name"`
		Language *string `json:"language"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var errs []FieldError
	var name string
	var language models.Language
	var err error
	if in.Name != nil {
		if name, err = models.CheckName(*in.Name); err != nil {
			errs = append(errs, fieldError(c, "name", err))
		}
	}
	if in.Language != nil {
		if language, err = models.CheckLanguage(*in.Language); err != nil {
			errs = append(errs, fieldError(c, "language", err))
		}
	}
	if len(errs) > 0 {
		return invalidFields(c, errs...)
	}
	u, err := s.Users.SetProfile(c.UserContext(), signedIn(c), name, language)
	if err != nil {
		return err
	}
	return c.JSON(accountJSON(u))
}

// ChangePassword replaces the password, as the website's account page
// does: the current password is asked for (a wrong one is 403, and counts
// against the sign-in limits of the account and address), the new one
// follows the same rules (422), every sign-in of the account ends, the
// app's access tokens included, and the "password changed" email goes
// out. This app is signed in again: 200 with a new token pair.
func (s *Server) ChangePassword(c *fiber.Ctx) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := models.CheckPassword(in.New); err != nil {
		return invalidFields(c, fieldError(c, "new_password", err))
	}
	ctx := c.UserContext()
	user, err := s.Users.ByID(ctx, signedIn(c))
	if err != nil {
		return err
	}
	if ok, err := s.Limits.PasswordGiven(user, in.Current, c.IP()); err != nil {
		return err
	} else if !ok {
		msg := t(c, "api.wrong_password.detail")
		return &Problem{Status: fiber.StatusForbidden, Title: t(c, "api.wrong_password.title"), Detail: msg, Errors: []FieldError{{"current_password", msg}}}
	}
	if err := s.Resets.ChangePassword(ctx, user, in.New); err != nil {
		return err
	}
	if err := s.Sessions.SignOutEverywhere(ctx, user.ID, "", ""); err != nil {
		return err
	}
	refresh, err := s.Refresh.Start(ctx, user.ID, deviceLabelOf(c), c.IP())
	if err != nil {
		return err
	}
	return s.issuePair(c, user.ID, refresh)
}
