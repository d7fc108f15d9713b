package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"crumb/models"
	"crumb/secret"
)

const ordersPageSize = 10

// Orders owns the orders and their lines. Placing and cancelling an order
// change stock through the catalog, empty the cart through the carts and
// queue the shopper's email in the outbox, in the order's own transaction.
type Orders struct {
	db      *gorm.DB
	catalog *Catalog
	carts   *Carts
	users   *Users
	outbox  *Outbox
	now     func() time.Time
}

// NewOrders builds the order store; placing an order queues its email in
// outbox; now stamps when orders are placed.
func NewOrders(db *gorm.DB, catalog *Catalog, carts *Carts, users *Users, outbox *Outbox, now func() time.Time) *Orders {
	return &Orders{db: db, catalog: catalog, carts: carts, users: users, outbox: outbox, now: now}
}

// Place turns the account's cart into an order in one transaction: an
// account whose email is not verified is refused (ErrEmailUnverified),
// prices and stock are read again, stock is taken only where enough is
// left (a conditional update), the order keeps the prices paid and the
// products' names in both languages, the cart is emptied and the
// confirmation email is queued. The same Key returns the existing order
// (created false). The catalog snapshot is refreshed once the stock has
// changed.
//
// It is checkout's round trips to the database that bound how many orders
// a second Postgres takes, so they are few: one statement reads the
// account, the key, the cart and its products; on Postgres one more
// writes the order, its lines, the emptied cart and the email; then one
// takes each line's stock.
func (s *Orders) Place(ctx context.Context, in models.PlaceOrderInput) (order models.Order, created bool, err error) {
	err = Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		b, err := readBasket(tx, in.UserID, in.Key)
		if err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		if b.placed != 0 {
			existing, found, err := orderByKey(tx, in.UserID, in.Key)
			if err == nil && found && existing.RequestHash != in.RequestHash {
				err = models.ErrIdempotencyConflict
			}
			order = existing
			return err
		}
		if !b.verified {
			return models.ErrEmailUnverified
		}
		if len(b.lines) == 0 {
			return models.ErrEmptyCart
		}
		order, err = buildOrder(in, b)
		if err != nil {
			return err
		}
		order.CreatedAt = s.now().UTC()
		order.UpdatedAt = order.CreatedAt
		if err := s.write(tx, b, &order); err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		// The stock last: taking it locks each product's row until the
		// commit, and every shopper of a product waits for that lock.
		// Lines come in product order, so two orders lock in the same order.
		for _, l := range order.Lines {
			ok, err := s.catalog.takeStock(tx, l.ProductID, l.Quantity)
			if err != nil {
				return fmt.Errorf("checkout: %w", err)
			}
			if !ok {
				return &models.CheckoutConflict{Lines: []models.ConflictLine{{Name: l.Name, NameKo: l.NameKo, Wanted: l.Quantity}}}
			}
		}
		created = true
		return nil
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// A concurrent request with the same key won the race: return its order.
		existing, found, ferr := orderByKey(Conn(ctx, s.db), in.UserID, in.Key)
		if ferr == nil && found {
			if existing.RequestHash != in.RequestHash {
				return existing, false, models.ErrIdempotencyConflict
			}
			return existing, false, nil
		}
	}
	if created {
		s.catalog.StockChanged(ctx, productIDs(order.Lines))
	}
	return order, created, err
}

// basket is what placing an order starts from: the account (verified: its
// email is), the order it already placed with the same key (0: none), its
// cart (0: never saved) with the lines in product order, and those
// products as the database has them now.
type basket struct {
	user     models.User
	verified bool
	placed   uint
	cartID   uint
	lines    []models.CartLine
	products map[uint]models.Product
}

// basketQuery reads a basket: one row per cart line, or one with NULL
// lines.
const basketQuery = "SELECT u.name, u.email, u.language, u.email_verified_at IS NOT NULL," +
	" COALESCE((SELECT o.id FROM orders o WHERE o.user_id = u.id AND o.idempotency_key = ?), 0), COALESCE(c.id, 0)," +
	" i.product_id, i.quantity, p.id, p.name, p.name_ko, p.published, p.stock, p.price_amount, p.currency" +
	" FROM users u LEFT JOIN carts c ON c.user_id = u.id LEFT JOIN cart_items i ON i.cart_id = c.id" +
	" LEFT JOIN products p ON p.id = i.product_id WHERE u.id = ? ORDER BY i.product_id"

