package api

import (
	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

// Forgot asks for a password reset link, as the website's "forgot your
// password?" does: 202 whether or not an account uses the email, after
// the same work either way. Limited per client address (the route) and
// per email.
func (s *Server) Forgot(c *fiber.Ctx) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	email, err := models.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	if err := s.Limits.Attempt("forgot-email", email); err != nil {
		return err
	}
	if err := s.Resets.Request(c.UserContext(), email); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{
		"detail": t(c, "api.forgot.accepted"),
	})
}
