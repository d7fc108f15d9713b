package cookies

import (
	"net/mail"

	"github.com/gofiber/fiber/v2"
)

// RememberEmail keeps the sign-in email in this browser for a year.
func (j *Jar) RememberEmail(c *fiber.Ctx, email string) error {
	return j.Write(c, Email, []byte(email), j.now().Add(Email.Spec().MaxAge))
}

// RememberedEmail is the email this browser remembers, or "".
func (j *Jar) RememberedEmail(c *fiber.Ctx) string {
	plain, ok := j.Read(c, Email)
	if !ok {
		return ""
	}
	if _, err := mail.ParseAddress(string(plain)); err != nil {
		j.Reject(c, Email, "not an email address")
		return ""
	}
	return string(plain)
}

// ForgetEmail drops the remembered email.
func (j *Jar) ForgetEmail(c *fiber.Ctx) { j.Clear(c, Email) }
