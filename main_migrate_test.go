package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"crumb/database"
	"crumb/internal/testkit"
)

// secretEnv are fixed secrets, so that a command says nothing about
// development ones.
var secretEnv = []string{
	"SECRET_KEY=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=",
	"JWT_KEYS=k1:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=",
}

// TestMigrateCommands: "crumb migrate status" lists every migration as
// pending on a new database and as applied after "crumb migrate"; once a
// newer Crumb has migrated the database, the shop does not start and the
// commands stop, each with one line naming both versions. On SQLite and on
// Postgres.
func TestMigrateCommands(t *testing.T) {
	bin := buildCrumb(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			env := crumbEnv(append(secretEnv, "DATA_DIR="+filepath.Join(dir, "data"), "PORT="+fmt.Sprint(freePort(t)))...)
			databaseURL := ""
			if dialect == "postgres" {
				databaseURL = testkit.PostgresURL(t)
				env = append(env, "DATABASE_URL="+databaseURL)
			}
			crumb := func(args ...string) (string, error) {
				cmd := exec.Command(bin, args...)
				cmd.Dir, cmd.Env = dir, env
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			latest, err := database.LatestVersion(dialect)
			if err != nil {
				t.Fatal(err)
			}

			out, err := crumb("migrate", "status")
			if err != nil || strings.Count(out, "pending") != int(latest) || !strings.Contains(out, "00001  initial_schema") {
				t.Fatalf("status of a new database: %v\n%s", err, out)
			}
			out, err = crumb("migrate")
			if err != nil || strings.Count(out, "applied ") != int(latest) || !strings.Contains(out, "applied 00001 initial_schema") {
				t.Fatalf("migrate: %v\n%s", err, out)
			}
			out, err = crumb("migrate", "status")
			if err != nil || strings.Count(out, "applied ") != int(latest) || strings.Contains(out, "pending") {
				t.Fatalf("status after migrate: %v\n%s", err, out)
			}
			if out, err = crumb("migrate"); err != nil || !strings.Contains(out, "nothing to apply") {
				t.Errorf("migrate again: %v\n%s", err, out)
			}

			db, err := database.Open(databaseURL, filepath.Join(dir, "data", "crumb.db"))
			if err != nil {
				t.Fatal(err)
			}
			err = db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)", latest+1, true).Error
			_ = database.Close(db)
			if err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{nil, {"migrate"}, {"migrate", "status"}, {"admin", "grant", "demo@crumb.test"}} {
				out, err := crumb(args...)
				lines := strings.Split(strings.TrimSpace(out), "\n")
				if err == nil || len(lines) != 1 || !strings.Contains(out, fmt.Sprintf("migration %d, newer than this crumb's newest, %d", latest+1, latest)) {
					t.Errorf("crumb %s on a newer database: %v; want one line naming %d and %d:\n%s", strings.Join(args, " "), err, latest+1, latest, out)
				}
			}
		})
	}
}
