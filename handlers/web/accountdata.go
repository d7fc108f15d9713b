package web

import (
	"encoding/json"
	"errors"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
)

type accountDataPage struct {
	Page
	Data      models.AccountData
	KeptYears int
	AskProof  bool // the export needs the password first
	Errors    map[string]string
	Error     string
	Open      []string // the orders under way that keep the account from being deleted
}

// MyData shows everything Crumb keeps about the account, with the
// download of a copy and the deletion of the account.
func (s *Server) MyData(c *fiber.Ctx) error {
	return s.renderAccountData(c, fiber.StatusOK, &accountDataPage{})
}

func (s *Server) renderAccountData(c *fiber.Ctx, status int, p *accountDataPage) error {
	private(c)
	v := visitor.From(c)
	data, err := s.Deps.AccountData(c.UserContext(), v.Account.UserID)
	if err != nil {
		return err
	}
	p.Page, p.Data, p.KeptYears = s.NewPage(c, v.T("data.title")), data, s.Accounts.KeptYears()
	p.AskProof = p.AskProof || !v.Account.ProvedRecently(s.Now())
	return s.render(c, status, "pages/account-data", p)
}

// ExportMyData sends the account's data as a JSON attachment
// (AccountExport in handlers/api/openapi.json), once the password was
// given in the last sessions.StepUpFor; otherwise the data page asks for
// it first.
func (s *Server) ExportMyData(c *fiber.Ctx) error {
	if !visitor.From(c).Account.ProvedRecently(s.Now()) {
		return s.renderAccountData(c, fiber.StatusUnauthorized, &accountDataPage{AskProof: true})
	}
	data, err := s.Deps.AccountData(c.UserContext(), visitor.From(c).Account.UserID)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="crumb-data-`+data.ExportedAt.In(s.Config.StoreTimezone).Format("2006-01-02")+`.json"`)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(body)
}

// ProveForExport checks the password (limited like signing in) and
// leads on to the download.
func (s *Server) ProveForExport(c *fiber.Ctx) error {
	_, user, err := s.currentUser(c)
	if err != nil {
		return err
	}
	v := visitor.From(c)
	if ok, err := s.Limits.PasswordGiven(user, c.FormValue("password"), c.IP()); err != nil {
		return err
	} else if !ok {
		return s.renderAccountData(c, fiber.StatusUnprocessableEntity,
			&accountDataPage{AskProof: true, Errors: map[string]string{"export": v.T("data.export.wrong")}})
	}
	if err := v.ProvePassword(c.UserContext(), user); err != nil {
		return err
	}
	return c.Redirect("/account/data/export", fiber.StatusSeeOther)
}

// DeleteMyAccount deletes the account once its password is given (see
// deps.DeleteAccount), signs this browser out and says goodbye. While an
// order is under way it is refused, naming the orders.
func (s *Server) DeleteMyAccount(c *fiber.Ctx) error {
	_, user, err := s.currentUser(c)
	if err != nil {
		return err
	}
	v := visitor.From(c)
	if ok, err := s.Limits.PasswordGiven(user, c.FormValue("password"), c.IP()); err != nil {
		return err
	} else if !ok {
		return s.renderAccountData(c, fiber.StatusUnprocessableEntity,
			&accountDataPage{Errors: map[string]string{"delete": v.T("data.delete.wrong")}})
	}
	err = s.Deps.DeleteAccount(c.UserContext(), user, c.IP())
	if open, ok := models.OpenOrders(err); ok {
		return s.renderAccountData(c, fiber.StatusUnprocessableEntity, &accountDataPage{Error: v.T("data.delete.open"), Open: open})
	}
	if errors.Is(err, models.ErrAdminAccount) {
		return s.renderAccountData(c, fiber.StatusUnprocessableEntity, &accountDataPage{Error: v.T("data.delete.admin")})
	}
	if err != nil {
		return err
	}
	if err := v.SignOut(c.UserContext()); err != nil {
		return err
	}
	return c.Redirect("/account/deleted", fiber.StatusSeeOther)
}

type deletedPage struct {
	Page
	KeptYears int
}

// AccountDeleted is the goodbye page after an account was deleted.
func (s *Server) AccountDeleted(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "pages/account-deleted", &deletedPage{Page: s.NewPage(c, visitor.From(c).T("deleted.title")), KeptYears: s.Accounts.KeptYears()})
}
