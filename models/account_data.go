package models

import (
	"errors"
	"strings"
	"time"
)

// How long Crumb keeps what it keeps about an account, as the account's
// data page says.
const (
	// KeepSecurityEvents is how long a security event (a stolen token
	// presented again) is kept.
	KeepSecurityEvents = 365 * 24 * time.Hour
	// MailsShown is how far back the account's data lists the emails
	// sent to it (and how long the outbox keeps a sent one).
	MailsShown = 90 * 24 * time.Hour
)

// ErrAdminAccount refuses to delete an admin's account from the shop:
// the audit log names it for what it did in the back office.
var ErrAdminAccount = errors.New("models: an admin's account is not deleted from the shop")

// ErrOpenOrders refuses to delete an account while some of its orders
// are still under way (placed, paid or shipped).
type ErrOpenOrders struct {
	Numbers []string
}

func (e *ErrOpenOrders) Error() string {
	return "models: orders still open: " + strings.Join(e.Numbers, ", ")
}

// OpenOrders is the open orders an error names, if it is ErrOpenOrders.
func OpenOrders(err error) ([]string, bool) {
	var open *ErrOpenOrders
	if errors.As(err, &open) {
		return open.Numbers, true
	}
	return nil, false
}

// OrderOpen reports whether an order in status is still under way: an
// account with one cannot be deleted.
func OrderOpen(status string) bool {
	return status == StatusPlaced || status == StatusPaid || status == StatusShipped
}

// AccountData is everything Crumb keeps about one account, as its data
// page shows it and its export holds it (AccountExport in handlers/api/openapi.json
// is the export's shape). It holds no token, id or hash that could be
// replayed.
type AccountData struct {
	ExportedAt     time.Time        `json:"exported_at"`
	Account        AccountRecord    `json:"account"`
	Orders         []OrderRecord    `json:"orders"`
	Sessions       []SignInRecord   `json:"sessions"`
	SecurityEvents []SecurityRecord `json:"security_events"`
	Mails          []MailRecord     `json:"mails"`
	Retention      RetentionRecord  `json:"retention"`
}

// RetentionRecord says how long, in days, Crumb keeps each part.
type RetentionRecord struct {
	SecurityEventsDays      int `json:"security_events_days"`
	MailsDays               int `json:"mails_days"`
	OrdersAfterDeletionDays int `json:"orders_after_deletion_days"`
}

// AccountRecord is the account itself.
type AccountRecord struct {
	Name            string     `json:"name"`
	Email           string     `json:"email"`
	EmailVerified   bool       `json:"email_verified"`
	EmailVerifiedAt *time.Time `json:"email_verified_at"`
	Language        Language   `json:"language"`
	CreatedAt       time.Time  `json:"created_at"`
}

// OrderRecord is one order with its lines and where it went.
type OrderRecord struct {
	Number        string            `json:"number"`
	Status        string            `json:"status"`
	PlacedAt      time.Time         `json:"placed_at"`
	CancelledAt   *time.Time        `json:"cancelled_at"`
	Currency      string            `json:"currency"`
	Subtotal      int64             `json:"subtotal"`
	Total         int64             `json:"total"`
	PaymentMethod PaymentMethod     `json:"payment_method"`
	Shipping      ShippingRecord    `json:"shipping"`
	Lines         []OrderLineRecord `json:"lines"`
}

// TotalMoney is the order's total with its currency.
func (o OrderRecord) TotalMoney() Money { return Money{Amount: o.Total, Currency: o.Currency} }

// ShippingRecord is the address an order went to.
type ShippingRecord struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Address1   string `json:"address1"`
	Address2   string `json:"address2"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// OrderLineRecord is one line of an order, at the price paid.
type OrderLineRecord struct {
	ProductID uint   `json:"product_id"`
	Name      string `json:"name"`
	NameKo    string `json:"name_ko,omitempty"`
	UnitPrice int64  `json:"unit_price"`
	Quantity  int    `json:"quantity"`
	LineTotal int64  `json:"line_total"`
}

// Kinds of sign-in an export lists.
const (
	SignInBrowser = "browser" // a signed-in browser (a server session)
	SignInDevice  = "device"  // "keep me signed in" on one device
	SignInApp     = "app"     // the Crumb app
)

// SignInRecord is one place the account is signed in from.
type SignInRecord struct {
	Kind       string    `json:"kind"` // SignInBrowser, SignInDevice or SignInApp
	Device     string    `json:"device"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// SecurityRecord is one security event kept about the account.
type SecurityRecord struct {
	Kind string    `json:"kind"`
	IP   string    `json:"ip"`
	At   time.Time `json:"at"`
}

// MailRecord is one email Crumb sent to the account.
type MailRecord struct {
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"`
	SentAt  time.Time `json:"sent_at"`
}
