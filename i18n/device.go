package i18n

import (
	"strings"

	"crumb/models"
)

// Device words a device label in lang. Labels are stored as the sign-in
// wrote them, in English ("Firefox on Windows", "A browser on Android",
// "Unknown browser", "Crumb app (Safari on iPhone)"; see
// sessions.DeviceLabel and the API's sign-in), so every sign-in ever kept can be shown in either
// language; the names of browsers and systems are the same in both.
func Device(lang models.Language, label string) string {
	if label == "Crumb app" {
		return T(lang, "device.app.plain")
	}
	if inner, ok := strings.CutPrefix(label, "Crumb app ("); ok && strings.HasSuffix(inner, ")") {
		return Tr(lang, "device.app", "Device", Device(lang, strings.TrimSuffix(inner, ")")))
	}
	if label == "Unknown browser" {
		return T(lang, "device.unknown")
	}
	if system, ok := strings.CutPrefix(label, "A browser on "); ok {
		return Tr(lang, "device.system", "System", system)
	}
	if browser, system, ok := strings.Cut(label, " on "); ok {
		return Tr(lang, "device.browser_on", "Browser", browser, "System", system)
	}
	return label
}
