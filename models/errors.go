package models

import (
	"errors"
	"fmt"
)

// Errors a handler can expect from the models; anything else is a bug or an
// outage. The ORM's own errors are translated here so that callers only need
// errors.Is.
var (
	ErrNotFound = errors.New("models: not found")
)

// InputError is a problem with what a shopper or the app sent, in words
// that can be shown to them as they are (a 422 page or problem+json).
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Message }

// Invalid builds an InputError.
func Invalid(field, format string, args ...any) error {
	return &InputError{Field: field, Message: fmt.Sprintf(format, args...)}
}
