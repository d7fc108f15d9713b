package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"crumb/database"
)

// TestBackupAndRestoreCommands: "crumb backup" copies the database while
// the shop serves; "crumb restore" refuses while the shop runs, and once
// it has stopped puts the backup in place, keeping the database it
// replaced; the shop then starts on the restored data.
func TestBackupAndRestoreCommands(t *testing.T) {
	bin := buildCrumb(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	_, pid := startCrumbIn(t, bin, dir)
	crumb := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = crumbEnv(append(secretEnv, "DATA_DIR="+data)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	role := func(path string) string {
		db, err := database.Open("", path)
		if err != nil {
			t.Fatal(err)
		}
		defer database.Close(db)
		var role string
		if err := db.Raw("SELECT role FROM users WHERE email = ?", "demo@crumb.test").Scan(&role).Error; err != nil {
			t.Fatal(err)
		}
		return role
	}

	if out, err := crumb("admin", "grant", "demo@crumb.test"); err != nil {
		t.Fatalf("grant: %v\n%s", err, out)
	}
	out, err := crumb("backup", "backups/monday.db")
	if err == nil {
		t.Fatalf("backup into a folder that does not exist: no error\n%s", out)
	}
	if err := os.Mkdir(filepath.Join(dir, "backups"), 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := crumb("backup", "backups/monday.db"); err != nil || !strings.Contains(out, "backed up") {
		t.Fatalf("backup while the shop serves: %v\n%s", err, out)
	}
	if out, err := crumb("admin", "revoke", "demo@crumb.test"); err != nil {
		t.Fatalf("revoke: %v\n%s", err, out)
	}

	out, err = crumb("restore", "backups/monday.db")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); err == nil || len(lines) != 1 || !strings.Contains(out, "a Crumb is running on "+data) {
		t.Fatalf("restore while the shop runs: %v; want one line saying so:\n%s", err, out)
	}
	if got := role(filepath.Join(data, "crumb.db")); got != "customer" {
		t.Fatalf("the refused restore changed the database: demo is %s", got)
	}

	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if out, err = crumb("restore", "backups/monday.db"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || !strings.Contains(out, "the database it replaced is kept as "+filepath.Join(data, "crumb-replaced-")) {
		t.Fatalf("restore once the shop stopped: %v\n%s", err, out)
	}
	kept, _ := filepath.Glob(filepath.Join(data, "crumb-replaced-*.db"))
	if len(kept) != 1 || role(kept[0]) != "customer" {
		t.Fatalf("the replaced database is not kept: %q", kept)
	}
	if got := role(filepath.Join(data, "crumb.db")); got != "admin" {
		t.Errorf("after the restore demo is %s, want admin as in the backup", got)
	}
	startCrumbIn(t, bin, dir)
}

// TestBackupCommandsOnPostgres: with DATABASE_URL, "crumb backup" and
// "crumb restore" say, in one line, the pg_dump and pg_restore command for
// Crumb's database, without its password, and exit with 2.
func TestBackupCommandsOnPostgres(t *testing.T) {
	bin := buildCrumb(t)
	dir := t.TempDir()
	for args, want := range map[[2]string]string{
		{"backup", "crumb.dump"}:  "back up Postgres with: pg_dump --format=custom --file='crumb.dump' --dbname='postgres://crumb@db.example:5432/crumb?sslmode=require'",
		{"restore", "crumb.dump"}: "restore Postgres with: pg_restore --clean --if-exists --no-owner --single-transaction --dbname='postgres://crumb@db.example:5432/crumb?sslmode=require' 'crumb.dump'",
	} {
		cmd := exec.Command(bin, args[0], args[1])
		cmd.Dir = dir
		cmd.Env = crumbEnv(append(secretEnv, "DATA_DIR="+filepath.Join(dir, "data"), "DATABASE_URL=postgres://crumb:s3cret@db.example:5432/crumb?sslmode=require")...)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Errorf("crumb %s with Postgres: %v, want exit status 2", args[0], err)
		}
		if text := strings.TrimSpace(string(out)); strings.Contains(text, "\n") || !strings.Contains(text, want) || strings.Contains(text, "s3cret") {
			t.Errorf("crumb %s with Postgres said:\n%s\nwant one line with\n%s", args[0], out, want)
		}
	}
}
