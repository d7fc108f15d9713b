// Package public embeds the static files served, fingerprinted, under
// /static/ (see package assets).
package public

import "embed"

// FS holds the CSS, JavaScript and images as written.
//
//go:embed css js img
var FS embed.FS
