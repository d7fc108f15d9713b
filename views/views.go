// Package views embeds Crumb's HTML templates. Pages compose the shared
// partials with {{template}}; the template engine's layout feature is not
// used, so rendering takes no global lock.
package views

import "embed"

// FS holds every template, named by path without the .html extension
// ("pages/home", "partials/header").
//
//go:embed pages partials
var FS embed.FS
