package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"crumb/secret"
)

// Order statuses. The bakery moves an order placed -> paid -> shipped ->
// delivered, or cancels it while placed or paid; a shopper may cancel a
// placed order.
const (
	StatusPlaced    = "placed"
	StatusPaid      = "paid"
	StatusShipped   = "shipped"
	StatusDelivered = "delivered"
	StatusCancelled = "cancelled"
)

// Statuses lists every status in the order an order goes through them.
var Statuses = []string{StatusPlaced, StatusPaid, StatusShipped, StatusDelivered, StatusCancelled}

// nextStatus is the step after each status on the way to delivery.
var nextStatus = map[string]string{StatusPlaced: StatusPaid, StatusPaid: StatusShipped, StatusShipped: StatusDelivered}

// CanMove reports whether an order may go from status from to status to.
func CanMove(from, to string) bool {
	return nextStatus[from] == to || (to == StatusCancelled && (from == StatusPlaced || from == StatusPaid))
}

// Moves lists the statuses an order in status may go to, in order.
func Moves(status string) []string {
	var out []string
	for _, to := range Statuses {
		if CanMove(status, to) {
			out = append(out, to)
		}
	}
	return out
}

const ordersPageSize = 10

// Checkout errors.
var (
	ErrEmptyCart = errors.New("models: the cart is empty")
	// ErrIdempotencyConflict: the same idempotency key with a different request.
	ErrIdempotencyConflict = errors.New("models: idempotency key reused with a different request")
	// ErrNotCancellable: only a placed order can be cancelled.
	ErrNotCancellable = errors.New("models: order can no longer be cancelled")
	// ErrIllegalMove: the order's status cannot go where it was asked to.
	ErrIllegalMove = errors.New("models: the order cannot move to that status")
	// ErrEmailUnverified: the account has not verified its email yet, so
	// it cannot order.
	ErrEmailUnverified = errors.New("models: the account's email is not verified")
)

// Order is a placed order. Number is what people see: random, not a
// sequence. Key makes placing it idempotent per account (the web form's
// checkout token, or the app's Idempotency-Key).
type Order struct {
	ID          uint   `gorm:"primaryKey"`
	Number      string `gorm:"size:16;not null;uniqueIndex"`
	UserID      uint   `gorm:"not null;index;uniqueIndex:idx_orders_user_key,priority:1"`
	Key         string `gorm:"column:idempotency_key;size:100;not null;uniqueIndex:idx_orders_user_key,priority:2"`
	RequestHash string `gorm:"size:64;not null"`
	Status      string `gorm:"size:20;not null"`
	Currency    string `gorm:"size:3;not null"`
	Subtotal    int64  `gorm:"not null"`
	Total       int64  `gorm:"not null"`
	Shipping
	PaymentMethod PaymentMethod `gorm:"size:20;not null"`
	Lines         []OrderLine
	CreatedAt     time.Time `gorm:"index"`
	UpdatedAt     time.Time
	CancelledAt   *time.Time
}

// Shipping is where an order goes.
type Shipping struct {
	Name       string `gorm:"size:100;not null"`
	Phone      string `gorm:"size:30;not null"`
	Address1   string `gorm:"size:200;not null"`
	Address2   string `gorm:"size:200;not null"`
	PostalCode string `gorm:"size:20;not null"`
	Country    string `gorm:"size:2;not null"`
}

// OrderLine is one product of an order at the price paid.
type OrderLine struct {
	ID        uint   `gorm:"primaryKey"`
	OrderID   uint   `gorm:"not null;index"`
	ProductID uint   `gorm:"not null;index"`
	Name      string `gorm:"size:200;not null"`
	UnitPrice int64  `gorm:"not null"`
	Quantity  int    `gorm:"not null"`
	LineTotal int64  `gorm:"not null"`
}

// SubtotalMoney is the sum of the lines.
func (o Order) SubtotalMoney() Money { return Money{o.Subtotal, o.Currency} }

// TotalMoney is what the shopper pays.
func (o Order) TotalMoney() Money { return Money{o.Total, o.Currency} }

// Cancellable reports whether the shopper may still cancel.
func (o Order) Cancellable() bool { return o.Status == StatusPlaced }

// ItemCount is the number of items in the order.
func (o Order) ItemCount() int {
	n := 0
	for _, l := range o.Lines {
		n += l.Quantity
	}
	return n
}

// Unit is the price paid for one.
func (l OrderLine) Unit(currency string) Money { return Money{l.UnitPrice, currency} }

// Total is the line's total.
func (l OrderLine) Total(currency string) Money { return Money{l.LineTotal, currency} }

