package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"crumb/models"
	"crumb/secret"
)

const ordersPageSize = 10

// Orders owns the orders and their lines. Placing and cancelling an order
// change stock through the catalog, empty the cart through the carts and
// queue the shopper's email in the outbox, in the order's own transaction.
type Orders struct {
	db      *gorm.DB
	catalog *Catalog
	carts   *Carts
	users   *Users
	outbox  *Outbox
	now     func() time.Time
}

// NewOrders builds the order store; placing an order queues its email in
// outbox; now stamps when orders are placed.
func NewOrders(db *gorm.DB, catalog *Catalog, carts *Carts, users *Users, outbox *Outbox, now func() time.Time) *Orders {
	return &Orders{db: db, catalog: catalog, carts: carts, users: users, outbox: outbox, now: now}
}

// Place turns the account's cart into an order in one transaction: an
// account whose email is not verified is refused (ErrEmailUnverified),
// prices and stock are read again, stock is taken only where enough is
// left (a conditional update), the order keeps the prices paid and the
// products' names in both languages, the cart is emptied and the
// confirmation email is queued. The same Key returns the existing order
// (created false). The catalog snapshot is refreshed once the stock has
// changed.
func (s *Orders) Place(ctx context.Context, in models.PlaceOrderInput) (order models.Order, created bool, err error) {
	cart := s.carts.userCart(in.UserID)
	err = Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if existing, found, err := orderByKey(tx, in.UserID, in.Key); err != nil || found {
			if err == nil && existing.RequestHash != in.RequestHash {
				err = models.ErrIdempotencyConflict
			}
			order = existing
			return err
		}
		user, err := s.users.byID(tx, in.UserID)
		if err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		if !user.EmailVerified() {
			return models.ErrEmailUnverified
		}
		lines, err := cart.in(tx).Lines(ctx)
		if err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		if len(lines) == 0 {
			return models.ErrEmptyCart
		}
		order, err = s.buildOrder(tx, in, lines)
		if err != nil {
			return err
		}
		order.CreatedAt = s.now().UTC()
		order.UpdatedAt = order.CreatedAt
		if err := tx.Create(&order).Error; err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		if err := cart.in(tx).empty(); err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		if err := s.mailOrder(tx, user, order); err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		// The stock last: taking it locks each product's row until the
		// commit, and every shopper of a product waits for that lock.
		// Lines come in product order, so two orders lock in the same order.
		for _, l := range order.Lines {
			ok, err := s.catalog.takeStock(tx, l.ProductID, l.Quantity)
			if err != nil {
				return fmt.Errorf("checkout: %w", err)
			}
			if !ok {
				return &models.CheckoutConflict{Lines: []models.ConflictLine{{Name: l.Name, NameKo: l.NameKo, Wanted: l.Quantity}}}
			}
		}
		created = true
		return nil
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// A concurrent request with the same key won the race: return its order.
		existing, found, ferr := orderByKey(Conn(ctx, s.db), in.UserID, in.Key)
		if ferr == nil && found {
			if existing.RequestHash != in.RequestHash {
				return existing, false, models.ErrIdempotencyConflict
			}
			return existing, false, nil
		}
	}
	if created {
		s.catalog.StockChanged(ctx, productIDs(order.Lines))
	}
	return order, created, err
}

// buildOrder prices the cart lines from the database, or reports every
// line that is sold out, short of stock or priced differently than quoted.
func (s *Orders) buildOrder(tx *gorm.DB, in models.PlaceOrderInput, lines []models.CartLine) (models.Order, error) {
	ids := make([]uint, len(lines))
	for i, l := range lines {
		ids[i] = l.ProductID
	}
	byID, err := s.catalog.products(tx, ids)
	if err != nil {
		return models.Order{}, fmt.Errorf("checkout: %w", err)
	}
	order := models.Order{
		Number: newOrderNumber(), UserID: in.UserID, Key: in.Key, RequestHash: in.RequestHash,
		Status: models.StatusPlaced, Shipping: in.Shipping, PaymentMethod: in.Payment,
	}
	var conflict models.CheckoutConflict
	for _, l := range lines {
		p, ok := byID[l.ProductID]
		switch {
		case !ok || !p.Published:
			conflict.Lines = append(conflict.Lines, models.ConflictLine{Name: nameOr(p, "An item"), NameKo: p.NameKo, Wanted: l.Quantity})
			continue
		case p.Stock < l.Quantity:
			conflict.Lines = append(conflict.Lines, models.ConflictLine{Name: p.Name, NameKo: p.NameKo, Wanted: l.Quantity, Available: p.Stock})
			continue
		}
		if quoted, ok := in.Quote[p.ID]; in.Quote != nil && (!ok || quoted != p.PriceAmount) {
			conflict.Lines = append(conflict.Lines, models.ConflictLine{Name: p.Name, NameKo: p.NameKo, Wanted: l.Quantity, Available: p.Stock,
				OldPrice: models.Money{Amount: quoted, Currency: p.Currency}, NewPrice: p.Price()})
			continue
		}
		total := p.PriceAmount * int64(l.Quantity)
		order.Lines = append(order.Lines, models.OrderLine{ProductID: p.ID, Name: p.Name, NameKo: p.NameKo, UnitPrice: p.PriceAmount, Quantity: l.Quantity, LineTotal: total})
		order.Subtotal += total
		order.Currency = p.Currency
	}
	if len(conflict.Lines) > 0 {
		return models.Order{}, &conflict
	}
	order.Total = order.Subtotal
	return order, nil
}

