package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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
	SubjectName string `gorm:"size:254;not null;default:''"` // an email, a product name or a shipping name
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

// Actor is the admin who does something in the back office, from where
// and when.
type Actor struct {
	ID    uint
	Email string
	IP    string
	At    time.Time
}

// Do runs act, something an admin does, and adds the entry act returns to
// the log in the same transaction (see InTransaction): every store act
// hands its ctx to works inside it, so there is no action without its
// entry and no entry without its action, on either database. An entry
// without an Action records nothing: act changed nothing.
func (a *Audit) Do(ctx context.Context, by Actor, act func(ctx context.Context) (AuditEntry, error)) error {
	return InTransaction(ctx, a.db, func(ctx context.Context) error {
		e, err := act(ctx)
		if err != nil || e.Action == "" {
			return err
		}
		e.ActorID, e.ActorEmail, e.IP, e.CreatedAt = by.ID, by.Email, by.IP, by.At
		if err := Conn(ctx, a.db).Create(&e).Error; err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		return nil
	})
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
	q := Conn(ctx, a.db).Model(&AuditEntry{})
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

// ProductChange describes for the log what an edit changed: each field
// of the product that differs, as it was and as it is now. A new product
// (before is the zero Product) is described whole.
func (c *Catalog) ProductChange(before, after Product) (was, now string) {
	fields := func(p Product) []string {
		if p.ID == 0 {
			return make([]string, 8)
		}
		category := fmt.Sprintf("#%d", p.CategoryID)
		if cat, err := c.categoryByID(p.CategoryID); err == nil {
			category = cat.Name
		}
		state := "published"
		if !p.Published {
			state = "unpublished"
		}
		return []string{
			"name " + strconv.Quote(p.Name), "slug " + p.Slug, "category " + category, "price " + p.Price().String(),
			"stock " + strconv.Itoa(p.Stock), "description " + strconv.Quote(p.Description), "picture " + p.Image, state,
		}
	}
	b, a := fields(before), fields(after)
	var from, to []string
	for i := range a {
		if b[i] != a[i] {
			if b[i] != "" {
				from = append(from, b[i])
			}
			to = append(to, a[i])
		}
	}
	return strings.Join(from, "; "), strings.Join(to, "; ")
}