// Countries the bakery ships to, by ISO code.
var Countries = []struct{ Code, Name string }{
	{"US", "United States"}, {"CA", "Canada"}, {"GB", "United Kingdom"}, {"IE", "Ireland"},
	{"FR", "France"}, {"DE", "Germany"}, {"NL", "Netherlands"}, {"KR", "South Korea"}, {"JP", "Japan"},
}

// CheckShipping checks shipping details as typed (see CheckText; runs of
// white space become one space) and the payment method; errs maps each
// bad field to what to tell the shopper. A field in errs keeps what was
// typed, so the form can show it again.
func CheckShipping(s Shipping, payment string) (Shipping, map[string]Message) {
	errs := map[string]Message{}
	line := func(field string, v *string, max int) {
		text, err := CheckText(field, *v, max, false)
		var ie *InputError
		if errors.As(err, &ie) {
			errs[field] = ie.Message
			return
		}
		*v = strings.Join(strings.Fields(text), " ")
	}
	line("name", &s.Name, MaxNameLength)
	line("phone", &s.Phone, MaxPhoneLength)
	line("address1", &s.Address1, MaxAddressLength)
	line("address2", &s.Address2, MaxAddressLength)
	line("postal_code", &s.PostalCode, MaxPostalCodeLength)
	s.Country = strings.ToUpper(strings.TrimSpace(s.Country))
	if _, bad := errs["postal_code"]; !bad {
		s.PostalCode = strings.ToUpper(s.PostalCode)
	}
	need := func(field string, ok bool, code Code) {
		if _, bad := errs[field]; !bad && !ok {
			errs[field] = Message{Code: code}
		}
	}
	need("name", s.Name != "", CodeShipName)
	need("phone", len(strings.Trim(s.Phone, "0123456789 +-().")) == 0 && countDigits(s.Phone) >= 6, CodeShipPhone)
	need("address1", s.Address1 != "", CodeShipAddress)
	need("postal_code", len(s.PostalCode) >= 2 && strings.Trim(s.PostalCode, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -") == "", CodeShipPostalCode)
	need("country", slices.ContainsFunc(Countries, func(c struct{ Code, Name string }) bool { return c.Code == s.Country }), CodeShipCountry)
	_, known := ParsePaymentMethod(payment)
	need("payment_method", known, CodePaymentMethod)
	return s, errs
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// PlaceOrderInput is one checkout attempt.
type PlaceOrderInput struct {
	UserID      uint
	Key         string // idempotency: the same key returns the same order
	RequestHash string // what was asked, to refuse a reused key with another request
	Shipping    Shipping
	Payment     PaymentMethod
	// Quote is the price (minor units) per product the shopper was shown;
	// nil skips the check.
	Quote map[uint]int64
}

// ConflictLine is a cart line that cannot be bought as it is.
type ConflictLine struct {
	Name      string
	Wanted    int
	Available int   // units in stock now (0: sold out or no longer sold)
	OldPrice  Money // when the price changed
	NewPrice  Money
}

// CheckoutConflict lists every line that stops the checkout. Nothing was
// written.
type CheckoutConflict struct{ Lines []ConflictLine }

func (c *CheckoutConflict) Error() string {
	return fmt.Sprintf("models: %d cart lines changed or are out of stock", len(c.Lines))
}

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
// left (a conditional update), the order keeps the prices paid, the cart
// is emptied and the confirmation email is queued. The same Key returns
// the existing order (created false). The catalog snapshot is refreshed
// once the stock has changed.
func (s *Orders) Place(ctx context.Context, in PlaceOrderInput) (order Order, created bool, err error) {
	cart := s.carts.userCart(in.UserID)
	err = Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if existing, found, err := orderByKey(tx, in.UserID, in.Key); err != nil || found {
			if err == nil && existing.RequestHash != in.RequestHash {
				err = ErrIdempotencyConflict
			}
			order = existing
			return err
		}
		user, err := s.users.byID(tx, in.UserID)
		if err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		if !user.EmailVerified() {
			return ErrEmailUnverified
		}
		lines, err := cart.in(tx).Lines(ctx)
		if err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		if len(lines) == 0 {
			return ErrEmptyCart
		}
		order, err = s.buildOrder(tx, in, lines)
		if err != nil {
			return err
		}
		order.CreatedAt = s.now().UTC()
		order.UpdatedAt = order.CreatedAt
		for _, l := range order.Lines {
			ok, err := s.catalog.takeStock(tx, l.ProductID, l.Quantity)
			if err != nil {
				return fmt.Errorf("checkout: %w", err)
			}
			if !ok {
				return &CheckoutConflict{Lines: []ConflictLine{{Name: l.Name, Wanted: l.Quantity}}}
			}
		}
		if err := tx.Create(&order).Error; err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		if err := cart.in(tx).empty(); err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		if err := s.mailOrder(tx, user, order); err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		created = true
		return nil
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// A concurrent request with the same key won the race: return its order.
		existing, found, ferr := orderByKey(Conn(ctx, s.db), in.UserID, in.Key)
		if ferr == nil && found {
			if existing.RequestHash != in.RequestHash {
				return existing, false, ErrIdempotencyConflict
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
func (s *Orders) buildOrder(tx *gorm.DB, in PlaceOrderInput, lines []CartLine) (Order, error) {
	ids := make([]uint, len(lines))
	for i, l := range lines {
		ids[i] = l.ProductID
	}
	byID, err := s.catalog.products(tx, ids)
	if err != nil {
		return Order{}, fmt.Errorf("checkout: %w", err)
	}
	order := Order{
		Number: newOrderNumber(), UserID: in.UserID, Key: in.Key, RequestHash: in.RequestHash,
		Status: StatusPlaced, Shipping: in.Shipping, PaymentMethod: in.Payment,
	}
	var conflict CheckoutConflict
	for _, l := range lines {
		p, ok := byID[l.ProductID]
		switch {
		case !ok || !p.Published:
			conflict.Lines = append(conflict.Lines, ConflictLine{Name: nameOr(p, "An item"), Wanted: l.Quantity})
			continue
		case p.Stock < l.Quantity:
			conflict.Lines = append(conflict.Lines, ConflictLine{Name: p.Name, Wanted: l.Quantity, Available: p.Stock})
			continue
		}
		if quoted, ok := in.Quote[p.ID]; in.Quote != nil && (!ok || quoted != p.PriceAmount) {
			conflict.Lines = append(conflict.Lines, ConflictLine{Name: p.Name, Wanted: l.Quantity, Available: p.Stock,
				OldPrice: Money{quoted, p.Currency}, NewPrice: p.Price()})
			continue
		}
		total := p.PriceAmount * int64(l.Quantity)
		order.Lines = append(order.Lines, OrderLine{ProductID: p.ID, Name: p.Name, UnitPrice: p.PriceAmount, Quantity: l.Quantity, LineTotal: total})
		order.Subtotal += total
		order.Currency = p.Currency
	}
	if len(conflict.Lines) > 0 {
		return Order{}, &conflict
	}
	order.Total = order.Subtotal
	return order, nil
}

func nameOr(p Product, def string) string {
	if p.Name == "" {
		return def
	}
	return p.Name
}

func orderByKey(tx *gorm.DB, userID uint, key string) (Order, bool, error) {
	var o Order
	err := tx.Preload("Lines").Where("user_id = ? AND idempotency_key = ?", userID, key).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Order{}, false, nil
	}
	if err != nil {
		return Order{}, false, fmt.Errorf("order: %w", err)
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
func (s *Orders) ForUser(ctx context.Context, userID uint, number string) (Order, error) {
	return userOrder(Conn(ctx, s.db), userID, number)
}

func userOrder(db *gorm.DB, userID uint, number string) (Order, error) {
	var o Order
	if !orderNumberLike(number) {
		return Order{}, ErrNotFound
	}
	err := db.Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("user_id = ? AND number = ?", userID, number).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Order{}, ErrNotFound
	}
	if err != nil {
		return Order{}, fmt.Errorf("order: %w", err)
	}
	return o, nil
}

// OrderPage is one page of an account's orders, newest first.
type OrderPage struct {
	Items       []Order
	Page, Pages int
	PerPage     int
	Total       int64
}

// ListForUser lists the user's orders, newest first; page is clamped.
func (s *Orders) ListForUser(ctx context.Context, userID uint, page, perPage int) (OrderPage, error) {
	if perPage <= 0 {
		perPage = ordersPageSize
	}
	q := Conn(ctx, s.db).Model(&Order{}).Where("user_id = ?", userID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	pages := max(int((total+int64(perPage)-1)/int64(perPage)), 1)
	page = min(max(page, 1), pages)
	var items []Order
	if err := q.Preload("Lines").Order("created_at DESC, id DESC").Offset((page - 1) * perPage).Limit(perPage).Find(&items).Error; err != nil {
		return OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	return OrderPage{Items: items, Page: page, Pages: pages, PerPage: perPage, Total: total}, nil
}

// Cancel cancels a placed order of the user, puts its items back on the
// shelf and queues the shopper's email, in one transaction.
func (s *Orders) Cancel(ctx context.Context, userID uint, number string, now time.Time) (Order, error) {
	var order Order
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		var err error
		if order, err = userOrder(tx, userID, number); err != nil {
			return err
		}
		res := tx.Model(&Order{}).Where("id = ? AND status = ?", order.ID, StatusPlaced).
			Updates(map[string]any{"status": StatusCancelled, "cancelled_at": now})
		if res.Error != nil {
			return fmt.Errorf("cancel order: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrNotCancellable
		}
		for _, l := range order.Lines {
			if err := s.catalog.returnStock(tx, l.ProductID, l.Quantity); err != nil {
				return fmt.Errorf("cancel order: %w", err)
			}
		}
		order.Status, order.CancelledAt = StatusCancelled, &now
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
func productIDs(lines []OrderLine) []uint {
	ids := make([]uint, len(lines))
	for i, l := range lines {
		ids[i] = l.ProductID
	}
	return ids
}

// ByNumber loads any account's order by its number (the back office).
func (s *Orders) ByNumber(ctx context.Context, number string) (Order, error) {
	var o Order
	if !orderNumberLike(number) {
		return Order{}, ErrNotFound
	}
	err := Conn(ctx, s.db).Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("number = ?", number).Take(&o).Error
	if err != nil {
		return Order{}, fmt.Errorf("order: %w", notFound(err))
	}
	return o, nil
}

// List lists every account's orders, newest first, in status (every
// status when empty); 25 to a page, the page clamped.
func (s *Orders) List(ctx context.Context, status string, page int) (OrderPage, error) {
	const per = 25
	q := Conn(ctx, s.db).Model(&Order{})
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	pages := max(int((total+per-1)/per), 1)
	page = min(max(page, 1), pages)
	var items []Order
	if err := q.Preload("Lines").Order("created_at DESC, id DESC").Offset((page - 1) * per).Limit(per).Find(&items).Error; err != nil {
		return OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	return OrderPage{Items: items, Page: page, Pages: pages, PerPage: per, Total: total}, nil
}

// SetStatus moves an order to status to if CanMove allows it from where
// the order is now (a conditional update: two admins cannot both move it);
// cancelling puts its items back on the shelf, and shipping or cancelling
// queues the shopper's email, in the same transaction.
// It returns the order as it was and as it is.
func (s *Orders) SetStatus(ctx context.Context, number, to string, now time.Time) (before, after Order, err error) {
	if !orderNumberLike(number) {
		return before, after, fmt.Errorf("order status: %w", ErrNotFound)
	}
	err = Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if err := tx.Preload("Lines").Where("number = ?", number).Take(&before).Error; err != nil {
			return notFound(err)
		}
		if !CanMove(before.Status, to) {
			return ErrIllegalMove
		}
		fields := map[string]any{"status": to}
		if to == StatusCancelled {
			fields["cancelled_at"] = now
		}
		res := tx.Model(&Order{}).Where("id = ? AND status = ?", before.ID, before.Status).Updates(fields)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrIllegalMove // moved by someone else meanwhile
		}
		if to == StatusCancelled {
			for _, l := range before.Lines {
				if err := s.catalog.returnStock(tx, l.ProductID, l.Quantity); err != nil {
					return err
				}
			}
		}
		after = before
		after.Status = to
		if to == StatusCancelled {
			after.CancelledAt = &now
		}
		return s.queueOrderMail(tx, after) // shipped and cancelled tell the shopper
	})
	if err != nil {
		if errors.Is(err, ErrIllegalMove) || errors.Is(err, ErrNotFound) {
			return before, after, err
		}
		return before, after, fmt.Errorf("order status: %w", err)
	}
	if to == StatusCancelled {
		s.catalog.StockChanged(ctx, productIDs(before.Lines))
	}
	return before, after, nil
}

// DaySummary is what the back office shows for a day.
type DaySummary struct {
	Placed  int64          // orders placed that day
	Total   int64          // their total in minor units, cancelled ones left out
	Waiting map[string]int // orders in each status that has a next step, all days
}

// Summary counts the orders placed from start to end (a day in the
// store's time zone) and the orders waiting for each next step.
func (s *Orders) Summary(ctx context.Context, start, end time.Time) (DaySummary, error) {
	sum := DaySummary{Waiting: map[string]int{}}
	day := func() *gorm.DB {
		return Conn(ctx, s.db).Model(&Order{}).Where("created_at >= ? AND created_at < ?", start.UTC(), end.UTC())
	}
	if err := day().Count(&sum.Placed).Error; err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	if err := day().Where("status <> ?", StatusCancelled).Select("COALESCE(SUM(total), 0)").Scan(&sum.Total).Error; err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	var rows []struct {
		Status string
		N      int
	}
	if err := Conn(ctx, s.db).Model(&Order{}).Select("status, COUNT(*) AS n").
		Where("status IN ?", []string{StatusPlaced, StatusPaid, StatusShipped}).Group("status").Scan(&rows).Error; err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	for _, r := range rows {
		sum.Waiting[r.Status] = r.N
	}
	return sum, nil
}
