package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"

	"crumb/models"
)

// hotRead is one of the two statements a signed-in request makes before
// anything else (the session with its account's cart lines; the app
// token's account with its cart lines). It is prepared once on the pool,
// which keeps it prepared on each connection, and its rows are scanned
// into plain values: GORM's statement building and reflection cost as much
// as the statement itself.
type hotRead struct {
	db    *gorm.DB
	query string // with ? placeholders
	once  sync.Once
	stmt  *sql.Stmt
	err   error
}

func newHotRead(db *gorm.DB, query string) *hotRead { return &hotRead{db: db, query: query} }

// hotReads counts the statements run by hotRead, which GORM's callbacks
// do not see.
var hotReads atomic.Int64

// HotReads is how many statements have run outside GORM since the
// process began: with GORM's callbacks, what the benchmarks count.
func HotReads() int64 { return hotReads.Load() }

// rows runs the statement with args, outside any transaction ctx carries:
// it is a request's first read.
func (h *hotRead) rows(ctx context.Context, args ...any) (*sql.Rows, error) {
	h.once.Do(func() {
		sqlDB, err := h.db.DB()
		if err != nil {
			h.err = err
			return
		}
		query := h.query
		if h.db.Dialector.Name() == "postgres" {
			query = numbered(query)
		}
		h.stmt, h.err = sqlDB.Prepare(query)
	})
	if h.err != nil {
		return nil, h.err
	}
	hotReads.Add(1)
	return h.stmt.QueryContext(ctx, args...)
}

// numbered writes a query's ? placeholders as Postgres's $1, $2, ...
func numbered(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// scanLines reads rows whose last two columns are a cart line's product
// and quantity (NULL for an account without lines: a LEFT JOIN's one
// row), each row's leading columns into lead, from the first row. It
// reports whether there was a row at all.
func scanLines(rows *sql.Rows, lead ...any) (lines []models.CartLine, found bool, err error) {
	defer rows.Close()
	var product, quantity sql.NullInt64
	dest := append(lead, &product, &quantity)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, false, fmt.Errorf("scan cart lines: %w", err)
		}
		found = true
		if product.Valid {
			lines = append(lines, models.CartLine{ProductID: uint(product.Int64), Quantity: int(quantity.Int64)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("scan cart lines: %w", err)
	}
	if lines == nil {
		lines = []models.CartLine{}
	}
	return lines, found, nil
}
