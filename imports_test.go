package main

import (
	"os/exec"
	"strings"
	"testing"
)

// layers ranks Crumb's packages from the bottom up: a package imports only
// packages of lower layers, so no import runs upward and there are no
// circles. internal/ holds what only tests and tools use (the test kits,
// the load tools' browser, a test mail server): they sit on top and may
// use anything below.
var layers = [][]string{
	{"crumb/secret", "crumb/config", "crumb/assets", "crumb/public"},
	{"crumb/models"},
	{"crumb/storage", "crumb/i18n"},
	{"crumb/database", "crumb/views", "crumb/mail", "crumb/metrics", "crumb/cookies", "crumb/tokens"},
	{"crumb/sessions"},
	{"crumb/handlers/visitor"},
	{"crumb/handlers/deps"},
	{"crumb/handlers/web", "crumb/handlers/api"},
	{"crumb/handlers/admin"},
	{"crumb/handlers"},
	{"crumb/app"},
	{"crumb", "crumb/internal/testkit", "crumb/internal/smtptest", "crumb/internal/shopper"},
	{"crumb/internal/apptest", "crumb/internal/smtptest/mailbox", "crumb/bench", "crumb/bench/crumbload", "crumb/soak", "crumb/deploy"},
}

// TestImportsGoDownwards: every package is in a layer, and imports only
// from the layers below it.
func TestImportsGoDownwards(t *testing.T) {
	layer := map[string]int{}
	for i, pkgs := range layers {
		for _, p := range pkgs {
			layer[p] = i
		}
	}
	out, err := exec.Command("go", "list", "-tags", "scaled", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	packages := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := fields[0]
		from, ok := layer[pkg]
		if !ok {
			t.Errorf("%s is in no layer: add it to layers in imports_test.go, above what it imports", pkg)
			continue
		}
		packages++
		for _, imp := range fields[1:] {
			if imp != "crumb" && !strings.HasPrefix(imp, "crumb/") {
				continue
			}
			if to, ok := layer[imp]; ok && to >= from {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports go downwards only", pkg, from, imp, to)
			}
		}
	}
	if packages < 20 {
		t.Fatalf("only %d packages listed", packages)
	}
}

// TestRequestStateHasOneOwner: cookies is a pure codec (no Fiber, no
// models), sessions and tokens take plain values (no Fiber), and only the
// visitor touches a request's locals.
func TestRequestStateHasOneOwner(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := map[string][]string{
		"crumb/cookies":  {"github.com/gofiber/fiber/v2", "crumb/models", "gorm.io/gorm"},
		"crumb/sessions": {"github.com/gofiber/fiber/v2"},
		"crumb/tokens":   {"github.com/gofiber/fiber/v2"},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			for _, bad := range forbidden[fields[0]] {
				if imp == bad {
					t.Errorf("%s imports %s", fields[0], imp)
				}
			}
		}
	}
	grep, err := exec.Command("git", "grep", "-n", "-e", ".Locals(", "--", "*.go", ":!*_test.go").Output()
	if err != nil {
		t.Fatalf("git grep: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(grep)), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, "handlers/visitor/visitor.go:") {
			t.Errorf("request locals used outside the visitor: %s", l)
		}
	}
	if len(lines) > 4 {
		t.Errorf("request locals used %d times; at most 4, in handlers/visitor/visitor.go", len(lines))
	}
}

// TestSQLHasOneOwner: of the shop's own packages only storage (every
// table's reads and writes), database (opening and migrating) and app (the
// wiring, which hands the opened database to storage) import GORM. The
// test kits and load tools under internal/, bench/ and soak/ read the
// database directly on purpose: a check of what the shop stored must not
// go through the code it checks.
func TestSQLHasOneOwner(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", "scaled", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	owners := map[string]bool{"crumb/storage": true, "crumb/database": true, "crumb/app": true}
	tools := []string{"crumb/internal/", "crumb/bench", "crumb/soak", "crumb/deploy"}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := fields[0]
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, "gorm.io/") {
				continue
			}
			seen[pkg] = true
			tool := false
			for _, prefix := range tools {
				tool = tool || strings.HasPrefix(pkg, prefix)
			}
			if !owners[pkg] && !tool {
				t.Errorf("%s imports %s: SQL belongs in package storage", pkg, imp)
			}
		}
	}
	if !seen["crumb/storage"] {
		t.Error("storage imports no GORM: the list above is out of date")
	}
}
