package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

// ResendVerification mails the account a new link that verifies its
// email, as the website's "send the link again" does: 202, the same
// answer whether or not the address's hourly limit let one go (see
// models.LinkMailsPerHour). Limited per client address (the route) and
// per account.
func (s *Server) ResendVerification(c *fiber.Ctx) error {
	id := signedIn(c)
	if err := s.Limits.Attempt("verify-account", strconv.FormatUint(uint64(id), 10)); err != nil {
		return err
	}
	user, err := s.Verifications.Resend(c.UserContext(), id)
	if err != nil {
		return err
	}
	detail := tr(c, "api.verification.sent", "Email", user.Email, "Max", models.LinkMailsPerHour)
	if user.EmailVerified() {
		detail = t(c, "api.verification.verified")
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"email_verified": user.EmailVerified(), "detail": detail})
}
