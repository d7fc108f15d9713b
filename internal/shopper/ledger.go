package shopper

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Ledger is the stock of every product and the last order at one moment,
// to check later that the stock taken since equals what was ordered since.
type Ledger struct {
	Stock     map[uint]int
	LastOrder uint
}

// Restock sets every product's stock to n, so a load cannot sell out.
func Restock(db *gorm.DB, n int) error {
	return db.Exec("UPDATE products SET stock = ?", n).Error
}

// Snapshot reads the ledger's starting point from db.
func Snapshot(db *gorm.DB) (Ledger, error) {
	l := Ledger{Stock: map[uint]int{}}
	var rows []struct {
		ID    uint
		Stock int
	}
	if err := db.Raw("SELECT id, stock FROM products").Scan(&rows).Error; err != nil {
		return l, err
	}
	for _, r := range rows {
		l.Stock[r.ID] = r.Stock
	}
	err := db.Raw("SELECT COALESCE(MAX(id), 0) FROM orders").Scan(&l.LastOrder).Error
	return l, err
}

// Products are the ids of the products in the ledger.
func (l Ledger) Products() []uint {
	ids := make([]uint, 0, len(l.Stock))
	for id := range l.Stock {
		ids = append(ids, id)
	}
	return ids
}

// Check compares db with the ledger and with what shoppers were told: every
// acknowledged order number exists, no stock is negative, and each
// product's stock is its starting stock minus the quantities of the orders
// placed since (cancelled ones excluded). It returns how many orders were
// placed since.
func (l Ledger) Check(db *gorm.DB, acknowledged []string) (int, error) {
	var problems []string
	for start := 0; start < len(acknowledged); start += 500 {
		batch := acknowledged[start:min(start+500, len(acknowledged))]
		var found int64
		if err := db.Raw("SELECT COUNT(*) FROM orders WHERE number IN ?", batch).Scan(&found).Error; err != nil {
			return 0, err
		}
		if int(found) != len(batch) {
			problems = append(problems, fmt.Sprintf("%d of %d acknowledged orders are missing", len(batch)-int(found), len(batch)))
		}
	}
	var negative int64
	if err := db.Raw("SELECT COUNT(*) FROM products WHERE stock < 0").Scan(&negative).Error; err != nil {
		return 0, err
	}
	if negative > 0 {
		problems = append(problems, fmt.Sprintf("%d products have negative stock", negative))
	}
	var placed int64
	if err := db.Raw("SELECT COUNT(*) FROM orders WHERE id > ?", l.LastOrder).Scan(&placed).Error; err != nil {
		return 0, err
	}
	var rows []struct {
		ID      uint
		Stock   int
		Ordered int
	}
	err := db.Raw(`SELECT p.id, p.stock, COALESCE((SELECT SUM(ol.quantity) FROM order_lines ol JOIN orders o ON o.id = ol.order_id
		WHERE ol.product_id = p.id AND o.id > ? AND o.status <> 'cancelled'), 0) AS ordered FROM products p`, l.LastOrder).Scan(&rows).Error
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		if want := l.Stock[r.ID] - r.Ordered; r.Stock != want {
			problems = append(problems, fmt.Sprintf("product %d: stock %d, want %d (started %d, %d ordered)", r.ID, r.Stock, want, l.Stock[r.ID], r.Ordered))
		}
	}
	if len(problems) > 0 {
		return int(placed), fmt.Errorf("ledger: %s", strings.Join(problems, "; "))
	}
	return int(placed), nil
}
