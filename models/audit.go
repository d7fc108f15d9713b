package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
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
	SubjectName string `gorm:"size:200;not null;default:''"`
	Before      string `gorm:"not null;default:''"`
	After       string `gorm:"not null;default:''"`
	IP          string `gorm:"size:64;not null"`
	CreatedAt   time.Time
}

// Audit owns the audit log (the audit_entries table): entries are added,
// never changed.
type Audit struct{ db *gorm.DB }

// NewAudit builds the audit log.
func NewAudit(db *gorm.DB) *Audit { return &Audit{db: db} }

// Record adds an entry.
func (a *Audit) Record(ctx context.Context, e AuditEntry) error {
	if err := a.db.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Items       []AuditEntry
	Page, Pages int
	Total       int64
}

// List is one page of the log (50 to a page), newest first; subjectType
// and subjectID, when set, keep only that record's entries.
func (a *Audit) List(ctx context.Context, subjectType, subjectID string, page int) (AuditPage, error) {
	const per = 50
	q := a.db.WithContext(ctx).Model(&AuditEntry{})
	if subjectType != "" {
		q = q.Where("subject_type = ? AND subject_id = ?", subjectType, subjectID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return AuditPage{}, fmt.Errorf("audit: %w", err)
	}
	pages := max(int((total+per-1)/per), 1)
	page = min(max(page, 1), pages)
	var items []AuditEntry
	if err := q.Order("created_at DESC, id DESC").Offset((page - 1) * per).Limit(per).Find(&items).Error; err != nil {
		return AuditPage{}, fmt.Errorf("audit: %w", err)
	}
	return AuditPage{Items: items, Page: page, Pages: pages, Total: total}, nil
}