func nameOr(p models.Product, def string) string {
	if p.Name == "" {
		return def
	}
	return p.Name
}

func orderByKey(tx *gorm.DB, userID uint, key string) (models.Order, bool, error) {
	var o models.Order
	err := tx.Preload("Lines").Where("user_id = ? AND idempotency_key = ?", userID, key).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Order{}, false, nil
	}
	if err != nil {
		return models.Order{}, false, fmt.Errorf("order: %w", err)
	}
	return o, true, nil
}

// orderAlphabet leaves out look-alike characters (0/O, 1/I/L).
const orderAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newOrderNumber is "CR-" and 10 random characters (about 49 bits).
func newOrderNumber() string {
	b := secret.Bytes(10)
	for i := range b {
		b[i] = orderAlphabet[int(b[i])%len(orderAlphabet)]
	}
	return "CR-" + string(b)
}

// orderNumberLike reports whether number can be one newOrderNumber made;
// what cannot is never looked up.
func orderNumberLike(number string) bool {
	rest, ok := strings.CutPrefix(number, "CR-")
	return ok && len(rest) == 10 && strings.Trim(rest, orderAlphabet) == ""
}

// ForUser loads one of the user's orders by its number; another
// account's order is ErrNotFound, exactly like a missing one (and like a
// number no order can have).
func (s *Orders) ForUser(ctx context.Context, userID uint, number string) (models.Order, error) {
	return userOrder(Conn(ctx, s.db), userID, number)
}

func userOrder(db *gorm.DB, userID uint, number string) (models.Order, error) {
	var o models.Order
	if !orderNumberLike(number) {
		return models.Order{}, models.ErrNotFound
	}
	err := db.Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("user_id = ? AND number = ?", userID, number).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Order{}, models.ErrNotFound
	}
	if err != nil {
		return models.Order{}, fmt.Errorf("order: %w", err)
	}
	return o, nil
}

