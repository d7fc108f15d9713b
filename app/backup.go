package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"crumb/database"
)

// A scheduled backup is named after the moment it was taken, so that the
// names sort oldest first: crumb-20261202T140501.123Z.db.
const backupStamp = "20060102T150405.000Z"

// runBackups backs the database up every BACKUP_EVERY until ctx ends. The
// first backup is due an interval after the newest one in BACKUP_DIR (at
// once when there is none), so a shop restarted more often than
// BACKUP_EVERY still backs up on time. A failure is logged and counted,
// and the shop goes on serving; the next interval tries again.
func (a *App) runBackups(ctx context.Context) {
	timer := time.NewTimer(a.untilNextBackup())
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		start := a.now()
		path, err := a.backup(ctx)
		if err != nil && ctx.Err() != nil {
			return // cut short by shutdown
		}
		a.Metrics.Backup(a.now(), err)
		if err != nil {
			a.log.Error("backup failed", "dir", a.Config.BackupDir, "err", err)
		} else {
			a.log.Info("backed up", "file", path, "took", a.now().Sub(start).Round(time.Millisecond))
		}
		timer.Reset(a.Config.BackupEvery)
	}
}

// untilNextBackup is how long until an interval has passed since the
// newest scheduled backup in BACKUP_DIR; 0 when there is none, or it is
// older than that.
func (a *App) untilNextBackup() time.Duration {
	backups, err := scheduledBackups(a.Config.BackupDir)
	if err != nil || len(backups) == 0 {
		return 0
	}
	newest, _ := time.Parse(backupStamp, stampOf(backups[len(backups)-1]))
	return max(0, newest.Add(a.Config.BackupEvery).Sub(a.now()))
}

// backup writes a checked backup of the SQLite database into BACKUP_DIR,
// named after the moment, and then deletes the oldest scheduled backups
// there beyond BACKUP_KEEP. It returns the new backup's path.
func (a *App) backup(ctx context.Context) (string, error) {
	dir := a.Config.BackupDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	path := filepath.Join(dir, "crumb-"+a.now().UTC().Format(backupStamp)+".db")
	if err := database.Backup(ctx, a.DB, path); err != nil {
		return "", err
	}
	backups, err := scheduledBackups(dir)
	if err != nil {
		return path, fmt.Errorf("backup: %w", err)
	}
	for _, old := range backups[:max(0, len(backups)-a.Config.BackupKeep)] {
		if err := os.Remove(filepath.Join(dir, old)); err != nil {
			return path, fmt.Errorf("backup: delete an old one: %w", err)
		}
	}
	return path, nil
}

// scheduledBackups lists the names of the scheduled backups in dir, oldest
// first, leaving out every other file (such as a database a restore
// replaced).
func scheduledBackups(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if _, err := time.Parse(backupStamp, stampOf(e.Name())); err == nil {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// stampOf is the moment in a scheduled backup's name, or "" when name is
// not one.
func stampOf(name string) string {
	stamp, ok := strings.CutPrefix(name, "crumb-")
	stamp, dotDB := strings.CutSuffix(stamp, ".db")
	if !ok || !dotDB {
		return ""
	}
	return stamp
}
