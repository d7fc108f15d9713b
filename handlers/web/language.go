package web

import (
	"github.com/gofiber/fiber/v2"

	"crumb/handlers/visitor"
	"crumb/models"
)

// ChooseLanguage is the language switch in every page's header: it keeps
// the chosen language in this browser (crumb_lang) and, signed in, as the
// account's language, then goes back to next (a path on this site; anything
// else goes home). A language the shop does not speak is refused and
// nothing is kept.
func (s *Server) ChooseLanguage(c *fiber.Ctx) error {
	v := visitor.From(c)
	lang, ok := models.ParseLanguage(c.FormValue("lang"))
	if !ok {
		return s.ErrorPage(c, Problem{Status: fiber.StatusUnprocessableEntity,
			Title: v.T("language.unknown.title"), Message: v.T("language.unknown.message")})
	}
	if err := v.ChooseLanguage(lang); err != nil {
		return err
	}
	if v.Account != nil {
		if err := s.Users.SetLanguage(c.UserContext(), v.Account.UserID, lang); err != nil {
			return err
		}
	}
	return c.Redirect(orDefault(safeNext(c.FormValue("next")), "/"), fiber.StatusSeeOther)
}
