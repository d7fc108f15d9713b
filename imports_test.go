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
// models), sessions and tokens take plain values (no Fiber), no handler,
// cookie or visitor code reaches the database through GORM, and only the
// visitor touches a request's locals.
func TestRequestStateHasOneOwner(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := map[string][]string{
		"crumb/cookies":          {"github.com/gofiber/fiber/v2", "crumb/models", "gorm.io/gorm"},
		"crumb/sessions":         {"github.com/gofiber/fiber/v2"},
		"crumb/tokens":           {"github.com/gofiber/fiber/v2"},
		"crumb/handlers":         {"gorm.io/gorm"},
		"crumb/handlers/visitor": {"gorm.io/gorm"},
		"crumb/handlers/deps":    {"gorm.io/gorm"},
		"crumb/handlers/web":     {"gorm.io/gorm"},
		"crumb/handlers/api":     {"gorm.io/gorm"},
		"crumb/handlers/admin":   {"gorm.io/gorm"},
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
