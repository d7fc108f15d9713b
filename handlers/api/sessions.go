package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/i18n"
	"crumb/secret"
)

// The account's sign-ins, as the devices page lists them: browsers
// signed in (kind web), devices kept signed in (remembered) and the app's
// sign-ins (app). Each id is its kind and the name the devices page
// revokes it by: the SHA-256 of a session's id (never the id), the row of
// a remember-me token (never its selector) and the app sign-in's family
// (never a token).
const (
	signInWeb        = "web"
	signInRemembered = "remembered"
	signInApp        = "app"
)

type signIn struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Label      string `json:"label"`
	CreatedAt  string `json:"created_at"`
	LastSeenAt string `json:"last_seen_at"`
	IP         string `json:"ip"`
	Current    bool   `json:"current"`
}

func newSignIn(kind, id, label, ip string, created, seen time.Time) signIn {
	return signIn{ID: kind + "-" + id, Kind: kind, Label: label, IP: ip,
		CreatedAt: created.UTC().Format(time.RFC3339), LastSeenAt: seen.UTC().Format(time.RFC3339)}
}

// SignIns lists the account's sign-ins, the devices page's list: its
// browsers, then its remembered devices, then its app sign-ins, each most
// recently used first. The one this request's access token was issued to
// is current.
func (s *Server) SignIns(c *fiber.Ctx) error {
	ctx, id := c.UserContext(), signedIn(c)
	web, err := s.Sessions.Sessions(ctx, id)
	if err != nil {
		return err
	}
	devices, err := s.Sessions.Devices(ctx, id)
	if err != nil {
		return err
	}
	apps, err := s.Refresh.Families(ctx, id)
	if err != nil {
		return err
	}
	items := make([]signIn, 0, len(web)+len(devices)+len(apps))
	for _, w := range web {
		items = append(items, newSignIn(signInWeb, w.KeyHash, w.DeviceLabel, w.IP, w.CreatedAt, w.LastSeenAt))
	}
	for _, d := range devices {
		items = append(items, newSignIn(signInRemembered, strconv.FormatUint(uint64(d.ID), 10), d.DeviceLabel, d.IP, d.CreatedAt, d.LastUsedAt))
	}
	mine := visitor.From(c).AppSignIn
	for _, f := range apps {
		item := newSignIn(signInApp, strconv.FormatUint(uint64(f.ID), 10), f.DeviceLabel, f.IP, f.CreatedAt, f.LastUsedAt)
		item.Current = mine != 0 && f.ID == mine
		items = append(items, item)
	}
	for i := range items {
		items[i].Label = i18n.Device(visitor.From(c).Lang, items[i].Label)
	}
	return c.JSON(fiber.Map{"items": items})
}

// EndSignIn ends one of the account's sign-ins, as the devices page's
// "Sign out" and "Forget" do: a browser is signed out at its next
// request, a remembered device is no longer signed back in, an app
// sign-in's refresh token stops at once. An id that cannot be one is a
// 404 without a query; so is another account's, or one already ended.
func (s *Server) EndSignIn(c *fiber.Ctx) error {
	ctx, id := c.UserContext(), signedIn(c)
	kind, key, _ := strings.Cut(strings.Clone(c.Params("id")), "-")
	ended := false
	var err error
	switch kind {
	case signInWeb:
		if secret.IsHash(key) {
			ended, err = s.Sessions.RevokeSession(ctx, id, key)
		}
	case signInRemembered, signInApp:
		n, perr := strconv.ParseUint(key, 10, 32)
		switch {
		case perr != nil || n == 0 || strconv.FormatUint(n, 10) != key:
		case kind == signInRemembered:
			ended, err = s.Sessions.RevokeDevice(ctx, id, uint(n))
		default:
			ended, err = s.Refresh.RevokeFamily(ctx, id, uint(n))
		}
	}
	if err != nil {
		return err
	}
	if !ended {
		return notFound(c, t(c, "api.sign_in.not_found"))
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// EndEverySignIn signs the account out everywhere, this app included:
// every browser, remembered device and app sign-in, and every access
// token issued until now stops at once.
func (s *Server) EndEverySignIn(c *fiber.Ctx) error {
	if err := s.Sessions.SignOutEverywhere(c.UserContext(), signedIn(c), "", ""); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
