package admin

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
)

// LowStock is the stock under which the dashboard lists a product.
const LowStock = 5

type dashboardPage struct {
	Page
	Day      time.Time
	Summary  models.DaySummary
	Total    models.Money
	LowStock []models.Product
	Steps    []step
}

// step is a status with orders waiting for the next one.
type step struct {
	Status, Next string
	Orders       int
}

// Dashboard is today at a glance: orders placed today and their total,
// the orders waiting for each next step, and products low on stock.
func (s *Server) Dashboard(c *fiber.Ctx) error {
	ctx := c.UserContext()
	now := s.Now().In(s.Config.StoreTimezone)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	summary, err := s.Orders.Summary(ctx, start, start.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	low, err := s.Catalog.LowStock(ctx, LowStock)
	if err != nil {
		return err
	}
	v := visitor.From(c)
	p := &dashboardPage{Page: s.page(c, v.T("admin.today.title"), "today"), Day: start, Summary: summary, LowStock: models.InAll(low, v.Lang),
		Total: models.Money{Amount: summary.Total, Currency: s.Config.Currency}}
	for _, status := range []string{models.StatusPlaced, models.StatusPaid, models.StatusShipped} {
		p.Steps = append(p.Steps, step{Status: status, Next: models.Moves(status)[0], Orders: summary.Waiting[status]})
	}
	return s.render(c, fiber.StatusOK, "admin/dashboard", p)
}
