package i18n_test

import (
	"testing"

	"crumb/i18n"
	"crumb/models"
)

// TestSayWritesValuesInItsLanguage: a product's names and an amount a
// message carries are written in the reader's language; a product with no
// Korean name is named in English on a Korean page.
func TestSayWritesValuesInItsLanguage(t *testing.T) {
	baguette := models.Product{Name: "Baguette", NameKo: "바게트"}.Names()
	rye := models.Product{Name: "Rye"}.Names()
	won := models.Money{Amount: models.MaxPrice, Currency: "KRW"}
	for _, c := range []struct {
		lang models.Language
		msg  models.Message
		want string
	}{
		{models.English, models.Message{Code: models.CodeNoticeReduced, Args: []any{3, baguette}}, "Only 3 of Baguette left, so your cart has 3."},
		{models.Korean, models.Message{Code: models.CodeNoticeReduced, Args: []any{3, baguette}}, "바게트 상품이 3개만 남아 장바구니 수량을 3개로 줄였습니다."},
		{models.Korean, models.Message{Code: models.CodeSoldOut, Args: []any{rye}}, "Rye 상품이 품절되었습니다."},
		{models.English, models.Message{Code: models.CodeProductPrice, Args: []any{"4500", won}}, "Enter a price such as 4500, more than zero and at most ₩10,000,000."},
		{models.Korean, models.Message{Code: models.CodeProductPrice, Args: []any{"4500", won}}, "가격을 입력해 주세요(예: 4500, 0보다 크고 10,000,000원 이하)."},
	} {
		if got := i18n.Say(c.lang, c.msg); got != c.want {
			t.Errorf("%s in %s = %q, want %q", c.msg.Code, c.lang, got, c.want)
		}
	}
}
