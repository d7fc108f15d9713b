package tokens_test

import (
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/models"
)

func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)) }

func onEachDatabase(t *testing.T, test func(t *testing.T, db *gorm.DB)) {
	testkit.EachDatabase(t, test)
}

// newUser creates an account to hang tokens on.
func newUser(t *testing.T, db *gorm.DB, email string) uint {
	t.Helper()
	u := models.User{Name: "Test Baker", Email: email, PasswordHash: "not-a-hash"}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	return u.ID
}
