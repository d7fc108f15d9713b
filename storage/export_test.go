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
