package storage_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/mail"
	"crumb/models"
	"crumb/views"
)

// TestAnOrderKeepsItsProductsNamesInBothLanguages: an order line keeps
// the English and the Korean name its product had when the order was
// placed, and the order's emails name it in the account's language.
func TestAnOrderKeepsItsProductsNamesInBothLanguages(t *testing.T) {
	testkit.EachDatabase(t, func(t *testing.T, db *gorm.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		base, _ := url.Parse("https://shop.example.com")
		render, err := mail.NewRenderer(views.FS, base, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		ko, en := s.user(t, "haneul@example.com"), s.user(t, "ada@example.com")
		if err := s.users.SetLanguage(ctx, ko.ID, models.Korean); err != nil {
			t.Fatal(err)
		}
		ko.Language = models.Korean
		placed := map[uint]models.Order{}
		for _, u := range []models.User{ko, en} {
			o := s.placeFor(t, u, models.PayOnDelivery)
			if _, err := s.orders.Cancel(ctx, u.ID, o.Number, s.clock.Now()); err != nil {
				t.Fatal(err)
			}
			placed[u.ID] = o
		}
		if err := db.Model(&models.Product{}).Where("slug = ?", "baguette").Updates(map[string]any{"name": "French Stick", "name_ko": "전통 바게트"}).Error; err != nil {
			t.Fatal(err)
		}

		kept, err := s.orders.ForUser(ctx, ko.ID, placed[ko.ID].Number)
		if err != nil {
			t.Fatal(err)
		}
		if l := kept.Lines[0]; l.Name != "Baguette" || l.NameKo != "바게트" {
			t.Errorf("the line keeps %q and %q, want Baguette and 바게트", l.Name, l.NameKo)
		}
		if ko, en := kept.In(models.Korean).Lines[0].Name, kept.In(models.English).Lines[0].Name; ko != "바게트" || en != "Baguette" {
			t.Errorf("the line reads %q in Korean and %q in English", ko, en)
		}

		mails := 0
		for _, m := range s.mail(t) {
			msg, err := render.Render(m)
			if err != nil {
				t.Fatal(err)
			}
			want, not := "2 × Baguette", "바게트"
			if m.Recipient == ko.Email {
				want, not = "바게트 2개", "Baguette"
			}
			for _, body := range []string{msg.Text, msg.HTML} {
				if !strings.Contains(body, want) || strings.Contains(body, not) {
					t.Errorf("%s to %s does not name the line %q:\n%s", m.Kind, m.Recipient, want, body)
				}
			}
			mails++
		}
		if mails != 4 {
			t.Errorf("%d emails, want one placed and one cancelled for each account", mails)
		}
	})
}
