package models_test

import (
	"testing"

	"crumb/models"
)

func TestProductInALanguage(t *testing.T) {
	cat := models.Category{Name: "Pastries", NameKo: "페이스트리", Description: "Laminated by hand."}
	p := models.Product{Name: "Butter Croissant", NameKo: "버터 크루아상", Description: "Flaky.", DescriptionKo: "결결이 바삭해요.", Category: cat}

	ko := p.In(models.Korean)
	if ko.Name != "버터 크루아상" || ko.Description != "결결이 바삭해요." || ko.Category.Name != "페이스트리" {
		t.Errorf("in Korean: %q, %q, category %q", ko.Name, ko.Description, ko.Category.Name)
	}
	// A category with no Korean description reads the English one.
	if ko.Category.Description != "Laminated by hand." {
		t.Errorf("a Korean description left empty reads %q, want the English", ko.Category.Description)
	}
	en := p.In(models.English)
	if en.Name != "Butter Croissant" || en.Description != "Flaky." || en.Category.Name != "Pastries" {
		t.Errorf("in English: %q, %q, category %q", en.Name, en.Description, en.Category.Name)
	}
	if p.Name != "Butter Croissant" {
		t.Error("In changed the product it was called on")
	}

	// A product with no Korean at all reads the same in both languages.
	plain := models.Product{Name: "Stollen", Description: "Fruit loaf."}
	if got := plain.In(models.Korean); got.Name != "Stollen" || got.Description != "Fruit loaf." {
		t.Errorf("no Korean: %q, %q; want the English", got.Name, got.Description)
	}
}

func TestInAll(t *testing.T) {
	cats := []models.Category{{Name: "Bread", NameKo: "식사빵"}, {Name: "Savory"}}
	got := models.InAll(cats, models.Korean)
	if got[0].Name != "식사빵" || got[1].Name != "Savory" {
		t.Errorf("InAll in Korean = %q, %q", got[0].Name, got[1].Name)
	}
	if cats[0].Name != "Bread" {
		t.Error("InAll changed the list it was given")
	}
}

func TestMoneyInEachLanguage(t *testing.T) {
	for _, tt := range []struct {
		m    models.Money
		lang models.Language
		want string
	}{
		{models.Money{Amount: 450, Currency: "USD"}, models.English, "$4.50"},
		{models.Money{Amount: 450, Currency: "USD"}, models.Korean, "US$4.50"},
		{models.Money{Amount: 100_000_00, Currency: "USD"}, models.English, "$100,000.00"},
		{models.Money{Amount: 5, Currency: "USD"}, models.Korean, "US$0.05"},
		{models.Money{Amount: -450, Currency: "USD"}, models.English, "-$4.50"},
		{models.Money{Amount: 4500, Currency: "KRW"}, models.Korean, "4,500원"},
		{models.Money{Amount: 4500, Currency: "KRW"}, models.English, "₩4,500"},
		{models.Money{Amount: 45000, Currency: "KRW"}, models.Korean, "45,000원"},
		{models.Money{Amount: 1_234_567, Currency: "KRW"}, models.Korean, "1,234,567원"},
		{models.Money{Amount: 900, Currency: "KRW"}, models.Korean, "900원"},
		{models.Money{Amount: -3500, Currency: "KRW"}, models.Korean, "-3,500원"},
		{models.Money{Amount: 1200, Currency: "CHF"}, models.Korean, "12.00 CHF"},
	} {
		if got := tt.m.In(tt.lang); got != tt.want {
			t.Errorf("%d %s in %s = %q, want %q", tt.m.Amount, tt.m.Currency, tt.lang, got, tt.want)
		}
	}
	if got := (models.Money{Amount: 4500, Currency: "KRW"}).String(); got != "₩4,500" {
		t.Errorf("String = %q, want the English ₩4,500", got)
	}
}
