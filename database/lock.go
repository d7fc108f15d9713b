//go:build unix

package database

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// The data folder's lock file. Every Crumb process that uses the SQLite
// database in a folder holds a shared lock on it for as long as it runs
// (the shop, and each command); a restore, which replaces the database,
// takes it exclusively, so it never runs beside any of them. The kernel
// drops a lock when its process ends, however it ends, so a crashed shop
// leaves no stale lock behind.
const lockFile = "crumb.lock"

// errLocked is a lock someone else holds in the way.
var errLocked = errors.New("locked")

// holdData takes a shared lock on the data folder dir, held until the
// returned file is closed. It fails while a restore replaces the database
// there.
func holdData(dir string) (*os.File, error) {
	f, err := lockData(dir, syscall.LOCK_SH)
	if errors.Is(err, errLocked) {
		return nil, fmt.Errorf("crumb restore is replacing the database in %s: start again when it has finished", dir)
	}
	return f, err
}

// lockData opens the lock file in dir, creating both if need be, and takes
// the lock how (syscall.LOCK_SH or LOCK_EX) on it without waiting.
func lockData(dir string, how int) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	return f, nil
}
