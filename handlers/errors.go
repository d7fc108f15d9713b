package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"crumb/models"
)

// errorPage is what a shopper reads when something goes wrong: what
// happened and what to do next, never internals.
type errorPage struct {
	Status  int
	Title   string
	Message string
}

func describeError(err error) errorPage {
	var fe *fiber.Error
	var ie *models.InputError
	var ap *apiProblem
	switch {
	case errors.As(err, &ap):
		return errorPage{ap.Status, ap.Title, ap.Detail}
	case errors.Is(err, models.ErrNotFound):
		return errorPage{fiber.StatusNotFound, "Page not found", "We couldn't find what you were looking for. It may have moved or sold out for good."}
	case errors.Is(err, errCSRF):
		return errorPage{fiber.StatusForbidden, "This form has expired", "For your safety we couldn't accept that form. Reload the page and try again."}
	case errors.As(err, &ie):
		return errorPage{fiber.StatusUnprocessableEntity, "Please check what you entered", ie.Message}
	case errors.As(err, &fe):
		switch fe.Code {
		case fiber.StatusNotFound:
			return errorPage{fe.Code, "Page not found", "We couldn't find what you were looking for. It may have moved or sold out for good."}
		case fiber.StatusMethodNotAllowed:
			return errorPage{fe.Code, "That doesn't work here", "This address can't be used that way. Go back and use the page's links and buttons."}
		case fiber.StatusUnsupportedMediaType:
			return errorPage{fe.Code, "We can't read that", "What you sent was compressed, which the shop does not accept. Send it again from the shop's own pages."}
		case fiber.StatusRequestEntityTooLarge:
			return errorPage{fe.Code, "That was too much to send", "What you sent was too large. Shorten it and try again."}
		case fiber.StatusRequestHeaderFieldsTooLarge, fiber.StatusRequestURITooLong:
			return errorPage{fe.Code, "That address is too long", "The link or search you used is too long. Try a shorter search."}
		case fiber.StatusTooManyRequests:
			return errorPage{fe.Code, "Too many tries", "Please wait a minute before trying again."}
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return errorPage{fe.Code, "We couldn't understand that request", "Go back and try again; if you typed an address, check it."}
		}
	}
	return errorPage{fiber.StatusInternalServerError, "Something went wrong on our side", "Sorry, our oven is acting up. Please try again in a moment; your cart is safe."}
}

// handleError is the one place errors become responses: a page for the
// browser, problem+json for the API. 500s are logged with the method, path
// and request id; their details never reach the client.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	page := describeError(err)
	if page.Status >= 500 {
		s.Log.Error("request failed", "method", c.Method(), "path", c.Path(), "request_id", c.Locals(requestIDLocal), "err", err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(page.Status)
	if strings.HasPrefix(c.Path(), "/api/") {
		return writeProblem(c, err, page)
	}
	if c.Method() == fiber.MethodHead {
		return nil
	}
	data := s.baseView(c, page.Title)
	data["Error"] = page
	if rerr := c.Render("pages/error", data); rerr != nil {
		s.Log.Error("error page failed", "request_id", c.Locals(requestIDLocal), "err", rerr)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.SendString(page.Title + ". " + page.Message)
	}
	return nil
}
