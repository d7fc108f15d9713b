package views

import (
	"strings"
	"testing"

	"crumb/models"
)

// TestEveryCodeHasWords: every code the models return can be shown, and
// its words use exactly the values the code carries.
func TestEveryCodeHasWords(t *testing.T) {
	samples := map[models.Code][]any{
		models.CodeTextLong: {100}, models.CodeNameInvalid: {100}, models.CodePasswordShort: {8}, models.CodePasswordLong: {128},
		models.CodeQuantityInvalid: {1, 99}, models.CodeLineTooMany: {99, "Baguette"}, models.CodeSoldOut: {"Baguette"},
		models.CodeStockShort: {3, "Baguette"}, models.CodeCartFull: {100}, models.CodeNoticeSoldOut: {"Baguette"},
		models.CodeNoticeReduced: {3, "Baguette"}, models.CodeProductName: {200},
		models.CodeProductPrice: {"$100,000.00"}, models.CodeProductStock: {100000}, models.CodeImageSize: {2},
		models.CodeOrderMove: {"shipped", "paid"},
	}
	for _, code := range models.Codes() {
		if _, ok := texts[code]; !ok {
			t.Errorf("no words for %s", code)
			continue
		}
		got := Say(models.Message{Code: code, Args: samples[code]})
		if strings.Contains(got, "%!") {
			t.Errorf("%s: %q", code, got)
		}
	}
	if got := Say(models.Message{Code: models.CodeStockShort, Args: []any{3, "Baguette"}}); got != "Only 3 of Baguette left in stock; you can have at most 3." {
		t.Errorf("stock.short = %q", got)
	}
	for code := range texts {
		found := false
		for _, c := range models.Codes() {
			found = found || c == code
		}
		if !found {
			t.Errorf("words for %s, which models.Codes does not list", code)
		}
	}
}