func readBasket(tx *gorm.DB, userID uint, key string) (basket, error) {
	rows, err := tx.Raw(basketQuery, key, userID).Rows()
	if err != nil {
		return basket{}, err
	}
	defer rows.Close()
	b := basket{products: map[uint]models.Product{}}
	found := false
	for rows.Next() {
		var line, quantity, id sql.NullInt64
		var p struct {
			name, nameKo, currency sql.NullString
			published              sql.NullBool
			stock, price           sql.NullInt64
		}
		if err := rows.Scan(&b.user.Name, &b.user.Email, &b.user.Language, &b.verified, &b.placed, &b.cartID,
			&line, &quantity, &id, &p.name, &p.nameKo, &p.published, &p.stock, &p.price, &p.currency); err != nil {
			return basket{}, err
		}
		found = true
		if !line.Valid {
			continue
		}
		b.lines = append(b.lines, models.CartLine{ProductID: uint(line.Int64), Quantity: int(quantity.Int64)})
		if id.Valid {
			b.products[uint(id.Int64)] = models.Product{ID: uint(id.Int64), Name: p.name.String, NameKo: p.nameKo.String,
				Published: p.published.Bool, Stock: int(p.stock.Int64), PriceAmount: p.price.Int64, Currency: p.currency.String}
		}
	}
	if err := rows.Err(); err != nil {
		return basket{}, err
	}
	if !found {
		return basket{}, models.ErrNotFound
	}
	b.user.ID = userID
	return b, nil
}

// write stores a new order with its lines, empties the basket's cart and
// queues the confirmation email: on Postgres in one statement, on SQLite
// (where a statement costs no round trip) one at a time.
func (s *Orders) write(tx *gorm.DB, b basket, order *models.Order) error {
	mail, err := s.orderMail(b.user, *order)
	if err != nil {
		return err
	}
	if tx.Dialector.Name() == "postgres" {
		return writeInOne(tx, b.cartID, order, mail, s.catalog.sender)
	}
	if err := tx.Create(order).Error; err != nil {
		return err
	}
	if err := tx.Where("cart_id = ?", b.cartID).Delete(&CartItem{}).Error; err != nil {
		return fmt.Errorf("empty cart: %w", err)
	}
	if mail != nil {
		return s.outbox.insert(tx, *mail)
	}
	return nil
}

// writeInOne is write on Postgres: one statement inserts the order and,
// from a JSON list, its lines; empties the cart; queues the email (mail;
// nil: none); tells the other instances, as the order commits, that the
// stock changed (as sender); and reports the ids the order and its lines
// were given.
func writeInOne(tx *gorm.DB, cartID uint, order *models.Order, mail *models.OutboxMessage, sender string) error {
	type line struct {
		ProductID uint   `json:"product_id"`
		Name      string `json:"name"`
		NameKo    string `json:"name_ko"`
		UnitPrice int64  `json:"unit_price"`
		Quantity  int    `json:"quantity"`
		LineTotal int64  `json:"line_total"`
	}
	lines := make([]line, len(order.Lines))
	for i, l := range order.Lines {
		lines[i] = line{l.ProductID, l.Name, l.NameKo, l.UnitPrice, l.Quantity, l.LineTotal}
	}
	list, err := json.Marshal(lines)
	if err != nil {
		return err
	}
	o := order
	args := []any{o.Number, o.UserID, o.Key, o.RequestHash, o.Status, o.Currency, o.Subtotal, o.Total,
		o.Name, o.Phone, o.Address1, o.Address2, o.PostalCode, o.Country, o.PaymentMethod, o.CreatedAt, o.UpdatedAt,
		string(list), cartID}
	queue := ""
	if mail != nil {
		queue = ", m AS (INSERT INTO outbox (kind, recipient, data, secret, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?))"
		args = append(args, mail.Kind, mail.Recipient, mail.Data, mail.Secret, mail.NextAttemptAt, mail.CreatedAt)
	}
	rows, err := tx.Raw("WITH o AS (INSERT INTO orders (number, user_id, idempotency_key, request_hash, status, currency, subtotal, total,"+
		" name, phone, address1, address2, postal_code, country, payment_method, created_at, updated_at)"+
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id),"+
		" l AS (INSERT INTO order_lines (order_id, product_id, name, name_ko, unit_price, quantity, line_total)"+
		" SELECT o.id, l.product_id, l.name, l.name_ko, l.unit_price, l.quantity, l.line_total FROM o,"+
		" json_to_recordset(CAST(? AS json)) AS l(product_id bigint, name text, name_ko text, unit_price bigint, quantity bigint, line_total bigint)"+
		" RETURNING id, order_id, product_id),"+
		" gone AS (DELETE FROM cart_items WHERE cart_id = ?)"+queue+","+
		" announced AS (SELECT "+announcement+")"+
		" SELECT l.order_id, l.id FROM l, announced ORDER BY l.product_id", append(args, CatalogChannel, sender)...).Rows()
	if err != nil {
		if t, ok := tx.Dialector.(gorm.ErrorTranslator); ok {
			err = t.Translate(err) // a key already used: ErrDuplicatedKey, as Create reports it
		}
		return err
	}
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		if i >= len(order.Lines) {
			return errors.New("order lines: more written than there are")
		}
		if err := rows.Scan(&order.ID, &order.Lines[i].ID); err != nil {
			return err
		}
		order.Lines[i].OrderID = order.ID
	}
	return rows.Err()
}

