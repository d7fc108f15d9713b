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

// isScheduledBackup reports whether name is a scheduled backup's, and not
// some other file in the folder (such as a database a restore replaced).
func isScheduledBackup(name string) bool {
	stamp, ok := strings.CutPrefix(name, "crumb-")
	stamp, dotDB := strings.CutSuffix(stamp, ".db")
	_, err := time.Parse(backupStamp, stamp)
	return ok && dotDB && err == nil
}

// runBackups backs the database up every BACKUP_EVERY until ctx ends. A
// failure is logged and counted, and the shop goes on serving; the next
// tick tries again.
func (a *App) runBackups(ctx context.Context) {
	t := time.NewTicker(a.Config.BackupEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := a.now()
		path, err := a.Backup(ctx)
		if err != nil && ctx.Err() != nil {
			return // cut short by shutdown
		}
		a.Metrics.Backup(a.now(), err)
		if err != nil {
			a.log.Error("backup failed", "dir", a.Config.BackupDir, "err", err)
			continue
		}
		a.log.Info("backed up", "file", path, "took", a.now().Sub(start).Round(time.Millisecond))
	}
}

// Backup writes a checked backup of the SQLite database into BACKUP_DIR,
// named after the moment, and then deletes the oldest scheduled backups
// there beyond BACKUP_KEEP. It returns the new backup's path.
func (a *App) Backup(ctx context.Context) (string, error) {
	dir := a.Config.BackupDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	path := filepath.Join(dir, "crumb-"+a.now().UTC().Format(backupStamp)+".db")
	if err := database.Backup(ctx, a.DB, path); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return path, fmt.Errorf("backup: %w", err)
	}
	var backups []string
	for _, e := range entries {
		if isScheduledBackup(e.Name()) {
			backups = append(backups, e.Name())
		}
	}
	slices.Sort(backups)
	for _, old := range backups[:max(0, len(backups)-a.Config.BackupKeep)] {
		if err := os.Remove(filepath.Join(dir, old)); err != nil {
			return path, fmt.Errorf("backup: delete an old one: %w", err)
		}
	}
	return path, nil
}
