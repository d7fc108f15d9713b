package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"crumb/models"
)

// Audit owns the audit log (the audit_entries table): entries are added,
// never changed.
type Audit struct{ db *gorm.DB }

// NewAudit builds the audit log.
func NewAudit(db *gorm.DB) *Audit { return &Audit{db: db} }

// Do runs act, something an admin does, and adds the entry act returns to
// the log in the same transaction (see InTransaction): every store act
// hands its ctx to works inside it, so there is no action without its
// entry and no entry without its action, on either database. An entry
// without an Action records nothing: act changed nothing.
func (a *Audit) Do(ctx context.Context, by models.Actor, act func(ctx context.Context) (models.AuditEntry, error)) error {
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

// List is one page of the log (50 to a page), newest first; subjectType
// and subjectID, when set, keep only that record's entries.
func (a *Audit) List(ctx context.Context, subjectType, subjectID string, page int) (models.AuditPage, error) {
	const per = 50
	q := Conn(ctx, a.db).Model(&models.AuditEntry{})
	if subjectType != "" {
		q = q.Where("subject_type = ? AND subject_id = ?", subjectType, subjectID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return models.AuditPage{}, fmt.Errorf("audit: %w", err)
	}
	pages := max(int((total+per-1)/per), 1)
	page = min(max(page, 1), pages)
	var items []models.AuditEntry
	if err := q.Order("created_at DESC, id DESC").Offset((page - 1) * per).Limit(per).Find(&items).Error; err != nil {
		return models.AuditPage{}, fmt.Errorf("audit: %w", err)
	}
	return models.AuditPage{Items: items, Page: page, Pages: pages, Total: total}, nil
}

// ProductChange describes for the log what an edit changed: each field
// of the product that differs, as it was and as it is now. A new product
// (before is the zero Product) is described whole.
func (c *Catalog) ProductChange(before, after models.Product) (was, now string) {
	fields := func(p models.Product) []string {
		if p.ID == 0 {
			return make([]string, 10)
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
			"name " + strconv.Quote(p.Name), "name_ko " + strconv.Quote(p.NameKo), "slug " + p.Slug, "category " + category,
			"price " + p.Price().String(), "stock " + strconv.Itoa(p.Stock), "description " + strconv.Quote(p.Description),
			"description_ko " + strconv.Quote(p.DescriptionKo), "picture " + p.Image, state,
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
