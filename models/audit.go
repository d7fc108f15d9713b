package models

import (
	"time"
)

// AuditEntry is one thing an admin did: who, what, to which record, the
// values before and after (prices, stock, status), when and from where.
type AuditEntry struct {
	ID          uint   `gorm:"primaryKey"`
	ActorID     uint   `gorm:"not null"`
	ActorEmail  string `gorm:"size:254;not null"`
	Action      string `gorm:"size:60;not null"` // such as "product.update", "order.status"
	SubjectType string `gorm:"size:40;not null"` // product, order, customer
	SubjectID   string `gorm:"size:64;not null"`
	SubjectName string `gorm:"size:254;not null;default:''"` // an email, a product name or a shipping name
	Before      string `gorm:"not null;default:''"`
	After       string `gorm:"not null;default:''"`
	IP          string `gorm:"size:64;not null"`
	CreatedAt   time.Time
}

// Actor is the admin who does something in the back office, from where
// and when.
type Actor struct {
	ID    uint
	Email string
	IP    string
	At    time.Time
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Items       []AuditEntry
	Page, Pages int
	Total       int64
}
