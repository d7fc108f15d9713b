package app_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"crumb/app"
	"crumb/config"
	"crumb/database"
	"crumb/internal/apptest"
)

// onTheWallClock runs the app on the real clock, so that backups taken
// milliseconds apart have names of their own.
func onTheWallClock(_ *config.Config, o *app.Options) { o.Now = time.Now }

// metric is the value of the sample named (with its labels) in the app's
// metrics, 0 when there is none yet.
func metric(t *testing.T, ta *apptest.App, sample string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	ta.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// eventually waits up to ten seconds for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

// TestScheduledBackups: the running shop backs itself up every
// BACKUP_EVERY, each backup a sound Crumb database, keeps the newest
// BACKUP_KEEP of them and leaves every other file in the folder alone.
func TestScheduledBackups(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "crumb-replaced-20260101T000000Z.db")
	if err := os.WriteFile(other, []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}
	ta := apptest.New(t, onTheWallClock, apptest.WithConfig(func(cfg *config.Config) {
		cfg.BackupEvery, cfg.BackupDir, cfg.BackupKeep = 50*time.Millisecond, dir, 3
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ta.Run(ctx)
	eventually(t, "5 backups", func() bool { return metric(t, ta, `crumb_backups_total{result="success"}`) >= 5 })
	cancel()
	time.Sleep(100 * time.Millisecond) // a backup under way ends with ctx

	backups, _ := filepath.Glob(filepath.Join(dir, "crumb-2*.db"))
	if len(backups) != 3 {
		t.Fatalf("%d backups kept, want BACKUP_KEEP's 3: %q", len(backups), backups)
	}
	for _, b := range backups {
		if _, err := database.Inspect(context.Background(), b); err != nil {
			t.Error(err)
		}
	}
	var logged []string
	for _, m := range regexp.MustCompile(`msg="backed up" file=(\S+)`).FindAllStringSubmatch(ta.Logs.String(), -1) {
		logged = append(logged, m[1])
	}
	if len(logged) < 5 || !slices.Equal(backups, logged[len(logged)-3:]) {
		t.Errorf("kept %q, want the last 3 of those logged: %q", backups, logged)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file in the backup folder that is not a scheduled backup was deleted: %v", err)
	}
	if last := metric(t, ta, "crumb_backup_last_success_timestamp_seconds"); time.Since(time.Unix(int64(last), 0)) > time.Minute {
		t.Errorf("crumb_backup_last_success_timestamp_seconds = %v, want about now", last)
	}
	if got := metric(t, ta, `crumb_backups_total{result="failure"}`); got != 0 {
		t.Errorf("%v backups failed", got)
	}
}

// TestFailedBackupKeepsTheShopServing: a backup that cannot be written is
// logged and counted, and the shop goes on serving.
func TestFailedBackupKeepsTheShopServing(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "backups")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ta := apptest.New(t, apptest.WithConfig(func(cfg *config.Config) {
		cfg.BackupEvery, cfg.BackupDir = 20*time.Millisecond, notADir
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ta.Run(ctx)
	eventually(t, "2 failed backups counted", func() bool { return metric(t, ta, `crumb_backups_total{result="failure"}`) >= 2 })
	if !strings.Contains(ta.Logs.String(), `msg="backup failed"`) {
		t.Errorf("the failed backups were not logged:\n%s", ta.Logs.String())
	}
	if res := ta.Get("/products"); res.StatusCode != 200 {
		t.Errorf("GET /products after failed backups = %d", res.StatusCode)
	}
	if got := metric(t, ta, `crumb_backups_total{result="success"}`); got != 0 {
		t.Errorf("%v backups succeeded into a file", got)
	}
}

// TestBackupScheduleSurvivesRestarts: a shop that starts with a backup
// younger than BACKUP_EVERY in the folder waits for the rest of the
// interval; one whose newest backup is older backs up at once.
func TestBackupScheduleSurvivesRestarts(t *testing.T) {
	for _, tt := range []struct {
		name   string
		age    time.Duration
		backup bool
	}{
		{"recent backup", time.Minute, false},
		{"stale backup", 2 * time.Hour, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			last := filepath.Join(dir, "crumb-"+time.Now().Add(-tt.age).UTC().Format("20060102T150405.000Z")+".db")
			if err := os.WriteFile(last, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			ta := apptest.New(t, onTheWallClock, apptest.WithConfig(func(cfg *config.Config) {
				cfg.BackupEvery, cfg.BackupDir = time.Hour, dir
			}))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ta.Run(ctx)
			backedUp := func() bool { return metric(t, ta, `crumb_backups_total{result="success"}`) > 0 }
			if tt.backup {
				eventually(t, "a backup at start", backedUp)
				return
			}
			time.Sleep(300 * time.Millisecond)
			if backedUp() {
				t.Errorf("backed up at start with a backup %v old, BACKUP_EVERY 1h", tt.age)
			}
		})
	}
}
