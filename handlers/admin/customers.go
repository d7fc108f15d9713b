package admin

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/handlers/web"
	"crumb/models"
)

type customersPage struct {
	Page
	Query     string
	Customers models.UserPage
	web.Pager
}

// Customers lists the accounts, newest first, searched by email or name.
func (s *Server) Customers(c *fiber.Ctx) error {
	q := models.CleanQuery(c.Query("q"))
	found, err := s.Users.Search(c.UserContext(), q, pageNumber(c.Query("page")))
	if err != nil {
		return err
	}
	p := &customersPage{Page: s.page(c, visitor.From(c).T("admin.customers.title"), "customers"), Query: q, Customers: found,
		Pager: web.NewPager("/admin/customers", url.Values{"q": {q}}, found.Page, found.Pages)}
	return s.render(c, fiber.StatusOK, "admin/customers", p)
}

type customerPage struct {
	Page
	Customer models.User
	Orders   models.OrderPage
	Sessions []models.WebSession
	Devices  []models.RememberToken
	Apps     []models.RefreshFamily
	Events   []securityEvent
	Notice   string
	Error    string
}

// securityEvent is a stolen token presented again, with the words for
// what was stolen.
type securityEvent struct {
	models.SecurityEvent
	What string
}

// thefts are the message ids of the kinds of stolen token.
var thefts = map[string]string{
	models.TheftRemember: "admin.customer.theft.remember",
	models.TheftRefresh:  "admin.customer.theft.refresh",
}

// Customer shows an account: its orders, signed-in browsers, remembered
// devices and app sign-ins, each of which can be ended.
func (s *Server) Customer(c *fiber.Ctx) error {
	notice := ""
	if id, ok := notices[c.Query("done")]; ok {
		notice = visitor.From(c).T(id)
	}
	return s.renderCustomer(c, fiber.StatusOK, notice, "")
}

// notices are the message ids of what a customer's page says after an
// action, by the key the action sends it with.
var notices = map[string]string{
	"revoked":    "admin.customer.done.revoked",
	"revoke-all": "admin.customer.done.revoke_all",
	"disabled":   "admin.customer.done.disabled",
	"enabled":    "admin.customer.done.enabled",
}

func (s *Server) renderCustomer(c *fiber.Ctx, status int, notice, errMsg string) error {
	u, err := s.customer(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := &customerPage{Page: s.page(c, u.Name, "customers"), Customer: u, Notice: notice, Error: errMsg}
	p.Path = "/admin/customers/" + idOf(u) // also after an action refused, whose address is the form's
	if p.Orders, err = s.Orders.ListForUser(ctx, u.ID, 1, 10); err != nil {
		return err
	}
	if p.Sessions, err = s.Sessions.Sessions(ctx, u.ID); err != nil {
		return err
	}
	if p.Devices, err = s.Sessions.Devices(ctx, u.ID); err != nil {
		return err
	}
	if p.Apps, err = s.Refresh.Families(ctx, u.ID); err != nil {
		return err
	}
	events, err := s.Users.SecurityEvents(ctx, u.ID, 10)
	if err != nil {
		return err
	}
	for _, e := range events {
		what := e.Kind
		if id, ok := thefts[e.Kind]; ok {
			what = visitor.From(c).T(id)
		}
		p.Events = append(p.Events, securityEvent{SecurityEvent: e, What: what})
	}
	return s.render(c, status, "admin/customer", p)
}

func (s *Server) customer(c *fiber.Ctx) (models.User, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return models.User{}, err
	}
	return s.Users.ByID(c.UserContext(), id)
}

