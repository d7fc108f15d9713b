package models

import (
	"fmt"
	"strconv"
)

// Money is an amount in minor units (cents) of a currency. Never a float.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

var currencySymbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "KRW": "₩", "JPY": "¥"}

// zeroDecimal lists currencies whose minor unit is the unit itself.
var zeroDecimal = map[string]bool{"KRW": true, "JPY": true}

// String formats the amount for shoppers, such as "$4.50" or "12.00 CHF".
func (m Money) String() string {
	neg := ""
	amount := m.Amount
	if amount < 0 {
		neg, amount = "-", -amount
	}
	var num string
	if zeroDecimal[m.Currency] {
		num = groupThousands(strconv.FormatInt(amount, 10))
	} else {
		num = fmt.Sprintf("%s.%02d", groupThousands(strconv.FormatInt(amount/100, 10)), amount%100)
	}
	if sym, ok := currencySymbols[m.Currency]; ok {
		return neg + sym + num
	}
	return neg + num + " " + m.Currency
}

// Times multiplies the amount by a quantity.
func (m Money) Times(n int) Money { return Money{Amount: m.Amount * int64(n), Currency: m.Currency} }

func groupThousands(s string) string {
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
