package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
)

type ordersPage struct {
	Page
	Orders models.OrderPage
	Pager
}

// OrderList lists the account's orders, newest first.
func (s *Server) OrderList(c *fiber.Ctx) error {
	cur := visitor.From(c).Account
	orders, err := s.Orders.ListForUser(c.UserContext(), cur.UserID, parsePage(c.Query("page")), 10)
	if err != nil {
		return err
	}
	p := &ordersPage{Page: s.NewPage(c, visitor.From(c).T("orders.title")), Orders: orders, Pager: NewPager("/orders", nil, orders.Page, orders.Pages)}
	return s.render(c, fiber.StatusOK, "pages/orders", p)
}

type orderPage struct {
	Page
	Order       models.Order
	Error       string
	BankAccount string // where a bank transfer goes, for the payment instructions
}

// Order shows one of the account's orders; anyone else's is a 404.
func (s *Server) Order(c *fiber.Ctx) error {
	cur := visitor.From(c).Account
	order, err := s.Orders.ForUser(c.UserContext(), cur.UserID, c.Params("number"))
	if err != nil {
		return err
	}
	return s.renderOrder(c, fiber.StatusOK, order, "")
}

func (s *Server) renderOrder(c *fiber.Ctx, status int, order models.Order, errMsg string) error {
	v := visitor.From(c)
	title := v.Tr("order.title", "Number", order.Number)
	return s.render(c, status, "pages/order", &orderPage{Page: s.NewPage(c, title), Order: order.In(v.Lang), Error: errMsg, BankAccount: models.BankAccount})
}

// CancelOrder cancels a placed order and puts its items back on the shelf.
func (s *Server) CancelOrder(c *fiber.Ctx) error {
	cur := visitor.From(c).Account
	ctx := c.UserContext()
	_, err := s.Orders.Cancel(ctx, cur.UserID, c.Params("number"), s.Now())
	if errors.Is(err, models.ErrNotCancellable) {
		order, lerr := s.Orders.ForUser(ctx, cur.UserID, c.Params("number"))
		if lerr != nil {
			return lerr
		}
		v := visitor.From(c)
		return s.renderOrder(c, fiber.StatusConflict, order, v.Tr("order.not_cancellable", "Status", v.T("status."+order.Status)))
	}
	if err != nil {
		return err
	}
	return c.Redirect("/orders/"+c.Params("number"), fiber.StatusSeeOther)
}
