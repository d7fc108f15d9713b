package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"crumb/models"
	"crumb/secret"
)

// Accounts answers for an account as a whole, across the tables of the
// stores that own them: what Crumb keeps about it (Data) and its deletion
// (Delete), and the retention of what a deleted account leaves (Sweep).
type Accounts struct {
	db            *gorm.DB
	users         *Users
	orders        *Orders
	carts         *Carts
	outbox        *Outbox
	resets        *PasswordResets
	verifications *EmailVerifications
	audit         *Audit
	now           func() time.Time
	// orderRetention is how long a deleted account's orders are kept
	// (ORDER_RETENTION).
	orderRetention time.Duration
}

// NewAccounts builds the account store over the stores that own each part.
func NewAccounts(db *gorm.DB, users *Users, orders *Orders, carts *Carts, outbox *Outbox, resets *PasswordResets,
	verifications *EmailVerifications, audit *Audit, now func() time.Time, orderRetention time.Duration) *Accounts {
	return &Accounts{db: db, users: users, orders: orders, carts: carts, outbox: outbox, resets: resets,
		verifications: verifications, audit: audit, now: now, orderRetention: orderRetention}
}

// KeptYears is how many years a deleted account's orders are kept.
func (s *Accounts) KeptYears() int { return int(s.orderRetention / (365 * 24 * time.Hour)) }

// NewTombstone names a deleted account from now on, in place of its
// email: "deleted-" and 16 random hex digits.
func NewTombstone() string { return "deleted-" + secret.Hex(8) }

