package database_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"crumb/database"
	"crumb/internal/testkit"
)

// files lists the names in dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestBackupIsChecked: a backup is a sound Crumb database at the binary's
// version; one cut short, or torn, never takes the backup's name, leaves
// no partial file, and does not replace the good backup there before.
func TestBackupIsChecked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testkit.SQLite(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "crumb.db")
	if err := database.Backup(ctx, db, good); err != nil {
		t.Fatal(err)
	}
	latest, _ := database.LatestVersion("sqlite")
	if v, err := database.Inspect(ctx, good); err != nil || v != latest {
		t.Fatalf("Inspect(backup) = %d, %v; want %d", v, err, latest)
	}
	var live []string
	if err := db.Raw("SELECT file FROM pragma_database_list").Scan(&live).Error; err != nil {
		t.Fatal(err)
	}
	if err := database.Backup(ctx, db, live[0]); err == nil || !strings.Contains(err.Error(), "is the database itself") {
		t.Errorf("a backup onto the database itself: err = %v", err)
	}
	if _, err := database.Inspect(ctx, live[0]); err != nil {
		t.Errorf("after a refused backup onto it, the database: %v", err)
	}
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	next := filepath.Join(dir, "next.db")
	for name, write := range map[string]func(tmp string) error{
		"fails halfway": func(tmp string) error {
			if err := os.WriteFile(tmp, whole[:len(whole)/2], 0o600); err != nil {
				return err
			}
			return errors.New("disk full")
		},
		"torn":  func(tmp string) error { return os.WriteFile(tmp, whole[:len(whole)/2], 0o600) },
		"empty": func(string) error { return nil },
	} {
		for _, path := range []string{next, good} {
			if err := database.BackupWith(ctx, path, write); err == nil {
				t.Errorf("%s backup to %s: no error", name, filepath.Base(path))
			}
		}
		if got := files(t, dir); !slices.Equal(got, []string{"crumb.db"}) {
			t.Errorf("after a backup that %s, the folder holds %q, want only the good backup", name, got)
		}
		if after, _ := os.ReadFile(good); !slices.Equal(after, whole) {
			t.Errorf("a backup that %s changed the good one", name)
		}
	}
}

// TestRestore puts a backup in place of the database and keeps the one
// it replaces; it refuses while the data folder is in use, and refuses
// files that are not a sound Crumb database this binary knows.
func TestRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	live := testkit.SQLite(t)
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := live.Exec("CREATE TABLE from_backup (x)").Error; err != nil {
		t.Fatal(err)
	}
	if err := database.Backup(ctx, live, backup); err != nil {
		t.Fatal(err)
	}

	data := t.TempDir()
	dbPath := filepath.Join(data, "crumb.db")
	old, err := database.Open("", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := database.Migrate(old); err != nil {
		t.Fatal(err)
	}
	if err := old.Exec("CREATE TABLE replaced (x)").Error; err != nil {
		t.Fatal(err)
	}
	_ = database.Close(old)

	running, release, err := database.OpenHeld("", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := database.Restore(ctx, dbPath, backup, testkit.Start); err == nil || !strings.Contains(err.Error(), "a Crumb is running on "+data) {
		t.Errorf("restore while the data folder is held: err = %v", err)
	}
	if got := tables(t, running); !slices.Contains(got, "replaced") {
		t.Errorf("the refused restore changed the database: its tables are %q", got)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}

	torn := filepath.Join(t.TempDir(), "torn.db")
	whole, _ := os.ReadFile(backup)
	_ = os.WriteFile(torn, whole[:len(whole)/2], 0o600)
	notCrumb := filepath.Join(t.TempDir(), "other.db")
	other, _ := database.Open("", notCrumb)
	_ = other.Exec("CREATE TABLE notes (x)").Error
	_ = database.Close(other)
	newer := filepath.Join(t.TempDir(), "newer.db")
	if err := database.Backup(ctx, live, newer); err != nil {
		t.Fatal(err)
	}
	latest, _ := database.LatestVersion("sqlite")
	newerDB, _ := database.Open("", newer)
	_ = newerDB.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)", latest+1, true).Error
	_ = database.Close(newerDB)
	for src, want := range map[string]string{
		torn:                           "torn.db",
		notCrumb:                       "not a Crumb database",
		newer:                          "newer than this crumb's newest",
		filepath.Join(data, "none.db"): "no such file",
	} {
		if _, err := database.Restore(ctx, dbPath, src, testkit.Start); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("restore %s: err = %v, want one saying %q", filepath.Base(src), err, want)
		}
	}

	kept, err := database.Restore(ctx, dbPath, backup, testkit.Start.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(data, "crumb-replaced-20260307T150001Z.db"); kept != want {
		t.Errorf("kept the replaced database as %s, want %s", kept, want)
	}
	if _, err := database.Restore(ctx, dbPath, backup, testkit.Start.Add(time.Second)); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("a second restore in the same second: err = %v, want a refusal to replace what the first kept", err)
	}
	for path, want := range map[string]string{dbPath: "from_backup", kept: "replaced"} {
		db, err := database.Open("", path)
		if err != nil {
			t.Fatal(err)
		}
		got := tables(t, db)
		_ = database.Close(db)
		if !slices.Contains(got, want) {
			t.Errorf("%s has the tables %q, want %s among them", filepath.Base(path), got, want)
		}
	}
	if strings.Contains(strings.Join(files(t, data), " "), ".partial") {
		t.Errorf("a partial file is left: %q", files(t, data))
	}
}

// TestNothingOpensTheDataFolderDuringARestore: while a restore holds the
// data folder, the shop and the commands do not open the database there.
func TestNothingOpensTheDataFolderDuringARestore(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	lock, err := database.LockForRestore(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := database.OpenHeld("", filepath.Join(data, "crumb.db")); err == nil || !strings.Contains(err.Error(), "crumb restore is replacing the database in "+data) {
		t.Errorf("OpenHeld during a restore: err = %v", err)
	}
	_ = lock.Close()
	_, release, err := database.OpenHeld("", filepath.Join(data, "crumb.db"))
	if err != nil {
		t.Fatalf("OpenHeld once the restore is over: %v", err)
	}
	_ = release()
}
