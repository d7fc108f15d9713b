package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
)

// CancelOrder cancels one of the account's orders, as the website's
// "Cancel order" does: only an order that is placed (not yet paid), its
// items back on the shelf in the same transaction, and the cancellation
// emailed. It answers with the order as it is now; an order that can no
// longer be cancelled is 409, anyone else's is 404.
func (s *Server) CancelOrder(c *fiber.Ctx) error {
	ctx, id, number := c.UserContext(), signedIn(c), c.Params("id")
	o, err := s.Orders.Cancel(ctx, id, number, s.Now())
	switch {
	case errors.Is(err, models.ErrNotFound):
		return notFound(c, t(c, "api.order.not_found"))
	case errors.Is(err, models.ErrNotCancellable):
		o, err := s.Orders.ForUser(ctx, id, number)
		if err != nil {
			return err
		}
		return &Problem{Status: fiber.StatusConflict, Title: t(c, "api.cancel.conflict.title"),
			Detail: tr(c, "api.cancel.conflict.detail", "Status", t(c, "status."+o.Status))}
	case err != nil:
		return err
	}
	return c.JSON(orderJSON(o.In(visitor.From(c).Lang)))
}