// Data is what the database keeps about the account: the account, its
// orders with their lines and shipping, its security events and the
// emails sent to it in the last MailsShown (as outbox messages, for the
// caller to name by their subject). The sign-ins are the session
// manager's to list.
func (s *Accounts) Data(ctx context.Context, userID uint) (models.AccountData, []models.OutboxMessage, error) {
	db := Conn(ctx, s.db)
	u, err := s.users.byID(db, userID)
	if err != nil {
		return models.AccountData{}, nil, err
	}
	data := models.AccountData{
		ExportedAt: s.now().UTC(),
		Account: models.AccountRecord{Name: u.Name, Email: u.Email, EmailVerified: u.EmailVerified(),
			EmailVerifiedAt: u.EmailVerifiedAt, Language: u.Language, CreatedAt: u.CreatedAt},
		Orders: []models.OrderRecord{}, Sessions: []models.SignInRecord{}, SecurityEvents: []models.SecurityRecord{}, Mails: []models.MailRecord{},
		Retention: models.RetentionRecord{SecurityEventsDays: days(models.KeepSecurityEvents), MailsDays: days(models.MailsShown),
			OrdersAfterDeletionDays: days(s.orderRetention)},
	}
	orders, err := s.orders.allOf(db, userID)
	if err != nil {
		return models.AccountData{}, nil, err
	}
	for _, o := range orders {
		data.Orders = append(data.Orders, orderRecord(o))
	}
	events, err := s.users.securityEvents(db, userID, 0)
	if err != nil {
		return models.AccountData{}, nil, err
	}
	for _, e := range events {
		data.SecurityEvents = append(data.SecurityEvents, models.SecurityRecord{Kind: e.Kind, IP: e.IP, At: e.CreatedAt})
	}
	mails, err := s.outbox.sentTo(db, u.Email, s.now().UTC().Add(-models.MailsShown))
	if err != nil {
		return models.AccountData{}, nil, err
	}
	return data, mails, nil
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

func orderRecord(o models.Order) models.OrderRecord {
	r := models.OrderRecord{Number: o.Number, Status: o.Status, PlacedAt: o.CreatedAt, CancelledAt: o.CancelledAt,
		Currency: o.Currency, Subtotal: o.Subtotal, Total: o.Total, PaymentMethod: o.PaymentMethod,
		Shipping: models.ShippingRecord{Name: o.Name, Phone: o.Phone, Address1: o.Address1, Address2: o.Address2,
			PostalCode: o.PostalCode, Country: o.Country},
		Lines: []models.OrderLineRecord{}}
	for _, l := range o.Lines {
		r.Lines = append(r.Lines, models.OrderLineRecord{ProductID: l.ProductID, Name: l.Name, NameKo: l.NameKo,
			UnitPrice: l.UnitPrice, Quantity: l.Quantity, LineTotal: l.LineTotal})
	}
	return r
}

// Delete erases the account user, leaving tombstone (NewTombstone) in
// place of its email, in ctx's transaction (Audit.Do's, so
// the audit entry and the session manager's sign-out commit with it):
// refused with *models.ErrOpenOrders while an order is placed, paid or
// shipped. The emails sent to the address are forgotten and a last one,
// saying what was deleted, is queued to it; every reset and verification
// link and the cart go; the name, email, password hash and security
// events are erased. What stays is a tombstone, disabled, that keeps the
// account's orders (with their shipping details) for orderRetention, and
// frees the email to sign up again. Earlier audit entries about the
// account name the tombstone instead of the email.
func (s *Accounts) Delete(ctx context.Context, user models.User, tombstone string) error {
	db := Conn(ctx, s.db)
	u, err := s.users.lockByID(db, user.ID)
	if err != nil {
		return err
	}
	if u.Erased() {
		return models.ErrNotFound
	}
	orders, err := s.orders.allOf(db, u.ID)
	if err != nil {
		return err
	}
	var open []string
	for _, o := range orders {
		if models.OrderOpen(o.Status) {
			open = append(open, o.Number)
		}
	}
	if len(open) > 0 {
		return &models.ErrOpenOrders{Numbers: open}
	}
	now := s.now().UTC()
	if err := s.outbox.forget(db, u.Email); err != nil {
		return err
	}
	goodbye := models.MailData{At: now, OrdersKept: len(orders), KeptYears: s.KeptYears()}
	if err := s.outbox.enqueue(db, models.MailAccountDeleted, u, goodbye, ""); err != nil {
		return err
	}
	if err := s.resets.end(db, u); err != nil {
		return err
	}
	if err := s.verifications.endFor(db, u.ID); err != nil {
		return err
	}
	if err := s.carts.deleteUser(db, u.ID); err != nil {
		return err
	}
	if err := s.users.erase(db, u.ID, tombstone, now); err != nil {
		return err
	}
	return s.audit.renameSubject(db, "customer", fmt.Sprint(u.ID), tombstone)
}

// Sweep deletes what is kept past its stated period: security events
// older than KeepSecurityEvents, the orders of deleted accounts placed
// more than orderRetention ago, and the tombstones left with no order.
// Safe on every instance at once.
func (s *Accounts) Sweep(ctx context.Context) (int64, error) {
	var swept int64
	err := InTransaction(ctx, s.db, func(ctx context.Context) error {
		db := Conn(ctx, s.db)
		now := s.now().UTC()
		n, err := s.users.sweepEvents(db, now.Add(-models.KeepSecurityEvents))
		if err != nil {
			return err
		}
		m, err := s.orders.sweepErased(db, now.Add(-s.orderRetention))
		if err != nil {
			return err
		}
		t, err := s.users.sweepTombstones(db)
		swept = n + m + t
		return err
	})
	return swept, err
}

// deleteUser removes the account's cart.
func (s *Carts) deleteUser(db *gorm.DB, userID uint) error {
	cart := db.Model(&StoredCart{}).Select("id").Where("user_id = ?", userID)
	if err := db.Where("cart_id IN (?)", cart).Delete(&CartItem{}).Error; err != nil {
		return fmt.Errorf("delete cart: %w", err)
	}
	if err := db.Where("user_id = ?", userID).Delete(&StoredCart{}).Error; err != nil {
		return fmt.Errorf("delete cart: %w", err)
	}
	return nil
}

// allOf is every order of the account with its lines, newest first.
func (s *Orders) allOf(db *gorm.DB, userID uint) ([]models.Order, error) {
	var out []models.Order
	err := db.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Where("user_id = ?", userID).Order("created_at DESC, id DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("orders of account: %w", err)
	}
	return out, nil
}

// sweepErased deletes the orders of deleted accounts placed before
// cutoff, with their lines.
func (s *Orders) sweepErased(db *gorm.DB, cutoff time.Time) (int64, error) {
	old := db.Model(&models.Order{}).Select("id").
		Where("created_at < ? AND user_id IN (?)", cutoff, db.Model(&models.User{}).Select("id").Where("erased_at IS NOT NULL"))
	if err := db.Where("order_id IN (?)", old).Delete(&models.OrderLine{}).Error; err != nil {
		return 0, fmt.Errorf("sweep orders: %w", err)
	}
	res := db.Where("created_at < ? AND user_id IN (?)", cutoff, db.Model(&models.User{}).Select("id").Where("erased_at IS NOT NULL")).
		Delete(&models.Order{})
	if res.Error != nil {
		return 0, fmt.Errorf("sweep orders: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// lockByID loads the account in db, on Postgres locking its row until db's
// transaction ends.
func (s *Users) lockByID(db *gorm.DB, id uint) (models.User, error) {
	if db.Dialector.Name() == "postgres" {
		if err := db.Exec("SELECT id FROM users WHERE id = ? FOR UPDATE", id).Error; err != nil {
			return models.User{}, fmt.Errorf("user: %w", err)
		}
	}
	return s.byID(db, id)
}

// erase turns the account into a tombstone: no name, the tombstone's id
// in place of the email, no password, disabled, its app tokens void and
// its security events gone.
func (s *Users) erase(db *gorm.DB, id uint, tombstone string, at time.Time) error {
	err := db.Model(&models.User{}).Where("id = ?", id).Updates(map[string]any{
		"name": "", "email": tombstone, "password_hash": "", "role": models.RoleCustomer,
		"disabled_at": at, "erased_at": at, "email_verified_at": nil, "theft_detected_at": nil,
		"token_epoch": gorm.Expr("token_epoch + 1"), "updated_at": at,
	}).Error
	if err != nil {
		return fmt.Errorf("erase account: %w", err)
	}
	if err := db.Where("user_id = ?", id).Delete(&models.SecurityEvent{}).Error; err != nil {
		return fmt.Errorf("erase account: %w", err)
	}
	return nil
}

// sweepEvents deletes the security events from before cutoff.
func (s *Users) sweepEvents(db *gorm.DB, cutoff time.Time) (int64, error) {
	res := db.Where("created_at < ?", cutoff).Delete(&models.SecurityEvent{})
	if res.Error != nil {
		return 0, fmt.Errorf("sweep security events: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// sweepTombstones deletes the deleted accounts that keep no order.
func (s *Users) sweepTombstones(db *gorm.DB) (int64, error) {
	res := db.Where("erased_at IS NOT NULL AND id NOT IN (?)", db.Model(&models.Order{}).Select("user_id")).Delete(&models.User{})
	if res.Error != nil {
		return 0, fmt.Errorf("sweep deleted accounts: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// endFor ends every verification link of the account.
func (s *EmailVerifications) endFor(db *gorm.DB, userID uint) error {
	if err := db.Where("user_id = ?", userID).Delete(&EmailVerification{}).Error; err != nil {
		return fmt.Errorf("email verification: %w", err)
	}
	return nil
}

// forget deletes every message to address, sent or not.
func (o *Outbox) forget(db *gorm.DB, address string) error {
	if err := db.Where("recipient = ?", address).Delete(&models.OutboxMessage{}).Error; err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// sentTo is the messages sent to address since, newest first.
func (o *Outbox) sentTo(db *gorm.DB, address string, since time.Time) ([]models.OutboxMessage, error) {
	var out []models.OutboxMessage
	if err := db.Where("recipient = ? AND sent_at >= ?", address, since).Order("sent_at DESC, id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}

// renameSubject names the subject of every entry about one record anew
// (a deleted account's: its tombstone, in place of its email).
func (a *Audit) renameSubject(db *gorm.DB, subjectType, subjectID, name string) error {
	err := db.Model(&models.AuditEntry{}).Where("subject_type = ? AND subject_id = ?", subjectType, subjectID).
		Update("subject_name", name).Error
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
