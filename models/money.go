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

// koreanSymbols are the symbols Korean shops write where they differ from
// English ones: "US$" tells the dollar from other dollars (as CLDR's
// Korean does). Won are written after the number, as "원" (wonSuffix).
var koreanSymbols = map[string]string{"USD": "US$"}

const wonSuffix = "원"

// zeroDecimal lists currencies whose minor unit is the unit itself.
var zeroDecimal = map[string]bool{"KRW": true, "JPY": true}

// String formats the amount in English, such as "$4.50", "₩4,500" or
// "12.00 CHF".
func (m Money) String() string { return m.In(English) }

// In formats the amount as shoppers in lang read it: "$4.50" and
// "₩4,500" in English, "US$4.50" and "4,500원" in Korean.
func (m Money) In(lang Language) string {
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
	if lang == Korean {
		if m.Currency == "KRW" {
			return neg + num + wonSuffix
		}
		if sym, ok := koreanSymbols[m.Currency]; ok {
			return neg + sym + num
		}
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
