package models

import "gorm.io/gorm"

// QueueOrderMail lets the tests queue an order's email as a status change
// in the back office will.
func (s *Orders) QueueOrderMail(tx *gorm.DB, order Order) error { return s.queueOrderMail(tx, order) }
