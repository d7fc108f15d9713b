// Package views holds what Crumb shows people: the HTML templates (a base
// layout in layouts/, one template per page in pages/, and partials/ that
// pages compose with {{template}}), the emails (mail/: a plain-text and an
// HTML template per kind, rendered by package mail). Templates name their
// words by message id ({{t "cart.title"}}); the words are in package i18n,
// in each language the shop speaks.
package views

import "embed"

// FS holds every template, named by path without the .html extension
// ("pages/home", "partials/field").
//
//go:embed layouts pages partials admin mail
var FS embed.FS
