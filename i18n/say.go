package i18n

import (
	"fmt"

	"crumb/models"
)

// Say puts a message of the models into words in lang: the message
// "code.<code>", with the values the code carries in order (see the
// comments in models/errors.go).
func Say(lang models.Language, m models.Message) string {
	return fmt.Sprintf(T(lang, "code."+string(m.Code)), m.Args...)
}
