package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/internal/shopper"
)

// openDB opens the server's database: a postgres:// URL, or a SQLite file.
func openDB(target string) (*gorm.DB, error) {
	if strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://") {
		return database.Open(target, "")
	}
	return database.Open("", target)
}

// checkout has conns new shoppers (each verified by the link it was
// mailed) buy for dur, each order being an add to cart, the checkout page
// and placing the order, then checks that every
// order they were told about is in the database and that the stock taken
// equals the quantities ordered. It prints orders per second, p50 and p99
// of a whole order in milliseconds, the orders placed and the 5xx answers.
func checkout(base, target string, conns int, dur time.Duration) error {
	db, err := openDB(target)
	if err != nil {
		return err
	}
	defer database.Close(db)
	if err := shopper.Restock(db, 1_000_000); err != nil {
		return err
	}
	ledger, err := shopper.Snapshot(db)
	if err != nil {
		return err
	}
	// The shoppers follow the link their sign-up mailed before the clock
	// starts, reading it where the bench leaves email, in the outbox (the
	// server's mail server is an address where nothing listens, so every
	// email waits there, its link's token kept). So the load is what it
	// claims: accounts made the way a shopper makes one, each order
	// passing the verification check inside its transaction, and no
	// verifying inside the measured window. Accounts verified behind the
	// shop's back would place the same orders, but through accounts no
	// shopper could have.
	mailbox, err := shopper.Outbox(db, base)
	if err != nil {
		return err
	}
	stats := &shopper.Stats{}
	shoppers, err := shopper.SignUpMany(base, conns, fmt.Sprintf("buyer-%d", time.Now().UnixNano()), stats, mailbox)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	start := time.Now()
	bought := shopper.Buy(ctx, shoppers, ledger.Products())
	elapsed := time.Since(start)
	if len(bought.Errors) > 0 {
		return fmt.Errorf("checkout load: %d shoppers stopped: %w", len(bought.Errors), errors.Join(bought.Errors...))
	}
	placed, err := ledger.Check(db, bought.Orders)
	if err != nil {
		return err
	}
	if placed != len(bought.Orders) {
		return fmt.Errorf("checkout load: %d orders in the database, %d acknowledged", placed, len(bought.Orders))
	}
	if len(bought.Orders) == 0 || stats.ServerErr.Load() > 0 {
		return fmt.Errorf("checkout load: %d orders, %d answers were 5xx", len(bought.Orders), stats.ServerErr.Load())
	}
	fmt.Printf("%.1f %.2f %.2f %d %d\n", float64(len(bought.Orders))/elapsed.Seconds(),
		shopper.Quantile(bought.Took, 0.5), shopper.Quantile(bought.Took, 0.99), len(bought.Orders), stats.ServerErr.Load())
	return nil
}
