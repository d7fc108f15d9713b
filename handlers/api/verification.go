package api

import (
	"fmt"
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
	detail := fmt.Sprintf("A new link is on its way to %s. It works once, for 24 hours; at most %d such emails go to one address in an hour.", user.Email, models.LinkMailsPerHour)
	if user.EmailVerified() {
		detail = "The email address is verified already: there is nothing to do."
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"email_verified": user.EmailVerified(), "detail": detail})
}
