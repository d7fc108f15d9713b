package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
)

type devicesPage struct {
	Page
	Sessions        []models.WebSession
	Devices         []models.RememberToken
	Apps            []models.RefreshFamily
	Events          []securityEvent
	CurrentKey      string // this browser's session
	CurrentSelector string // this device's remember-me token
	Fresh           bool
	Error, Notice   string
}

// securityEvent is a security event with what happened, in words.
type securityEvent struct {
	models.SecurityEvent
	What string
}

// theftWords names the message that says which stolen token came back, by
// the event's kind.
var theftWords = map[string]string{
	models.TheftRemember: "security.event.remember",
	models.TheftRefresh:  "security.event.refresh",
}

// Devices lists the account's sessions, remembered devices, app sign-ins
// and security events, each session, device and sign-in revocable.
func (s *Server) Devices(c *fiber.Ctx) error {
	return s.renderDevices(c, fiber.StatusOK, "", "")
}

func (s *Server) renderDevices(c *fiber.Ctx, status int, errMsg, notice string) error {
	v := visitor.From(c)
	cur, ctx := v.Account, c.UserContext()
	p := &devicesPage{Page: s.NewPage(c, v.T("security.title")), CurrentKey: cur.KeyHash,
		CurrentSelector: v.DeviceSelector(), Fresh: cur.Fresh, Error: errMsg, Notice: notice}
	var err error
	if p.Sessions, err = s.Sessions.Sessions(ctx, cur.UserID); err != nil {
		return err
	}
	if p.Devices, err = s.Sessions.Devices(ctx, cur.UserID); err != nil {
		return err
	}
	if p.Apps, err = s.Refresh.Families(ctx, cur.UserID); err != nil {
		return err
	}
	events, err := s.Users.SecurityEvents(ctx, cur.UserID, 10)
	if err != nil {
		return err
	}
	for _, e := range events {
		p.Events = append(p.Events, securityEvent{SecurityEvent: e, What: v.T(theftWords[e.Kind])})
	}
	return s.render(c, status, "pages/security", p)
}

// Revoke ends one session ("session", by its id on the page), forgets one
// remembered device ("device") or ends one sign-in of the app ("app").
func (s *Server) Revoke(c *fiber.Ctx) error {
	cur := visitor.From(c).Account
	ctx := c.UserContext()
	id := c.FormValue("id")
	var ok bool
	var err error
	switch kind := c.FormValue("kind"); kind {
	case "session":
		ok, err = s.Sessions.RevokeSession(ctx, cur.UserID, id)
	case "device", "app":
		n, perr := strconv.ParseUint(id, 10, 32)
		switch {
		case perr != nil:
		case kind == "device":
			ok, err = s.Sessions.RevokeDevice(ctx, cur.UserID, uint(n))
		default:
			ok, err = s.Refresh.RevokeFamily(ctx, cur.UserID, uint(n))
		}
	default:
		return s.renderDevices(c, fiber.StatusUnprocessableEntity, visitor.From(c).T("security.choose"), "")
	}
	if err != nil {
		return err
	}
	if !ok {
		return s.renderDevices(c, fiber.StatusUnprocessableEntity, visitor.From(c).T("security.gone"), "")
	}
	return c.Redirect("/account/security", fiber.StatusSeeOther)
}

// RevokeAll signs out every other session, device and app sign-in; a
// remembered session must confirm with the password.
func (s *Server) RevokeAll(c *fiber.Ctx) error {
	cur, user, err := s.currentUser(c)
	if err != nil {
		return err
	}
	if !confirmed(cur, user, c.FormValue("password")) {
		return s.renderDevices(c, fiber.StatusUnprocessableEntity, visitor.From(c).T("auth.password.confirm"), "")
	}
	if err := s.Sessions.SignOutEverywhere(c.UserContext(), cur.UserID, cur.KeyHash, visitor.From(c).DeviceSelector()); err != nil {
		return err
	}
	return s.renderDevices(c, fiber.StatusOK, "", visitor.From(c).T("security.done"))
}
