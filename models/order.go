package models

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
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

// OrderLine is one product of an order at the price paid, named as the
// product was when the order was placed: Name in English, NameKo in
// Korean (empty: the product had none, or the order was placed before
// lines kept it).
type OrderLine struct {
	ID        uint   `gorm:"primaryKey"`
	OrderID   uint   `gorm:"not null;index"`
	ProductID uint   `gorm:"not null;index"`
	Name      string `gorm:"size:200;not null"`
	NameKo    string `gorm:"size:200;not null;default:''"`
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

// In is the order with its lines in lang (see OrderLine.In).
func (o Order) In(lang Language) Order {
	o.Lines = InAll(o.Lines, lang)
	return o
}

// In is the line with its Name in lang; the English stands in for a
// line with no Korean name, as for a product.
func (l OrderLine) In(lang Language) OrderLine {
	l.Name = Names{l.Name, l.NameKo}.In(lang)
	return l
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

// ConflictLine is a cart line that cannot be bought as it is, named as
// its product is: Name in English, NameKo in Korean (empty: none).
type ConflictLine struct {
	Name      string
	NameKo    string
	Wanted    int
	Available int   // units in stock now (0: sold out or no longer sold)
	OldPrice  Money // when the price changed
	NewPrice  Money
}

// In is the line with its Name in lang, as OrderLine.In.
func (l ConflictLine) In(lang Language) ConflictLine {
	l.Name = Names{l.Name, l.NameKo}.In(lang)
	return l
}

// CheckoutConflict lists every line that stops the checkout. Nothing was
// written.
type CheckoutConflict struct{ Lines []ConflictLine }

// In is the conflict with its lines in lang.
func (c *CheckoutConflict) In(lang Language) *CheckoutConflict {
	return &CheckoutConflict{Lines: InAll(c.Lines, lang)}
}

func (c *CheckoutConflict) Error() string {
	return fmt.Sprintf("models: %d cart lines changed or are out of stock", len(c.Lines))
}

// OrderPage is one page of an account's orders, newest first.
type OrderPage struct {
	Items       []Order
	Page, Pages int
	PerPage     int
	Total       int64
}

// DaySummary is what the back office shows for a day.
type DaySummary struct {
	Placed  int64          // orders placed that day
	Total   int64          // their total in minor units, cancelled ones left out
	Waiting map[string]int // orders in each status that has a next step, all days
}
