package database

import (
	"os"
	"syscall"
)

// BackupWith is Backup with write in place of VACUUM INTO, to cut a backup
// short.
var BackupWith = backup

// LockForRestore takes the data folder's lock as a restore does.
func LockForRestore(dir string) (*os.File, error) { return lockData(dir, syscall.LOCK_EX) }
