package models_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
)

// hostile are texts no field takes, whatever its limit: control
// characters, broken UTF-8 and what stands for it, and the characters
// that make text show in another order than it is kept.
var hostile = []string{"a\x00b", "a\ab", "a\r\nb", "a\nb", "a\rb", "a\tb", "\x1b[2Ja", "a\x7f", "a\u0085b", "a\xffb", "a\ufffdb",
	"a\u2028b", "a\u2029b", "\u202eab", "a\u2066b"}

func inputCode(err error) (string, models.Code) {
	var ie *models.InputError
	if !errors.As(err, &ie) {
		return "", ""
	}
	return ie.Field, ie.Code
}

func TestCheckText(t *testing.T) {
	for _, tt := range []struct {
		raw   string
		max   int
		lines bool
		want  string
		code  models.Code
	}{
		{"  Kim Lee  ", 10, false, "Kim Lee", ""},
		{"Zoë 김 🍞", 10, false, "Zoë 김 🍞", ""},
		{"", 10, false, "", ""},
		{strings.Repeat("é", 10), 10, false, strings.Repeat("é", 10), ""},
		{strings.Repeat("é", 11), 10, false, "", models.CodeTextLong},
		{" " + strings.Repeat("a", 10) + " ", 10, false, strings.Repeat("a", 10), ""},
		{"one\r\ntwo\rthree\n\tfour\n", 30, true, "one\ntwo\nthree\n\tfour", ""},
		{"one\r\ntwo", 30, false, "", models.CodeTextUnreadable},
		{"one\x00two", 30, true, "", models.CodeTextUnreadable},
		{"one\x1btwo", 30, true, "", models.CodeTextUnreadable},
		{"one\vtwo", 30, true, "", models.CodeTextUnreadable},
		{"one\u2028two", 30, true, "", models.CodeTextUnreadable},
		{"\xff", 30, true, "", models.CodeTextUnreadable},
		{"a\u200db", 30, false, "a\u200db", ""}, // a zero-width joiner, as in emoji and some scripts
	} {
		got, err := models.CheckText("f", tt.raw, tt.max, tt.lines)
		field, code := inputCode(err)
		if got != tt.want || code != tt.code || (err != nil && field != "f") || (err != nil) != (tt.code != "") {
			t.Errorf("CheckText(%q, %d, %v) = %q, %v; want %q, %s", tt.raw, tt.max, tt.lines, got, err, tt.want, tt.code)
		}
	}
	for _, raw := range hostile {
		if raw == "a\nb" || raw == "a\tb" || raw == "a\r\nb" || raw == "a\rb" {
			continue // line breaks and tabs are a textarea's
		}
		if _, err := models.CheckText("f", raw, 100, true); err == nil {
			t.Errorf("CheckText(%q) in a textarea took it", raw)
		}
	}
}

