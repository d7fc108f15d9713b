package models

import (
	"time"
)

// OrderMail is an order as its emails show it: what was bought at what
// price, where it goes and how it is paid.
type OrderMail struct {
	Number        string          `json:"number"`
	Status        string          `json:"status"`
	PlacedAt      time.Time       `json:"placed_at"`
	Currency      string          `json:"currency"`
	Lines         []OrderMailLine `json:"lines"`
	Subtotal      int64           `json:"subtotal"`
	Total         int64           `json:"total"`
	Shipping      Shipping        `json:"shipping"`
	PaymentMethod PaymentMethod   `json:"payment_method"`
}

// OrderMailLine is one line of an OrderMail.
type OrderMailLine struct {
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
	LineTotal int64  `json:"line_total"`
}

// TotalMoney is what the shopper pays.
func (o OrderMail) TotalMoney() Money { return Money{o.Total, o.Currency} }

// Unit is the price paid for one.
func (l OrderMailLine) Unit(currency string) Money { return Money{l.UnitPrice, currency} }

// Total is the line's total.
func (l OrderMailLine) Total(currency string) Money { return Money{l.LineTotal, currency} }

// NewOrderMail is what the mails about order o show.
func NewOrderMail(o Order) *OrderMail {
	m := &OrderMail{
		Number: o.Number, Status: o.Status, PlacedAt: o.CreatedAt, Currency: o.Currency,
		Subtotal: o.Subtotal, Total: o.Total, Shipping: o.Shipping, PaymentMethod: o.PaymentMethod,
	}
	for _, l := range o.Lines {
		m.Lines = append(m.Lines, OrderMailLine{Name: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitPrice, LineTotal: l.LineTotal})
	}
	return m
}
