package models

// PaymentMethod is how a shopper pays for an order. Crumb never takes card
// details: a shopper pays the courier, or transfers the money.
type PaymentMethod string

// The payment methods, as forms and the API name them.
const (
	PayOnDelivery PaymentMethod = "cod"
	PayByTransfer PaymentMethod = "bank_transfer"
)

// PaymentMethods are the methods checkout offers, in its order.
var PaymentMethods = []PaymentMethod{PayOnDelivery, PayByTransfer}

// BankAccount is where a bank transfer goes: the one place the shop's
// account is written down.
const BankAccount = "Crumb Bakery, IBAN GB00 CRUM 0000 0000 0000 00"

// ParsePaymentMethod is the method a form or the API names; ok is false
// for anything else.
func ParsePaymentMethod(s string) (p PaymentMethod, ok bool) {
	for _, m := range PaymentMethods {
		if string(m) == s {
			return m, true
		}
	}
	return "", false
}
