package views

import (
	"fmt"

	"crumb/models"
)

// texts are the words for each code of package models, with the values
// the code carries in order (see the comments in models/errors.go).
var texts = map[models.Code]string{
	models.CodeTextUnreadable:  "This holds characters that cannot be typed here, such as control codes or broken text. Type it again without them.",
	models.CodeTextLong:        "Use at most %d characters.",
	models.CodeEmailInvalid:    "Enter an email address like name@example.com.",
	models.CodeEmailTaken:      "An account with this email already exists. Sign in instead.",
	models.CodeNameInvalid:     "Enter your name (up to %d characters).",
	models.CodePasswordShort:   "Use at least %d characters for your password.",
	models.CodePasswordLong:    "Use at most %d characters for your password.",
	models.CodePasswordCommon:  "That password is too common and easy to guess. Choose another.",
	models.CodeQuantityInvalid: "Quantity must be a whole number from %d to %d.",
	models.CodeProductUnknown:  "That product doesn't exist. Pick one from the shop.",
	models.CodeProductGone:     "That product is no longer available.",
	models.CodeLineTooMany:     "You can have at most %d of %s in one order.",
	models.CodeSoldOut:         "%s is sold out.",
	models.CodeStockShort:      "Only %[1]d of %[2]s left in stock; you can have at most %[1]d.",
	models.CodeCartFull:        "Your cart is full (%d different products). Remove something first.",
	models.CodeNoticeGone:      "An item in your cart is no longer sold and was left out.",
	models.CodeNoticeSoldOut:   "%s is sold out and was left out.",
	models.CodeNoticeReduced:   "Only %[1]d of %[2]s left, so your cart has %[1]d.",
	models.CodeShipName:        "Enter the name of the person receiving the order.",
	models.CodeShipPhone:       "Enter a phone number with at least 6 digits, so the courier can reach you.",
	models.CodeShipAddress:     "Enter the street address.",
	models.CodeShipPostalCode:  "Enter the postal code (letters, digits, spaces and dashes).",
	models.CodeShipCountry:     "Choose a country we deliver to.",
	models.CodePaymentMethod:   "Choose cash on delivery or bank transfer.",

	models.CodeProductName:      "Enter the product's name (up to %d characters).",
	models.CodeProductSlug:      "Use lower-case letters, digits and dashes for the web address, such as rye-bread.",
	models.CodeProductSlugTaken: "Another product already has this web address. Choose another.",
	models.CodeProductCategory:  "Choose a category.",
	models.CodeProductPrice:     "Enter a price such as 4.50, more than zero and at most %s.",
	models.CodeProductStock:     "Enter the stock as a whole number from 0 to %d.",
	models.CodeStockChanged:     "The stock changed while you were editing (orders came in). Check the stock now shown and save again.",
	models.CodeImageType:        "The image must be a PNG, JPEG, WebP or SVG file.",
	models.CodeImageSize:        "The image may be at most %d MB.",
	models.CodeImageUnknown:     "That picture is not one the shop has. Choose the picture again.",
	models.CodeOrderMove:        "An order that is %s cannot become %s.",

	models.CodeLanguageInvalid: "Choose the language en (English) or ko (Korean).",
}

// Say puts a message into words.
func Say(m models.Message) string {
	text, ok := texts[m.Code]
	if !ok {
		return string(m.Code) // a code without words is caught by TestEveryCodeHasWords
	}
	return fmt.Sprintf(text, m.Args...)
}

// SayCode puts a message without values into words.
func SayCode(code models.Code) string { return Say(models.Message{Code: code}) }
