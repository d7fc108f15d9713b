package models

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned when a record does not exist (or is not the
// caller's to see). The ORM's own errors are translated in this package, so
// callers only need errors.Is.
var ErrNotFound = errors.New("models: not found")

// Code names something to tell a shopper (a field to fix, a change to their
// cart). The models decide what happened; the words for each code live with
// the views, so they can be written in more than one language.
type Code string

// Codes the models use; after each, the values its Message carries.
const (
	CodeTextUnreadable  Code = "text.unreadable"
	CodeTextLong        Code = "text.long" // most characters
	CodeEmailInvalid    Code = "email.invalid"
	CodeEmailTaken      Code = "email.taken"
	CodeNameInvalid     Code = "name.invalid"   // most characters
	CodePasswordShort   Code = "password.short" // fewest characters
	CodePasswordLong    Code = "password.long"  // most characters
	CodePasswordCommon  Code = "password.common"
	CodeQuantityInvalid Code = "quantity.invalid" // lowest, highest
	CodeProductUnknown  Code = "product.unknown"
	CodeProductGone     Code = "product.gone"
	CodeLineTooMany     Code = "line.too_many"  // most, product Names
	CodeSoldOut         Code = "stock.sold_out" // product Names
	CodeStockShort      Code = "stock.short"    // in stock, product Names
	CodeCartFull        Code = "cart.full"      // most lines
	CodeNoticeGone      Code = "notice.gone"
	CodeNoticeSoldOut   Code = "notice.sold_out" // product Names
	CodeNoticeReduced   Code = "notice.reduced"  // in stock, product Names
	CodeShipName        Code = "shipping.name"
	CodeShipPhone       Code = "shipping.phone"
	CodeShipAddress     Code = "shipping.address1"
	CodeShipPostalCode  Code = "shipping.postal_code"
	CodeShipCountry     Code = "shipping.country"
	CodePaymentMethod   Code = "shipping.payment_method"

	CodeProductName      Code = "product.name" // most characters
	CodeProductSlug      Code = "product.slug"
	CodeProductSlugTaken Code = "product.slug_taken"
	CodeProductCategory  Code = "product.category"
	CodeProductPrice     Code = "product.price" // an example (PriceExample), highest price
	CodeProductStock     Code = "product.stock" // highest stock
	CodeStockChanged     Code = "product.stock_changed"
	CodeImageType        Code = "image.type"
	CodeImageSize        Code = "image.size" // most megabytes
	CodeImageUnknown     Code = "image.unknown"
	CodeOrderMove        Code = "order.move" // from, to

	CodeLanguageInvalid Code = "language.invalid"
)

// Codes lists every code, so a test can check that each has its words.
func Codes() []Code {
	return []Code{CodeTextUnreadable, CodeTextLong, CodeEmailInvalid, CodeEmailTaken, CodeNameInvalid, CodePasswordShort, CodePasswordLong,
		CodePasswordCommon, CodeQuantityInvalid, CodeProductUnknown, CodeProductGone, CodeLineTooMany, CodeSoldOut, CodeStockShort,
		CodeCartFull, CodeNoticeGone, CodeNoticeSoldOut, CodeNoticeReduced, CodeShipName, CodeShipPhone,
		CodeShipAddress, CodeShipPostalCode, CodeShipCountry, CodePaymentMethod,
		CodeProductName, CodeProductSlug, CodeProductSlugTaken, CodeProductCategory,
		CodeProductPrice, CodeProductStock, CodeStockChanged, CodeImageType, CodeImageSize, CodeImageUnknown, CodeOrderMove,
		CodeLanguageInvalid}
}

// Message is a code with the values its words need, in order.
type Message struct {
	Code Code
	Args []any
}

// InputError is a problem with what a shopper or the app sent: the field
// and what to tell them (a 422 page or problem+json).
type InputError struct {
	Field string
	Message
}

func (e *InputError) Error() string { return fmt.Sprintf("%s: %s %v", e.Field, e.Code, e.Args) }

// Invalid builds an InputError.
func Invalid(field string, code Code, args ...any) error {
	return &InputError{Field: field, Message: Message{Code: code, Args: args}}
}
