package i18n

import (
	"fmt"

	"crumb/models"
)

// Say puts a message of the models into words in lang: the message
// "code.<code>", with the values the code carries in order (see the
// comments in models/errors.go). A value written per language (a
// models.Money, a product's models.Names) is written in lang: a model
// decides its message without knowing who reads it.
func Say(lang models.Language, m models.Message) string {
	args := make([]any, len(m.Args))
	for i, arg := range m.Args {
		if w, ok := arg.(interface{ In(models.Language) string }); ok {
			arg = w.In(lang)
		}
		args[i] = arg
	}
	return fmt.Sprintf(T(lang, "code."+string(m.Code)), args...)
}