// buildOrder prices the basket's lines, or reports every line that is
// sold out, short of stock or priced differently than quoted.
func buildOrder(in models.PlaceOrderInput, b basket) (models.Order, error) {
	order := models.Order{
		Number: newOrderNumber(), UserID: in.UserID, Key: in.Key, RequestHash: in.RequestHash,
		Status: models.StatusPlaced, Shipping: in.Shipping, PaymentMethod: in.Payment,
	}
	var conflict models.CheckoutConflict
	for _, l := range b.lines {
		p := b.products[l.ProductID] // a line's product is never missing: deleting one deletes its lines
		switch {
		case !p.Published:
			conflict.Lines = append(conflict.Lines, models.ConflictLine{Name: p.Name, NameKo: p.NameKo, Wanted: l.Quantity})
			continue
		case p.Stock < l.Quantity:
			conflict.Lines = append(conflict.Lines, models.ConflictLine{Name: p.Name, NameKo: p.NameKo, Wanted: l.Quantity, Available: p.Stock})
			continue
		}
		if quoted, ok := in.Quote[p.ID]; in.Quote != nil && (!ok || quoted != p.PriceAmount) {
			conflict.Lines = append(conflict.Lines, models.ConflictLine{Name: p.Name, NameKo: p.NameKo, Wanted: l.Quantity, Available: p.Stock,
				OldPrice: models.Money{Amount: quoted, Currency: p.Currency}, NewPrice: p.Price()})
			continue
		}
		total := p.PriceAmount * int64(l.Quantity)
		order.Lines = append(order.Lines, models.OrderLine{ProductID: p.ID, Name: p.Name, NameKo: p.NameKo, UnitPrice: p.PriceAmount, Quantity: l.Quantity, LineTotal: total})
		order.Subtotal += total
		order.Currency = p.Currency
	}
	if len(conflict.Lines) > 0 {
		return models.Order{}, &conflict
	}
	order.Total = order.Subtotal
	return order, nil
}

func orderByKey(tx *gorm.DB, userID uint, key string) (models.Order, bool, error) {
	var o models.Order
	err := tx.Preload("Lines").Where("user_id = ? AND idempotency_key = ?", userID, key).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Order{}, false, nil
	}
	if err != nil {
		return models.Order{}, false, fmt.Errorf("order: %w", err)
	}
	return o, true, nil
}

// orderAlphabet leaves out look-alike characters (0/O, 1/I/L).
const orderAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newOrderNumber is "CR-" and 10 random characters (about 49 bits).
func newOrderNumber() string {
	b := secret.Bytes(10)
	for i := range b {
		b[i] = orderAlphabet[int(b[i])%len(orderAlphabet)]
	}
	return "CR-" + string(b)
}

// orderNumberLike reports whether number can be one newOrderNumber made;
// what cannot is never looked up.
func orderNumberLike(number string) bool {
	rest, ok := strings.CutPrefix(number, "CR-")
	return ok && len(rest) == 10 && strings.Trim(rest, orderAlphabet) == ""
}

// ForUser loads one of the user's orders by its number; another
// account's order is ErrNotFound, exactly like a missing one (and like a
// number no order can have).
func (s *Orders) ForUser(ctx context.Context, userID uint, number string) (models.Order, error) {
	return userOrder(Conn(ctx, s.db), userID, number)
}