// RevokeOne ends one of the customer's sessions ("session", by its id),
// remembered devices ("device") or app sign-ins ("app").
func (s *Server) RevokeOne(c *fiber.Ctx) error {
	u, err := s.customer(c)
	if err != nil {
		return err
	}
	kind, id := c.FormValue("kind"), c.FormValue("id")
	if kind != "session" && kind != "device" && kind != "app" {
		return s.renderCustomer(c, fiber.StatusUnprocessableEntity, "", visitor.From(c).T("admin.customer.error.kind"))
	}
	var ended bool
	err = s.audited(c, func(ctx context.Context) (models.AuditEntry, error) {
		var err error
		switch n, perr := strconv.ParseUint(id, 10, 32); {
		case kind == "session":
			ended, err = s.Sessions.RevokeSession(ctx, u.ID, id)
		case perr != nil:
		case kind == "device":
			ended, err = s.Sessions.RevokeDevice(ctx, u.ID, uint(n))
		default:
			ended, err = s.Refresh.RevokeFamily(ctx, u.ID, uint(n))
		}
		if err != nil || !ended {
			return models.AuditEntry{}, err
		}
		return customerEntry(u, "customer.revoke", kind, "ended"), nil
	})
	if err != nil {
		return err
	}
	if !ended {
		return s.renderCustomer(c, fiber.StatusUnprocessableEntity, "", visitor.From(c).T("admin.customer.error.ended"))
	}
	return s.afterCustomer(c, u, "revoked")
}

// RevokeAll ends every session, remembered device and app sign-in of the
// customer.
func (s *Server) RevokeAll(c *fiber.Ctx) error {
	u, err := s.customer(c)
	if err != nil {
		return err
	}
	err = s.audited(c, func(ctx context.Context) (models.AuditEntry, error) {
		if err := s.Sessions.SignOutEverywhere(ctx, u.ID, "", ""); err != nil {
			return models.AuditEntry{}, err
		}
		return customerEntry(u, "customer.revoke_all", "", "signed out everywhere"), nil
	})
	if err != nil {
		return err
	}
	return s.afterCustomer(c, u, "revoke-all")
}

// Disable stops the account from signing in anywhere and ends everything
// it holds, its password reset links included, at once. An admin cannot
// disable their own account.
func (s *Server) Disable(c *fiber.Ctx) error {
	u, err := s.customer(c)
	if err != nil {
		return err
	}
	if u.ID == admin(c).ID {
		return s.renderCustomer(c, fiber.StatusUnprocessableEntity, "", visitor.From(c).T("admin.customer.error.self"))
	}
	now := s.Now()
	err = s.audited(c, func(ctx context.Context) (models.AuditEntry, error) {
		changed, err := s.Users.SetDisabled(ctx, u.ID, &now)
		if err != nil {
			return models.AuditEntry{}, err
		}
		if err := s.Resets.EndFor(ctx, u); err != nil {
			return models.AuditEntry{}, err
		}
		if err := s.Sessions.SignOutEverywhere(ctx, u.ID, "", ""); err != nil || !changed {
			return models.AuditEntry{}, err
		}
		return customerEntry(u, "customer.disable", "enabled", "disabled"), nil
	})
	if err != nil {
		return err
	}
	return s.afterCustomer(c, u, "disabled")
}

// Enable lets a disabled account sign in again.
func (s *Server) Enable(c *fiber.Ctx) error {
	u, err := s.customer(c)
	if err != nil {
		return err
	}
	err = s.audited(c, func(ctx context.Context) (models.AuditEntry, error) {
		changed, err := s.Users.SetDisabled(ctx, u.ID, nil)
		if err != nil || !changed {
			return models.AuditEntry{}, err
		}
		return customerEntry(u, "customer.enable", "disabled", "enabled"), nil
	})
	if err != nil {
		return err
	}
	return s.afterCustomer(c, u, "enabled")
}

// customerEntry is the audit entry of an action on the account u.
func customerEntry(u models.User, action, before, after string) models.AuditEntry {
	return models.AuditEntry{Action: action, SubjectType: "customer", SubjectID: idOf(u), SubjectName: u.Email, Before: before, After: after}
}

func (s *Server) afterCustomer(c *fiber.Ctx, u models.User, done string) error {
	return c.Redirect(fmt.Sprintf("/admin/customers/%d?done=%s", u.ID, done), fiber.StatusSeeOther)
}

func idOf(u models.User) string { return strconv.FormatUint(uint64(u.ID), 10) }
