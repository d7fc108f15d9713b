package database_test

import (
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
)

// TestColumnsHoldWhatTheModelsAllow: every text column of the migrated
// Postgres schema is exactly as long as its model's size says (SQLite's
// columns have no length). A column shorter than what the model lets
// through turns a valid input into a 500, and, inside a transaction, an
// action that is not recorded.
func TestColumnsHoldWhatTheModelsAllow(t *testing.T) {
	t.Parallel()
	db := testkit.Postgres(t)
	tables := []any{
		models.User{}, models.SecurityEvent{}, models.AuditEntry{}, models.Category{}, models.Product{},
		models.Image{}, models.Order{}, models.OrderLine{}, storage.StoredCart{}, storage.CartItem{},
		models.OutboxMessage{}, storage.PasswordReset{}, models.WebSession{}, models.RememberToken{},
		models.RefreshFamily{}, models.RefreshToken{}, storage.KVEntry{},
	}
	checked := 0
	for _, model := range tables {
		s, err := schema.Parse(model, &sync.Map{}, db.NamingStrategy)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range s.Fields {
			if f.DBName == "" || f.DataType != schema.String || f.Size == 0 {
				continue
			}
			var length *int
			err := db.Raw(`SELECT character_maximum_length FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`, s.Table, f.DBName).Row().Scan(&length)
			if err != nil {
				t.Errorf("%s.%s: %v", s.Table, f.DBName, err)
				continue
			}
			checked++
			if length == nil || *length != f.Size {
				t.Errorf("%s.%s holds %v characters; the model says %d", s.Table, f.DBName, deref(length), f.Size)
			}
		}
	}
	if checked < 30 {
		t.Fatalf("only %d columns checked: the models' sizes were not read", checked)
	}

	// The subjects the back office records: a customer's email at its
	// longest fits.
	longest := models.AuditEntry{}
	if s, _ := schema.Parse(&longest, &sync.Map{}, db.NamingStrategy); s.LookUpField("SubjectName").Size < 254 {
		t.Errorf("audit_entries.subject_name is shorter than the longest email (254)")
	}
}

func deref(n *int) any {
	if n == nil {
		return "unlimited"
	}
	return *n
}
