package admin

import (
	"context"
	"errors"
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/handlers/web"
	"crumb/models"
)

type ordersPage struct {
	Page
	Status   string
	Statuses []string
	Orders   models.OrderPage
	web.Pager
}

// OrderList lists every account's orders, newest first, optionally in one
// status.
func (s *Server) OrderList(c *fiber.Ctx) error {
	status := c.Query("status")
	if !slices.Contains(models.Statuses, status) {
		status = ""
	}
	orders, err := s.Orders.List(c.UserContext(), status, pageNumber(c.Query("page")))
	if err != nil {
		return err
	}
	p := &ordersPage{Page: s.page(c, visitor.From(c).T("admin.orders.title"), "orders"), Status: status, Statuses: models.Statuses, Orders: orders,
		Pager: web.NewPager("/admin/orders", url.Values{"status": {status}}, orders.Page, orders.Pages)}
	return s.render(c, fiber.StatusOK, "admin/orders", p)
}

type orderPage struct {
	Page
	Order    models.Order
	Customer models.User
	Moves    []string
	History  []models.AuditEntry
	Error    string
}

// Order shows one order with the moves its status allows.
func (s *Server) Order(c *fiber.Ctx) error {
	return s.renderOrder(c, fiber.StatusOK, "")
}

func (s *Server) renderOrder(c *fiber.Ctx, status int, errMsg string) error {
	ctx := c.UserContext()
	o, err := s.Orders.ByNumber(ctx, c.Params("number"))
	if err != nil {
		return err
	}
	customer, err := s.Users.ByID(ctx, o.UserID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	history, err := s.Audit.List(ctx, "order", o.Number, 1)
	if err != nil {
		return err
	}
	v := visitor.From(c)
	p := &orderPage{Page: s.page(c, v.Tr("admin.order.title", "Number", o.Number), "orders"),
		Order: o.In(v.Lang), Customer: customer, Moves: models.Moves(o.Status), History: history.Items, Error: errMsg}
	p.Path = "/admin/orders/" + url.PathEscape(o.Number) // also after a refused move, whose address is the form's
	return s.render(c, status, "admin/order", p)
}

// SetOrderStatus moves an order on (placed -> paid -> shipped ->
// delivered) or cancels it while placed or paid, putting its items back on
// the shelf. Any other move is refused with a message.
func (s *Server) SetOrderStatus(c *fiber.Ctx) error {
	to := c.FormValue("status")
	var before, after models.Order
	err := s.audited(c, func(ctx context.Context) (models.AuditEntry, error) {
		var err error
		if before, after, err = s.Orders.SetStatus(ctx, c.Params("number"), to, s.Now()); err != nil {
			return models.AuditEntry{}, err
		}
		return models.AuditEntry{Action: "order.status", SubjectType: "order", SubjectID: after.Number, SubjectName: after.Name,
			Before: before.Status, After: after.Status}, nil
	})
	if errors.Is(err, models.ErrIllegalMove) {
		v := visitor.From(c)
		msg := v.T("admin.order.move.unknown")
		if slices.Contains(models.Statuses, to) {
			msg = say(c, models.Message{Code: models.CodeOrderMove, Args: []any{v.T("status." + before.Status), v.T("status." + to)}})
		}
		return s.renderOrder(c, fiber.StatusUnprocessableEntity, msg)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/orders/"+url.PathEscape(after.Number), fiber.StatusSeeOther)
}