func userOrder(db *gorm.DB, userID uint, number string) (models.Order, error) {
	var o models.Order
	if !orderNumberLike(number) {
		return models.Order{}, models.ErrNotFound
	}
	err := db.Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("user_id = ? AND number = ?", userID, number).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Order{}, models.ErrNotFound
	}
	if err != nil {
		return models.Order{}, fmt.Errorf("order: %w", err)
	}
	return o, nil
}

// ListForUser lists the user's orders, newest first; page is clamped.
func (s *Orders) ListForUser(ctx context.Context, userID uint, page, perPage int) (models.OrderPage, error) {
	if perPage <= 0 {
		perPage = ordersPageSize
	}
	q := Conn(ctx, s.db).Model(&models.Order{}).Where("user_id = ?", userID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return models.OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	pages := max(int((total+int64(perPage)-1)/int64(perPage)), 1)
	page = min(max(page, 1), pages)
	var items []models.Order
	if err := q.Preload("Lines").Order("created_at DESC, id DESC").Offset((page - 1) * perPage).Limit(perPage).Find(&items).Error; err != nil {
		return models.OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	return models.OrderPage{Items: items, Page: page, Pages: pages, PerPage: perPage, Total: total}, nil
}

// Cancel cancels a placed order of the user, puts its items back on the
// shelf and queues the shopper's email, in one transaction.
func (s *Orders) Cancel(ctx context.Context, userID uint, number string, now time.Time) (models.Order, error) {
	var order models.Order
	err := Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		var err error
		if order, err = userOrder(tx, userID, number); err != nil {
			return err
		}
		res := tx.Model(&models.Order{}).Where("id = ? AND status = ?", order.ID, models.StatusPlaced).
			Updates(map[string]any{"status": models.StatusCancelled, "cancelled_at": now})
		if res.Error != nil {
			return fmt.Errorf("cancel order: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return models.ErrNotCancellable
		}
		for _, l := range order.Lines {
			if err := s.catalog.returnStock(tx, l.ProductID, l.Quantity); err != nil {
				return fmt.Errorf("cancel order: %w", err)
			}
		}
		if err := s.catalog.announce(tx); err != nil {
			return fmt.Errorf("cancel order: %w", err)
		}
		order.Status, order.CancelledAt = models.StatusCancelled, &now
		if err := s.queueOrderMail(tx, order); err != nil {
			return fmt.Errorf("cancel order: %w", err)
		}
		return nil
	})
	if err == nil {
		s.catalog.StockChanged(ctx, productIDs(order.Lines))
	}
	return order, err
}

// productIDs lists the products of lines.
func productIDs(lines []models.OrderLine) []uint {
	ids := make([]uint, len(lines))
	for i, l := range lines {
		ids[i] = l.ProductID
	}
	return ids
}

// ByNumber loads any account's order by its number (the back office).
func (s *Orders) ByNumber(ctx context.Context, number string) (models.Order, error) {
	var o models.Order
	if !orderNumberLike(number) {
		return models.Order{}, models.ErrNotFound
	}
	err := Conn(ctx, s.db).Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("number = ?", number).Take(&o).Error
	if err != nil {
		return models.Order{}, fmt.Errorf("order: %w", notFound(err))
	}
	return o, nil
}

// List lists every account's orders, newest first, in status (every
// status when empty); 25 to a page, the page clamped.
func (s *Orders) List(ctx context.Context, status string, page int) (models.OrderPage, error) {
	const per = 25
	q := Conn(ctx, s.db).Model(&models.Order{})
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return models.OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	pages := max(int((total+per-1)/per), 1)
	page = min(max(page, 1), pages)
	var items []models.Order
	if err := q.Preload("Lines").Order("created_at DESC, id DESC").Offset((page - 1) * per).Limit(per).Find(&items).Error; err != nil {
		return models.OrderPage{}, fmt.Errorf("orders: %w", err)
	}
	return models.OrderPage{Items: items, Page: page, Pages: pages, PerPage: per, Total: total}, nil
}

// SetStatus moves an order to status to if CanMove allows it from where
// the order is now (a conditional update: two admins cannot both move it);
// cancelling puts its items back on the shelf, and shipping or cancelling
// queues the shopper's email, in the same transaction.
// It returns the order as it was and as it is.
func (s *Orders) SetStatus(ctx context.Context, number, to string, now time.Time) (before, after models.Order, err error) {
	if !orderNumberLike(number) {
		return before, after, fmt.Errorf("order status: %w", models.ErrNotFound)
	}
	err = Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		if err := tx.Preload("Lines").Where("number = ?", number).Take(&before).Error; err != nil {
			return notFound(err)
		}
		if !models.CanMove(before.Status, to) {
			return models.ErrIllegalMove
		}
		fields := map[string]any{"status": to}
		if to == models.StatusCancelled {
			fields["cancelled_at"] = now
		}
		res := tx.Model(&models.Order{}).Where("id = ? AND status = ?", before.ID, before.Status).Updates(fields)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrIllegalMove // moved by someone else meanwhile
		}
		if to == models.StatusCancelled {
			for _, l := range before.Lines {
				if err := s.catalog.returnStock(tx, l.ProductID, l.Quantity); err != nil {
					return err
				}
			}
			if err := s.catalog.announce(tx); err != nil {
				return err
			}
		}
		after = before
		after.Status = to
		if to == models.StatusCancelled {
			after.CancelledAt = &now
		}
		return s.queueOrderMail(tx, after) // shipped and cancelled tell the shopper
	})
	if err != nil {
		if errors.Is(err, models.ErrIllegalMove) || errors.Is(err, models.ErrNotFound) {
			return before, after, err
		}
		return before, after, fmt.Errorf("order status: %w", err)
	}
	if to == models.StatusCancelled {
		s.catalog.StockChanged(ctx, productIDs(before.Lines))
	}
	return before, after, nil
}