// TestEveryCheckerBuildsOnCheckText: whatever a person types into the
// shop goes through CheckText, so every checker refuses the same texts,
// naming its field.
func TestEveryCheckerBuildsOnCheckText(t *testing.T) {
	db := testkit.SQLite(t)
	catalog, err := storage.NewCatalog(context.Background(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := database.Seed(context.Background(), catalog, "USD"); err != nil {
		t.Fatal(err)
	}
	cakes, err := catalog.Category("cakes")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range hostile {
		checks := map[string]func() error{
			"name":     func() error { _, err := models.CheckName("Kim " + bad); return err },
			"email":    func() error { _, err := models.NormalizeEmail("kim" + bad + "@example.com"); return err },
			"password": func() error { return models.CheckPassword("rye-bread-" + bad) },
		}
		for field, check := range checks {
			if got, _ := inputCode(check()); got != field {
				t.Errorf("%s %q: refused on %q", field, bad, got)
			}
		}
		for _, field := range []string{"name", "phone", "address1", "address2", "postal_code"} {
			ship := models.Shipping{Name: "Kim", Phone: "+1 555 0100", Address1: "1 Flour St", PostalCode: "10001", Country: "US"}
			for f, v := range map[string]*string{"name": &ship.Name, "phone": &ship.Phone, "address1": &ship.Address1, "address2": &ship.Address2, "postal_code": &ship.PostalCode} {
				if f == field {
					*v += bad
				}
			}
			typed := ship
			got, errs := models.CheckShipping(ship, string(models.PayOnDelivery))
			if len(errs) != 1 || errs[field].Code != models.CodeTextUnreadable {
				t.Errorf("shipping %s %q: %v", field, bad, errs)
			}
			if got != typed {
				t.Errorf("shipping %s %q: the form shows %+v, not what was typed", field, bad, got)
			}
		}
		for _, field := range []string{"name", "slug", "description"} {
			f := models.ProductForm{Name: "Opera", Slug: "opera", Description: "Layers.", Price: "3", Stock: "1", CategoryID: cakes.ID}
			switch field {
			case "name":
				f.Name += bad
			case "slug":
				f.Slug += bad
			default:
				f.Description += bad
			}
			_, errs := catalog.CheckProduct(f, "USD")
			lineBreak := field == "description" && strings.ContainsAny(bad, "\r\n\t")
			if _, refused := errs[field]; refused == lineBreak || len(errs) > 1 {
				t.Errorf("product %s %q: %v", field, bad, errs)
			}
		}
	}
	if _, err := models.NormalizeEmail(strings.Repeat("a", 243) + "@example.com"); err == nil {
		t.Error("an email of 255 characters")
	}
	if err := models.CheckPassword("  spaces are fine, é too  "); err != nil {
		t.Errorf("a printable password: %v", err)
	}
	_, errs := models.CheckShipping(models.Shipping{Name: "  Kim   Lee ", Phone: "+1 555 0100", Address1: strings.Repeat("a", 201), PostalCode: "10001", Country: "US"}, string(models.PayOnDelivery))
	if len(errs) != 1 || errs["address1"].Code != models.CodeTextLong {
		t.Errorf("a street of 201 characters: %v", errs)
	}
}

func TestCleanQuery(t *testing.T) {
	long := strings.Repeat("é", 150)
	for in, want := range map[string]string{
		"  rye  ": "rye", "rye\xffbread": "ryebread", long: long[:200], "a\x00b": "ab", "rye\tbread\r\n": "rye bread",
		"\x1b[2Jrye": "[2Jrye", "rye\u202e": "rye", "\ufffdrye": "rye", "\x00\x07\xff": "", strings.Repeat("a", 99) + " b": strings.Repeat("a", 99),
	} {
		if got := models.CleanQuery(in); got != want {
			t.Errorf("CleanQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLimitsMatchTheColumns: every field kept is kept in a column exactly
// as wide as its limit (Postgres enforces it; SQLite's text has no width).
func TestLimitsMatchTheColumns(t *testing.T) {
	db := testkit.Postgres(t)
	for _, c := range []struct {
		table, column string
		limit         int
	}{
		{"users", "name", models.MaxNameLength}, {"users", "email", models.MaxEmailLength},
		{"orders", "name", models.MaxNameLength}, {"orders", "phone", models.MaxPhoneLength},
		{"orders", "address1", models.MaxAddressLength}, {"orders", "address2", models.MaxAddressLength},
		{"orders", "postal_code", models.MaxPostalCodeLength}, {"products", "name", models.MaxProductNameLength},
		{"order_lines", "name", models.MaxProductNameLength}, {"products", "slug", models.MaxSlugLength},
		{"products", "description", models.MaxDescriptionLength}, {"products", "image", models.MaxImageNameLength},
		{"password_resets", "email", models.MaxEmailLength}, {"outbox", "recipient", models.MaxEmailLength},
	} {
		var width int
		err := db.Raw(`SELECT character_maximum_length FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`, c.table, c.column).Row().Scan(&width)
		if err != nil || width != c.limit {
			t.Errorf("%s.%s is %d wide (%v), its limit %d", c.table, c.column, width, err, c.limit)
		}
	}
}

// FuzzCheckText: whatever CheckText takes is valid UTF-8 without a
// control character (bar a textarea's line breaks and tabs), within its
// limit, and taken again unchanged; what CleanQuery makes of any text is
// a search CheckText takes.
func FuzzCheckText(f *testing.F) {
	for _, seed := range append(slices.Clone(hostile), "Kim", " Zoë 김 ", "one\r\ntwo", strings.Repeat("é", 30), "") {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, raw string, lines bool) {
		const max = 20
		text, err := models.CheckText("f", raw, max, lines)
		if err == nil {
			if !utf8.ValidString(text) || utf8.RuneCountInString(text) > max || strings.ContainsFunc(text, func(r rune) bool {
				return unicode.IsControl(r) && !(lines && (r == '\n' || r == '\t'))
			}) {
				t.Fatalf("CheckText(%q, %v) took %q", raw, lines, text)
			}
			if again, err := models.CheckText("f", text, max, lines); err != nil || again != text {
				t.Fatalf("CheckText(%q) = %q, then %q, %v", raw, text, again, err)
			}
		} else if field, code := inputCode(err); field != "f" || (code != models.CodeTextUnreadable && code != models.CodeTextLong) {
			t.Fatalf("CheckText(%q): %v", raw, err)
		}
		q := models.CleanQuery(raw)
		if got, err := models.CheckText("q", q, models.MaxQueryRunes, false); err != nil || got != q {
			t.Fatalf("CleanQuery(%q) = %q, which CheckText refuses: %v", raw, q, err)
		}
	})
}