// ListForUser lists the user's orders, newest first; page is clamped.
func (s *Orders) ListForUser(ctx context.Context, userID uint, page, perPage int) (models.OrderPage, error) {
	if perPage <= 0 {
		perPage = ordersPageSize
	}
	q := Conn(ctx, s.db).Model(&models.Order{}).Where("user_id = ?", userID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return models.OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	pages := max(int((total+int64(perPage)-1)/int64(perPage)), 1)
	page = min(max(page, 1), pages)
	var items []models.Order
	if err := q.Preload("Lines").Order("created_at DESC, id DESC").Offset((page - 1) * perPage).Limit(perPage).Find(&items).Error; err != nil {
		return models.OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	return models.OrderPage{Items: items, Page: page, Pages: pages, PerPage: perPage, Total: total}, nil
}

// Cancel cancels a placed order of the user, puts its items back on the
// shelf and queues the shopper's email, in one transaction.
func (s *Orders) Cancel(ctx context.Context, userID uint, number string, now time.Time) (models.Order, error) {
	var order models.Order
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		var err error
		if order, err = userOrder(tx, userID, number); err != nil {
			return err
		}
		res := tx.Model(&models.Order{}).Where("id = ? AND status = ?", order.ID, models.StatusPlaced).
			Updates(map[string]any{"status": models.StatusCancelled, "cancelled_at": now})
		if res.Error != nil {
			return fmt.Errorf("cancel order: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return models.ErrNotCancellable
		}
		for _, l := range order.Lines {
			if err := s.catalog.returnStock(tx, l.ProductID, l.Quantity); err != nil {
				return fmt.Errorf("cancel order: %w", err)
			}
		}
		order.Status, order.CancelledAt = models.StatusCancelled, &now
		if err := s.queueOrderMail(tx, order); err != nil {
			return fmt.Errorf("cancel order: %w", err)
		}
		return nil
	})
	if err == nil {
		s.catalog.StockChanged(ctx, productIDs(order.Lines))
	}
	return order, err
}

// productIDs lists the products of lines.
func productIDs(lines []models.OrderLine) []uint {
	ids := make([]uint, len(lines))
	for i, l := range lines {
		ids[i] = l.ProductID
	}
	return ids
}

// ByNumber loads any account's order by its number (the back office).
func (s *Orders) ByNumber(ctx context.Context, number string) (models.Order, error) {
	var o models.Order
	if !orderNumberLike(number) {
		return models.Order{}, models.ErrNotFound
	}
	err := Conn(ctx, s.db).Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("number = ?", number).Take(&o).Error
	if err != nil {
		return models.Order{}, fmt.Errorf("order: %w", notFound(err))
	}
	return o, nil
}

// List lists every account's orders, newest first, in status (every
// status when empty); 25 to a page, the page clamped.
func (s *Orders) List(ctx context.Context, status string, page int) (models.OrderPage, error) {
	const per = 25
	q := Conn(ctx, s.db).Model(&models.Order{})
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return models.OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	pages := max(int((total+per-1)/per), 1)
	page = min(max(page, 1), pages)
	var items []models.Order
	if err := q.Preload("Lines").Order("created_at DESC, id DESC").Offset((page - 1) * per).Limit(per).Find(&items).Error; err != nil {
		return models.OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	return models.OrderPage{Items: items, Page: page, Pages: pages, PerPage: per, Total: total}, nil
}

// SetStatus moves an order to status to if CanMove allows it from where
// the order is now (a conditional update: two admins cannot both move it);
// cancelling puts its items back on the shelf, and shipping or cancelling
// queues the shopper's email, in the same transaction.
// It returns the order as it was and as it is.
func (s *Orders) SetStatus(ctx context.Context, number, to string, now time.Time) (before, after models.Order, err error) {
	if !orderNumberLike(number) {
		return before, after, fmt.Errorf("order status: %w", models.ErrNotFound)
	}
	err = Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if err := tx.Preload("Lines").Where("number = ?", number).Take(&before).Error; err != nil {
			return notFound(err)
		}
		if !models.CanMove(before.Status, to) {
			return models.ErrIllegalMove
		}
		fields := map[string]any{"status": to}
		if to == models.StatusCancelled {
			fields["cancelled_at"] = now
		}
		res := tx.Model(&models.Order{}).Where("id = ? AND status = ?", before.ID, before.Status).Updates(fields)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrIllegalMove // moved by someone else meanwhile
		}
		if to == models.StatusCancelled {
			for _, l := range before.Lines {
				if err := s.catalog.returnStock(tx, l.ProductID, l.Quantity); err != nil {
					return err
				}
			}
		}
		after = before
		after.Status = to
		if to == models.StatusCancelled {
			after.CancelledAt = &now
		}
		return s.queueOrderMail(tx, after) // shipped and cancelled tell the shopper
	})
	if err != nil {
		if errors.Is(err, models.ErrIllegalMove) || errors.Is(err, models.ErrNotFound) {
			return before, after, err
		}
		return before, after, fmt.Errorf("order status: %w", err)
	}
	if to == models.StatusCancelled {
		s.catalog.StockChanged(ctx, productIDs(before.Lines))
	}
	return before, after, nil
}

// Summary counts the orders placed from start to end (a day in the
// store's time zone) and the orders waiting for each next step.
func (s *Orders) Summary(ctx context.Context, start, end time.Time) (models.DaySummary, error) {
	sum := models.DaySummary{Waiting: map[string]int{}}
	day := func() *gorm.DB {
		return Conn(ctx, s.db).Model(&models.Order{}).Where("created_at >= ? AND created_at < ?", start.UTC(), end.UTC())
	}
	if err := day().Count(&sum.Placed).Error; err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	if err := day().Where("status <> ?", models.StatusCancelled).Select("COALESCE(SUM(total), 0)").Scan(&sum.Total).Error; err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	var rows []struct {
		Status string
		N      int
	}
	if err := Conn(ctx, s.db).Model(&models.Order{}).Select("status, COUNT(*) AS n").
		Where("status IN ?", []string{models.StatusPlaced, models.StatusPaid, models.StatusShipped}).Group("status").Scan(&rows).Error; err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	for _, r := range rows {
		sum.Waiting[r.Status] = r.N
	}
	return sum, nil
}

// orderMailKinds is the email of each status that tells the shopper.
var orderMailKinds = map[string]string{models.StatusPlaced: models.MailOrderPlaced, models.StatusShipped: models.MailOrderShipped, models.StatusCancelled: models.MailOrderCancelled}

// queueOrderMail tells the shopper about order in tx: its confirmation
// when placed, and a note when it is shipped or cancelled. An order
// status change calls it inside the change's transaction; other statuses
// send nothing.
func (s *Orders) queueOrderMail(tx *gorm.DB, order models.Order) error {
	if _, ok := orderMailKinds[order.Status]; !ok {
		return nil
	}
	user, err := s.users.byID(tx, order.UserID)
	if err != nil {
		return fmt.Errorf("order mail: %w", err)
	}
	return s.mailOrder(tx, user, order)
}

// mailOrder is queueOrderMail for a caller that has the account, user.
// The lines are named in the account's language, the email's.
func (s *Orders) mailOrder(tx *gorm.DB, user models.User, order models.Order) error {
	kind, ok := orderMailKinds[order.Status]
	if !ok {
		return nil
	}
	return s.outbox.enqueue(tx, kind, user, models.MailData{At: s.outbox.now().UTC(), Order: models.NewOrderMail(order.In(user.Language))}, "")
}
