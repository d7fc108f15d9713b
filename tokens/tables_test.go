package tokens_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
	"crumb/tokens"

	"gorm.io/gorm"
)

func TestRefreshTokenHashIsUnique(t *testing.T) {
	db := testkit.SQLite(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	fam := models.RefreshFamily{UserID: 1, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.Create(&fam).Error; err != nil {
		t.Fatal(err)
	}
	hash := strings.Repeat("a", 64)
	if err := db.Create(&models.RefreshToken{FamilyID: fam.ID, TokenHash: hash}).Error; err != nil {
		t.Fatal(err)
	}
	err := db.Create(&models.RefreshToken{FamilyID: fam.ID, TokenHash: hash}).Error
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("second token with the same hash: err = %v", err)
	}
}

func TestRefreshTokensBelongToAFamily(t *testing.T) {
	db := testkit.SQLite(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	err := db.Create(&models.RefreshToken{FamilyID: 999, TokenHash: strings.Repeat("b", 64)}).Error
	if !errors.Is(err, gorm.ErrForeignKeyViolated) {
		t.Errorf("token of no family: err = %v", err)
	}
	fam := models.RefreshFamily{UserID: 1, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
	db.Create(&fam)
	db.Create(&models.RefreshToken{FamilyID: fam.ID, TokenHash: strings.Repeat("c", 64)})
	if err := db.Delete(&models.RefreshFamily{}, fam.ID).Error; err != nil {
		t.Fatal(err)
	}
	var left int64
	db.Model(&models.RefreshToken{}).Count(&left)
	if left != 0 {
		t.Errorf("deleting a family left %d tokens", left)
	}
}

func TestUserRefreshFamilies(t *testing.T) {
	db := testkit.SQLite(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	revoked := now.Add(-time.Minute)
	for _, f := range []models.RefreshFamily{
		{UserID: 1, DeviceLabel: "used an hour ago", LastUsedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)},
		{UserID: 1, DeviceLabel: "used just now", LastUsedAt: now, ExpiresAt: now.Add(time.Hour)},
		{UserID: 1, DeviceLabel: "expired", LastUsedAt: now.Add(-time.Hour), ExpiresAt: now},
		{UserID: 1, DeviceLabel: "revoked", LastUsedAt: now, ExpiresAt: now.Add(time.Hour), RevokedAt: &revoked},
		{UserID: 2, DeviceLabel: "someone else's", LastUsedAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		f.CreatedAt = now.Add(-2 * time.Hour)
		if err := db.Create(&f).Error; err != nil {
			t.Fatal(err)
		}
	}
	fams, err := tokens.NewRefresh(storage.NewRefreshFamilies(db), func() time.Time { return now }).Families(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, f := range fams {
		labels = append(labels, f.DeviceLabel)
	}
	if got := strings.Join(labels, ", "); got != "used just now, used an hour ago" {
		t.Errorf("families = %s", got)
	}
}
