package models

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of what a person may type, in characters. Each field that is
// kept has a column of exactly this size in database/migrations (varchar
// counts characters on Postgres, as these do), so text within its limit
// always fits; TestLimitsMatchTheColumns holds the two together.
const (
	MaxNameLength        = 100  // users.name and orders.name
	MaxEmailLength       = 254  // users.email
	MinPasswordLength    = 8    // never kept: only its hash is
	MaxPasswordLength    = 128  // never kept: only its hash is
	MaxPhoneLength       = 30   // orders.phone
	MaxAddressLength     = 200  // orders.address1 and orders.address2
	MaxPostalCodeLength  = 20   // orders.postal_code
	MaxProductNameLength = 200  // products.name
	MaxSlugLength        = 100  // products.slug
	MaxDescriptionLength = 2000 // products.description
	MaxImageNameLength   = 200  // products.image
	MaxQueryRunes        = 100  // a search; never kept, the rest is cut
)

// Limit is the most characters the field name may hold, for the forms'
// maxlength attributes; an unknown name is an error.
func Limit(name string) (int, error) {
	switch name {
	case "name":
		return MaxNameLength, nil
	case "email":
		return MaxEmailLength, nil
	case "password":
		return MaxPasswordLength, nil
	case "phone":
		return MaxPhoneLength, nil
	case "address":
		return MaxAddressLength, nil
	case "postal_code":
		return MaxPostalCodeLength, nil
	case "product_name":
		return MaxProductNameLength, nil
	case "slug":
		return MaxSlugLength, nil
	case "description":
		return MaxDescriptionLength, nil
	case "query":
		return MaxQueryRunes, nil
	}
	return 0, fmt.Errorf("models: no limit for %q", name)
}

// CheckText checks a text as typed into field: valid UTF-8 with no
// control characters (tabs and line breaks only when lines is set, as a
// textarea sends them), and at most max characters once trimmed. It
// returns the text trimmed, with line breaks as "\n". Anything else is an
// InputError on field: CodeTextUnreadable or CodeTextLong.
func CheckText(field, raw string, max int, lines bool) (string, error) {
	text := raw
	if lines {
		text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	}
	if err := CheckRunes(field, text, lines); err != nil {
		return "", err
	}
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) > max {
		return "", Invalid(field, CodeTextLong, max)
	}
	return text, nil
}

// CheckRunes refuses invalid UTF-8 and every rune that has no place in
// typed text (see unreadable).
func CheckRunes(field, s string, lines bool) error {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unreadable(r, lines) }) {
		return Invalid(field, CodeTextUnreadable)
	}
	return nil
}

// unreadable reports whether r has no place in text a person types:
// control characters (C0, DEL and C1: NUL, BEL, ESC, CR...), the Unicode
// line and paragraph separators, the bidirectional overrides and
// isolates that make text show in another order than it is kept, and the
// replacement character, which stands for bytes that were not text (JSON
// decoding turns invalid UTF-8 into it). With lines, tab and "\n" are
// allowed.
func unreadable(r rune, lines bool) bool {
	switch {
	case lines && (r == '\n' || r == '\t'):
		return false
	case unicode.IsControl(r), r == '\u2028', r == '\u2029', r == utf8.RuneError:
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// CleanQuery makes a search query safe to use: what CheckText refuses is
// dropped (white space among it becomes a space), then it is trimmed and
// cut to MaxQueryRunes. A shopper's search is never refused: it finds
// what the readable part of it finds.
func CleanQuery(q string) string {
	q = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unreadable(r, false):
			return -1
		}
		return r
	}, strings.ToValidUTF8(q, ""))
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) > MaxQueryRunes {
		q = strings.TrimSpace(string([]rune(q)[:MaxQueryRunes]))
	}
	return q
}
