package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupSettings: scheduled backups are off unless BACKUP_EVERY asks
// for them, go to DATA_DIR/backups and keep 7 by default, and are refused
// with Postgres, which pg_dump backs up.
func TestBackupSettings(t *testing.T) {
	cfg, err := Parse(env(withSecrets(map[string]string{"DATA_DIR": "/srv/crumb"})), discard())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BackupEvery != 0 || cfg.BackupDir != filepath.Join("/srv/crumb", "backups") || cfg.BackupKeep != 7 {
		t.Errorf("defaults: every %v into %s keeping %d; want off, /srv/crumb/backups, 7", cfg.BackupEvery, cfg.BackupDir, cfg.BackupKeep)
	}
	cfg, err = Parse(env(withSecrets(map[string]string{"BACKUP_EVERY": "6h", "BACKUP_DIR": "/backups/crumb", "BACKUP_KEEP": "28"})), discard())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BackupEvery != 6*time.Hour || cfg.BackupDir != "/backups/crumb" || cfg.BackupKeep != 28 {
		t.Errorf("set: every %v into %s keeping %d; want 6h, /backups/crumb, 28", cfg.BackupEvery, cfg.BackupDir, cfg.BackupKeep)
	}
	for _, bad := range []map[string]string{
		{"BACKUP_EVERY": "daily"},
		{"BACKUP_EVERY": "-1h"},
		{"BACKUP_KEEP": "0"},
		{"BACKUP_EVERY": "1h", "DATABASE_URL": "postgres://u@db/crumb"},
	} {
		_, err := Parse(env(withSecrets(bad)), discard())
		key := "BACKUP_EVERY"
		if _, ok := bad["BACKUP_KEEP"]; ok {
			key = "BACKUP_KEEP"
		}
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%v: err = %v, want one naming %s", bad, err, key)
		}
	}
}
