package api

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

// Export is everything Crumb keeps about the signed-in account, the same
// JSON the website's download holds (docs/account-export.schema.json).
func (s *Server) Export(c *fiber.Ctx) error {
	data, err := s.AccountData(c.UserContext(), signedIn(c))
	if err != nil {
		return err
	}
	return c.JSON(data)
}

// DeleteAccount deletes the signed-in account once its password is given
// (see deps.DeleteAccount): 204, and every token of it stops working; 403
// for a wrong password (counted like a failed sign-in), 409 while an order
// is under way, naming the orders.
func (s *Server) DeleteAccount(c *fiber.Ctx) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	user, err := s.Users.ByID(ctx, signedIn(c))
	if err != nil {
		return err
	}
	if ok, err := s.Limits.PasswordGiven(user, in.Password, c.IP()); err != nil {
		return err
	} else if !ok {
		msg := t(c, "api.wrong_password.delete")
		return &Problem{Status: fiber.StatusForbidden, Title: t(c, "api.wrong_password.title"), Detail: msg, Errors: []FieldError{{"password", msg}}}
	}
	err = s.Deps.DeleteAccount(ctx, user, c.IP())
	if open, ok := models.OpenOrders(err); ok {
		return &Problem{Status: fiber.StatusConflict, Title: t(c, "api.open_orders.title"),
			Detail: tr(c, "api.open_orders.detail", "Orders", strings.Join(open, ", "))}
	}
	if errors.Is(err, models.ErrAdminAccount) {
		return &Problem{Status: fiber.StatusConflict, Title: t(c, "api.admin_account.title"), Detail: t(c, "api.admin_account.detail")}
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
