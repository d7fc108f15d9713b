package storage

import (
	"context"
	"errors"

	"gorm.io/gorm"
)

// txKey is the context key of the transaction InTransaction carries.
type txKey struct{}

// txState is one InTransaction's transaction and the work that waits for
// its commit.
type txState struct {
	tx    *gorm.DB
	after []func(context.Context) error
}

// InTransaction runs fn in one database transaction: every store that is
// handed fn's ctx works inside it (through Conn), so several stores'
// changes, and the audit entry that records them, commit together or not
// at all. Work that must not run inside the transaction (deleting a
// session from Redis, reloading the catalog snapshot) is put off with
// AfterCommit and runs once the transaction has committed. Called inside
// another InTransaction, fn joins the outer transaction.
func InTransaction(ctx context.Context, db *gorm.DB, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*txState); ok {
		return fn(ctx)
	}
	st := &txState{}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		st.tx = tx
		return fn(context.WithValue(ctx, txKey{}, st))
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range st.after {
		errs = append(errs, f(ctx))
	}
	return errors.Join(errs...)
}

// Conn is db for ctx: the transaction ctx carries (see InTransaction), or
// db itself.
func Conn(ctx context.Context, db *gorm.DB) *gorm.DB {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		return st.tx
	}
	return db.WithContext(ctx)
}

// AfterCommit runs fn once the transaction ctx carries has committed (and
// never if it rolls back), or at once outside a transaction. fn gets a
// context without the transaction.
func AfterCommit(ctx context.Context, fn func(ctx context.Context) error) error {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		st.after = append(st.after, fn)
		return nil
	}
	return fn(ctx)
}
