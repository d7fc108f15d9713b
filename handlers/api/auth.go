package api

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
	"crumb/sessions"
	"crumb/tokens"
)

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// issuePair answers a sign-in or a refresh of the app with an access token
// and the refresh token given; the access token names the sign-in. The account is admitted first
// (storage.Users.Admit), after the refresh token was stored: a disabled
// account gets no pair, and its refresh token's sign-in ends.
func (s *Server) issuePair(c *fiber.Ctx, userID uint, refresh string) error {
	user, err := s.Users.Admit(c.UserContext(), userID)
	if err != nil {
		if rerr := s.Refresh.Revoke(c.UserContext(), refresh); rerr != nil {
			return rerr
		}
		return err
	}
	family, err := s.Refresh.FamilyOf(c.UserContext(), refresh)
	if err != nil {
		return err
	}
	access, lifetime, err := s.Access.IssueFor(user.ID, user.TokenEpoch, family)
	if err != nil {
		return err
	}
	return c.JSON(tokenPair{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(lifetime.Seconds()), RefreshToken: refresh})
}

// SignIn signs the app in: email and password for a token pair. It ends
// the account's pending password reset links, as signing in on the web does.
func (s *Server) SignIn(c *fiber.Ctx) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	email, err := models.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	if err := s.Limits.SignInAllowed(email, c.IP()); err != nil {
		return err
	}
	user, err := s.Users.Authenticate(c.UserContext(), email, in.Password)
	if errors.Is(err, models.ErrNotFound) {
		s.Metrics.SignIn("app", false)
		if err := s.Limits.SignInFailed(email, c.IP()); err != nil {
			return err
		}
		return &Problem{Status: fiber.StatusUnauthorized, Title: t(c, "api.sign_in.wrong.title"), Detail: t(c, "api.sign_in.wrong.detail")}
	}
	if err != nil {
		return err
	}
	if err := s.Resets.EndFor(c.UserContext(), user); err != nil {
		return err // the password is known: pending reset links end
	}
	s.Metrics.SignIn("app", true)
	refresh, err := s.Refresh.Start(c.UserContext(), user.ID, deviceLabelOf(c), c.IP())
	if err != nil {
		return err
	}
	return s.issuePair(c, user.ID, refresh)
}

type refreshBody struct {
	RefreshToken string `json:"refresh_token"`
}

// RefreshSignIn spends a refresh token for a new pair. A spent token
// presented again was copied: the account is signed out everywhere.
func (s *Server) RefreshSignIn(c *fiber.Ctx) error {
	var in refreshBody
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.RefreshToken == "" {
		return invalidFields(c, FieldError{"refresh_token", t(c, "api.refresh.missing")})
	}
	userID, next, err := s.Refresh.Rotate(c.UserContext(), in.RefreshToken, c.IP())
	switch {
	case errors.Is(err, tokens.ErrRefreshReused):
		if err := s.Sessions.Theft(c.UserContext(), userID, models.TheftRefresh, c.IP()); err != nil {
			return err
		}
		return &Problem{Status: fiber.StatusUnauthorized, Title: t(c, "api.refresh.reused.title"), Detail: t(c, "api.refresh.reused.detail")}
	case errors.Is(err, tokens.ErrInvalidRefresh):
		return &Problem{Status: fiber.StatusUnauthorized, Title: t(c, "api.refresh.invalid.title"), Detail: t(c, "api.refresh.invalid.detail")}
	case err != nil:
		return err
	}
	return s.issuePair(c, userID, next)
}

// SignOut ends the refresh token's sign-in (its whole family).
func (s *Server) SignOut(c *fiber.Ctx) error {
	var in refreshBody
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.Refresh.Revoke(c.UserContext(), in.RefreshToken); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func deviceLabelOf(c *fiber.Ctx) string {
	if ua := c.Get(fiber.HeaderUserAgent); strings.Contains(ua, "Crumb") {
		return "Crumb app"
	}
	return "Crumb app (" + sessions.DeviceLabel(c.Get(fiber.HeaderUserAgent)) + ")"
}

// Me shows the signed-in account.
func (s *Server) Me(c *fiber.Ctx) error {
	u, err := s.Users.ByID(c.UserContext(), signedIn(c))
	if err != nil {
		return err
	}
	return c.JSON(accountJSON(u))
}
