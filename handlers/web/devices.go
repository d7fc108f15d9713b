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
	Events          []models.SecurityEvent
	CurrentKey      string // this browser's session
	CurrentSelector string // this device's remember-me token
	Fresh           bool
	Error, Notice   string
}

// Devices lists the account's sessions, remembered devices, app sign-ins
// and security events, each session, device and sign-in revocable.
func (s *Server) Devices(c *fiber.Ctx) error {
	return s.renderDevices(c, fiber.StatusOK, "", "")
}

func (s *Server) renderDevices(c *fiber.Ctx, status int, errMsg, notice string) error {
	cur := visitor.From(c).Account
	ctx := c.UserContext()
	p := &devicesPage{Page: s.NewPage(c, "Devices and sessions"), CurrentKey: cur.KeyHash,
		CurrentSelector: visitor.From(c).DeviceSelector(), Fresh: cur.Fresh, Error: errMsg, Notice: notice}
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
	if p.Events, err = s.Users.SecurityEvents(ctx, cur.UserID, 10); err != nil {
		return err
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
		return s.renderDevices(c, fiber.StatusUnprocessableEntity, "Choose a session or a device to sign out.", "")
	}
	if err != nil {
		return err
	}
	if !ok {
		return s.renderDevices(c, fiber.StatusUnprocessableEntity, "That session or device is already signed out.", "")
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
		return s.renderDevices(c, fiber.StatusUnprocessableEntity, "Enter your password to confirm it's you.", "")
	}
	if err := s.Sessions.SignOutEverywhere(c.UserContext(), cur.UserID, cur.KeyHash, visitor.From(c).DeviceSelector()); err != nil {
		return err
	}
	return s.renderDevices(c, fiber.StatusOK, "", "Every other session, device and app is signed out.")
}