// Summary counts the orders placed from start to end (a day in the
// store's time zone) and the orders waiting for each next step.
func (s *Orders) Summary(ctx context.Context, start, end time.Time) (models.DaySummary, error) {
	sum := models.DaySummary{Waiting: map[string]int{}}
	day := func() *gorm.DB {
		return Conn(ctx, s.db).Model(&models.Order{}).Where("created_at >= ? AND created_at < ?", start.UTC(), end.UTC())
	}
	if err := day().Count(&sum.Placed).Error; err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	if err := day().Where("status <> ?", models.StatusCancelled).Select("COALESCE(SUM(total), 0)").Scan(&sum.Total).Error; err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	var rows []struct {
		Status string
		N      int
	}
	if err := Conn(ctx, s.db).Model(&models.Order{}).Select("status, COUNT(*) AS n").
		Where("status IN ?", []string{models.StatusPlaced, models.StatusPaid, models.StatusShipped}).Group("status").Scan(&rows).Error; err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	for _, r := range rows {
		sum.Waiting[r.Status] = r.N
	}
	return sum, nil
}

// orderMailKinds is the email of each status that tells the shopper.
var orderMailKinds = map[string]string{models.StatusPlaced: models.MailOrderPlaced, models.StatusShipped: models.MailOrderShipped, models.StatusCancelled: models.MailOrderCancelled}

// queueOrderMail tells the shopper about order in tx: its confirmation
// when placed, and a note when it is shipped or cancelled. An order
// status change calls it inside the change's transaction; other statuses
// send nothing.
func (s *Orders) queueOrderMail(tx *gorm.DB, order models.Order) error {
	if _, ok := orderMailKinds[order.Status]; !ok {
		return nil
	}
	user, err := s.users.byID(tx, order.UserID)
	if err != nil {
		return fmt.Errorf("order mail: %w", err)
	}
	return s.mailOrder(tx, user, order)
}

// mailOrder is queueOrderMail for a caller that has the account, user.
func (s *Orders) mailOrder(tx *gorm.DB, user models.User, order models.Order) error {
	msg, err := s.orderMail(user, order)
	if err != nil || msg == nil {
		return err
	}
	return s.outbox.insert(tx, *msg)
}

// orderMail is the email telling user about order (nil: its status tells
// nothing), its lines named in the account's language, the email's.
func (s *Orders) orderMail(user models.User, order models.Order) (*models.OutboxMessage, error) {
	kind, ok := orderMailKinds[order.Status]
	if !ok {
		return nil, nil
	}
	msg, err := s.outbox.message(kind, user, models.MailData{At: s.outbox.now().UTC(), Order: models.NewOrderMail(order.In(user.Language))}, "")
	return &msg, err
}
