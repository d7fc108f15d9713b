package storage

import (
	"gorm.io/gorm"

	"crumb/models"
)

// QueueOrderMail lets the tests queue an order's email as a status change
// in the back office will.
func (s *Orders) QueueOrderMail(tx *gorm.DB, order models.Order) error {
	return s.queueOrderMail(tx, order)
}

// UserStore is the store of the account's cart, for the tests to save
// lines into as a cart does.
func (s *Carts) UserStore(userID uint) models.CartStore { return s.userCart(userID) }
