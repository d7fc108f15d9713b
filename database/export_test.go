package database

// BackupWith is Backup with write in place of VACUUM INTO, to cut a backup
// short.
var BackupWith = backup
