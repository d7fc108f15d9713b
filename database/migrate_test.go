package database_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/internal/testkit"
	"crumb/storage"
)

// The migration tests run on SQLite always, and on Postgres too when
// TEST_DATABASE_URL names a database: each Postgres database is a schema of
// its own, dropped at the end.

type dialect struct {
	name    string // "sqlite" or "postgres": the migrations/ folder
	fixture string // testdata file of a database AutoMigrate made
	open    func(t *testing.T) *gorm.DB
}

// eachDialect runs f as a parallel subtest per dialect.
func eachDialect(t *testing.T, f func(t *testing.T, d dialect)) {
	t.Helper()
	dialects := []dialect{
		{"sqlite", "automigrated_sqlite.sql", openSQLite},
		{"postgres", "automigrated_postgres.sql", openPostgresSchema},
	}
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			f(t, d)
		})
	}
}

// openURL opens a connection pool, closed when the test ends.
func openURL(t *testing.T, databaseURL string) *gorm.DB {
	t.Helper()
	db, err := database.Open(databaseURL, "")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

func openPostgresSchema(t *testing.T) *gorm.DB {
	t.Helper()
	return openURL(t, testkit.PostgresURL(t))
}

// loadFixture runs a testdata SQL file in one transaction.
func loadFixture(t *testing.T, db *gorm.DB, name string) {
	t.Helper()
	script, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, string(script)); err != nil {
		_ = tx.Rollback()
		t.Fatalf("load %s: %v", name, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
}

func migrate(t *testing.T, db *gorm.DB) {
	t.Helper()
	if err := database.Migrate(db); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
}

var migrationName = regexp.MustCompile(`^(\d{5})_[a-z0-9_]+\.sql$`)

// migrationFiles lists the migration files of a dialect in order.
func migrationFiles(t *testing.T, dialectName string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("migrations", dialectName))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// latestVersion is the number of the last migration file of a dialect.
func latestVersion(t *testing.T, dialectName string) int64 {
	t.Helper()
	names := migrationFiles(t, dialectName)
	if len(names) == 0 {
		t.Fatalf("no migrations for %s", dialectName)
	}
	m := migrationName.FindStringSubmatch(names[len(names)-1])
	if m == nil {
		t.Fatalf("migration %s is not named NNNNN_words.sql", names[len(names)-1])
	}
	v, _ := strconv.ParseInt(m[1], 10, 64)
	return v
}

// recordedVersion is the highest version goose recorded as applied.
func recordedVersion(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var v int64
	if err := db.Raw("SELECT MAX(version_id) FROM goose_db_version WHERE is_applied").Scan(&v).Error; err != nil {
		t.Fatalf("read goose_db_version: %v", err)
	}
	return v
}

// render writes a value read with database/sql the same way on SQLite and
// Postgres: times in UTC, booleans as 1 and 0, bytes in hex.
func render(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case []byte:
		return "x" + hex.EncodeToString(v)
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// queryRows runs query and returns each row as its rendered values joined by |.
func queryRows(t *testing.T, db *gorm.DB, query string, args ...any) []string {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := sqlDB.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = render(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func quoteIdents(names string) string {
	var q []string
	for n := range strings.SplitSeq(names, ",") {
		q = append(q, `"`+strings.TrimSpace(n)+`"`)
	}
	return strings.Join(q, ", ")
}

// fixtureRows is every row of testdata/automigrated_*.sql, written out by
// hand: the same on both databases.
var fixtureRows = []struct {
	table, columns, orderBy string
	rows                    []string
}{
	{"categories", "id, slug, name, description, position", "id", []string{
		"1|breads|Breads|Loaves baked before dawn.|0",
		`2|cakes|Cakes|Whole cakes & slices — "generous".|1`,
	}},
	{"products", "id, slug, name, description, price_amount, currency, stock, category_id, image, featured, published, created_at, updated_at", "id", []string{
		"1|sourdough-loaf|Sourdough Loaf|Naturally leavened, 36-hour ferment.|850|USD|12|1|img/products/sourdough-loaf.svg|1|1|2026-03-14T09:26:53.589793Z|2026-03-14T10:26:53.589793Z",
		"2|baguette|Baguette|Crackly crust, open crumb.|400|USD|0|1|img/products/baguette.svg|0|1|2026-03-14T09:26:53.589793Z|2026-03-14T09:26:53.589793Z",
		"3|carrot-cake|Carrot Cake|Spiced carrot and walnut cake. Serves 8.|3200|USD|5|2|img/products/carrot-cake.svg|0|0|2026-03-14T09:26:53.589793Z|2026-03-14T09:26:53.589793Z",
	}},
	{"carts", "id, user_id, guest_key, created_at, updated_at", "id", []string{
		"1|1|NULL|2026-03-14T09:36:53.589793Z|2026-03-14T09:46:53.589793Z",
		"2|NULL|9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08|2026-03-14T09:56:53.589793Z|2026-03-14T09:56:53.589793Z",
	}},
	{"cart_items", "cart_id, product_id, quantity", "cart_id, product_id", []string{
		"1|1|2",
		"1|3|1",
		"2|1|99",
	}},
	{"users", "id, name, email, password_hash, theft_detected_at, created_at, updated_at", "id", []string{
		"1|Ada Baker|ada@crumb.test|$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g|2026-03-14T11:26:53.589793Z|2026-03-14T09:26:53.589793Z|2026-03-14T11:26:53.589793Z",
		"2|Ben O'Brien|ben@crumb.test|$argon2id$v=19$m=65536,t=3,p=4$YmVuYmVuYmVuYmVuYmVu$YmVuaGFzaGJlbmhhc2hiZW5oYXNoYmVuaGFzaA|NULL|2026-03-14T09:27:53.589793Z|2026-03-14T09:27:53.589793Z",
	}},
	{"web_sessions", "key_hash, user_id, device_label, ip, remembered, created_at, last_seen_at, expires_at", "key_hash", []string{
		"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae|1|Firefox on Linux|203.0.113.7|1|2026-03-14T10:26:53.589793Z|2026-03-14T10:56:53.589793Z|2026-03-14T22:26:53.589793Z",
	}},
	{"remember_tokens", "id, selector, validator_hash, previous_hash, rotated_at, user_id, device_label, ip, created_at, last_used_at, expires_at", "id", []string{
		"1|c2VsZWN0b3JzZWxlY3Rvcg|fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9||2026-03-14T10:26:53.589793Z|1|Firefox on Linux|203.0.113.7|2026-03-14T10:26:53.589793Z|2026-03-14T10:26:53.589793Z|2026-04-13T09:26:53.589793Z",
	}},
	{"orders", "id, number, user_id, idempotency_key, request_hash, status, currency, subtotal, total, name, phone, address1, address2, postal_code, country, payment_method, created_at, updated_at, cancelled_at", "id", []string{
		"1|CR-7K3M9Q2XWP|1|checkout-token-1|5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8|placed|USD|2500|2500|Ada Baker|+1 555 0100|1 Flour Street||10001|US|cash|2026-03-14T10:06:53.589793Z|2026-03-14T10:06:53.589793Z|NULL",
		"2|CR-2B4D6F8H9J|1|checkout-token-2|6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b|cancelled|USD|400|400|Ada Baker|+1 555 0100|1 Flour Street|Apt 2|10001|US|bank_transfer|2026-03-14T10:16:53.589793Z|2026-03-14T10:21:53.589793Z|2026-03-14T10:21:53.589793Z",
	}},
	{"order_lines", "id, order_id, product_id, name, unit_price, quantity, line_total", "id", []string{
		"1|1|1|Sourdough Loaf|850|2|1700",
		"2|1|2|Baguette|400|2|800",
		"3|2|2|Baguette|400|1|400",
	}},
	{"refresh_families", "id, user_id, device_label, ip, created_at, last_used_at, expires_at, revoked_at", "id", []string{
		"1|1|Crumb for iOS|198.51.100.23|2026-03-14T11:26:53.589793Z|2026-03-14T12:26:53.589793Z|2026-04-13T11:26:53.589793Z|NULL",
	}},
	{"refresh_tokens", "id, family_id, token_hash, created_at, used_at, successor_id", "id", []string{
		"1|1|e7f6c011776e8db7cd330b54174fd76f7d0216b612387a5ffcfb81e6f0919683|2026-03-14T11:26:53.589793Z|2026-03-14T12:26:53.589793Z|2",
		"2|1|ef2d127de37b942baad06145e54b0c619a1f22327b2ebbcfbec78f5564afe39d|2026-03-14T12:26:53.589793Z|NULL|NULL",
	}},
	{"security_events", "id, user_id, kind, ip, created_at", "id", []string{
		"1|1|app refresh token|192.0.2.1|2026-03-14T11:26:53.589793Z",
	}},
	{"storage_entries", "storage_key, value, expires_at", "storage_key", []string{
		"4b227777d4dd1fc61c6f884f48641d02b4d121d3fd328cb08b5531fcacdabf8a|x00ff106372756d6280|1773523613",
		"forever|x6b657074|0",
	}},
}

func checkFixtureRows(t *testing.T, db *gorm.DB) {
	t.Helper()
	for _, want := range fixtureRows {
		got := queryRows(t, db, fmt.Sprintf("SELECT %s FROM %q ORDER BY %s",
			quoteIdents(want.columns), want.table, quoteIdents(want.orderBy)))
		if !slices.Equal(got, want.rows) {
			t.Errorf("%s (%s):\n got  %q\n want %q", want.table, want.columns, got, want.rows)
		}
	}
}

// tables lists the tables of the database (of the current schema on Postgres).
func tables(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var q string
	switch db.Dialector.Name() {
	case "sqlite":
		q = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
	default:
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
	}
	return queryRows(t, db, q)
}

// schemaOf describes every table, column, index and constraint of the
// database, one line each, in a stable order. Two databases with the same
// description have the same schema.
func schemaOf(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var out []string
	add := func(kind string, rows []string) {
		for _, r := range rows {
			out = append(out, kind+" "+r)
		}
	}
	switch db.Dialector.Name() {
	case "sqlite":
		// The statements themselves: names, types, defaults, checks and
		// foreign keys with their constraint names.
		add("object", queryRows(t, db, "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name"))
		for _, table := range tables(t, db) {
			add("column "+table, queryRows(t, db, fmt.Sprintf("SELECT cid, name, type, \"notnull\", COALESCE(dflt_value, 'NULL'), pk FROM pragma_table_xinfo(%s) ORDER BY cid", sqlString(table))))
			add("foreign key "+table, queryRows(t, db, fmt.Sprintf("SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(%s) ORDER BY id, seq", sqlString(table))))
			for _, index := range queryRows(t, db, fmt.Sprintf("SELECT name, \"unique\", origin, partial FROM pragma_index_list(%s) ORDER BY name", sqlString(table))) {
				name, _, _ := strings.Cut(index, "|")
				add("index "+table, []string{index})
				add("index column "+name, queryRows(t, db, fmt.Sprintf("SELECT seqno, COALESCE(name, '') FROM pragma_index_info(%s) ORDER BY seqno", sqlString(name))))
			}
		}
	case "postgres":
		add("column", queryRows(t, db, `SELECT table_name, ordinal_position, column_name, data_type, COALESCE(character_maximum_length, 0), is_nullable, COALESCE(column_default, 'NULL')
			FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`))
		add("index", queryRows(t, db, `SELECT tablename, indexname, replace(indexdef, current_schema() || '.', '')
			FROM pg_indexes WHERE schemaname = current_schema() ORDER BY tablename, indexname`))
		add("constraint", queryRows(t, db, `SELECT cl.relname, co.conname, co.contype::text, pg_get_constraintdef(co.oid)
			FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
			WHERE n.nspname = current_schema() ORDER BY cl.relname, co.conname`))
		add("sequence", queryRows(t, db, `SELECT sequence_name, data_type, start_value, increment
			FROM information_schema.sequences WHERE sequence_schema = current_schema() ORDER BY sequence_name`))
	default:
		t.Fatalf("unknown dialect %q", db.Dialector.Name())
	}
	return out
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// contents is every row of every table, for telling whether anything changed.
func contents(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var out []string
	for _, table := range tables(t, db) {
		rows := queryRows(t, db, fmt.Sprintf("SELECT * FROM %q", table))
		slices.Sort(rows)
		for _, r := range rows {
			out = append(out, table+": "+r)
		}
	}
	return out
}

// diffLines reports the lines only in a and only in b.
func diffLines(a, b []string) (onlyA, onlyB []string) {
	for _, l := range a {
		if !slices.Contains(b, l) {
			onlyA = append(onlyA, l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			onlyB = append(onlyB, l)
		}
	}
	return onlyA, onlyB
}

func TestMigrateUpgradesAnAutoMigratedDatabase(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		loadFixture(t, db, d.fixture)
		checkFixtureRows(t, db) // the fixture is what the test thinks it is
		beforeSchema := schemaOf(t, db)

		migrate(t, db)
		checkFixtureRows(t, db)
		if got, want := recordedVersion(t, db), latestVersion(t, d.name); got != want {
			t.Errorf("goose recorded version %d, want %d", got, want)
		}
		// Accounts made before emails were verified count as verified,
		// since they were made.
		if got, want := queryRows(t, db, "SELECT id, email_verified_at FROM users ORDER BY id"), []string{
			"1|2026-03-14T09:26:53.589793Z", "2|2026-03-14T09:27:53.589793Z",
		}; !slices.Equal(got, want) {
			t.Errorf("users' email_verified_at after the upgrade = %q, want %q", got, want)
		}
		// Accounts made before they had a language are English.
		if got, want := queryRows(t, db, "SELECT id, language FROM users ORDER BY id"), []string{"1|en", "2|en"}; !slices.Equal(got, want) {
			t.Errorf("users' language after the upgrade = %q, want %q", got, want)
		}
		// Products and categories made before the catalog spoke Korean have
		// none (the English stands in), and the shop keeps its products'
		// currency.
		if got, want := queryRows(t, db, "SELECT id, name_ko, description_ko FROM products ORDER BY id"), []string{"1||", "2||", "3||"}; !slices.Equal(got, want) {
			t.Errorf("products' Korean after the upgrade = %q, want %q", got, want)
		}
		if got, want := queryRows(t, db, "SELECT id, name_ko, description_ko FROM categories ORDER BY id"), []string{"1||", "2||"}; !slices.Equal(got, want) {
			t.Errorf("categories' Korean after the upgrade = %q, want %q", got, want)
		}
		if got, want := queryRows(t, db, "SELECT name, value FROM shop_settings"), []string{"currency|USD"}; !slices.Equal(got, want) {
			t.Errorf("shop settings after the upgrade = %q, want %q", got, want)
		}
		// Lines of orders placed before lines kept a Korean name have none
		// (the English stands in).
		if got, want := queryRows(t, db, "SELECT id, name, name_ko FROM order_lines ORDER BY id"), []string{"1|Sourdough Loaf|", "2|Baguette|", "3|Baguette|"}; !slices.Equal(got, want) {
			t.Errorf("order lines' Korean after the upgrade = %q, want %q", got, want)
		}
		if latestVersion(t, d.name) == 1 {
			// Migration 1 is today's schema: on a database AutoMigrate made
			// it must change nothing but add goose's table.
			onlyBefore, onlyAfter := diffLines(beforeSchema, schemaOf(t, db))
			if len(onlyBefore) > 0 {
				t.Errorf("migration 1 changed the AutoMigrate schema; gone or changed:\n%s", strings.Join(onlyBefore, "\n"))
			}
			for _, l := range onlyAfter {
				if !strings.Contains(l, "goose_db_version") {
					t.Errorf("migration 1 added to the AutoMigrate schema: %s", l)
				}
			}
		}

		// Running it again changes nothing.
		schema, rows := schemaOf(t, db), contents(t, db)
		migrate(t, db)
		if after := schemaOf(t, db); !slices.Equal(schema, after) {
			onlyBefore, onlyAfter := diffLines(schema, after)
			t.Errorf("a second Migrate changed the schema:\n before %q\n after  %q", onlyBefore, onlyAfter)
		}
		if after := contents(t, db); !slices.Equal(rows, after) {
			onlyBefore, onlyAfter := diffLines(rows, after)
			t.Errorf("a second Migrate changed rows (%d before, %d after):\n before %q\n after  %q", len(rows), len(after), onlyBefore, onlyAfter)
		}

		checkSchemaIsUsable(t, db)
	})
}

// checkSchemaIsUsable writes to the upgraded fixture: new ids follow the
// fixture's, and unique indexes, checks and foreign keys still hold.
func checkSchemaIsUsable(t *testing.T, db *gorm.DB) {
	t.Helper()
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

	var userID int64
	err := db.Raw("INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
		"Cy Miller", "cy@crumb.test", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", now, now).Scan(&userID).Error
	if err != nil {
		t.Fatalf("insert a new user: %v", err)
	}
	if userID != 3 {
		t.Errorf("new user got id %d, want 3 (after the fixture's 2)", userID)
	}
	if got := queryRows(t, db, fmt.Sprintf("SELECT email_verified_at FROM users WHERE id = %d", userID)); !slices.Equal(got, []string{"NULL"}) {
		t.Errorf("a new user's email_verified_at = %q, want NULL (not verified)", got)
	}
	if got := queryRows(t, db, fmt.Sprintf("SELECT language FROM users WHERE id = %d", userID)); !slices.Equal(got, []string{"en"}) {
		t.Errorf("a new user's language = %q, want en", got)
	}
	insertLink := func(userID int64, hash string) error {
		return db.Exec("INSERT INTO email_verifications (user_id, email, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			userID, "cy@crumb.test", hash, now, now.Add(24*time.Hour)).Error
	}
	if err := insertLink(userID, strings.Repeat("a", 64)); err != nil {
		t.Errorf("a verification link for the new user: %v", err)
	}
	if err := insertLink(userID, strings.Repeat("a", 64)); !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("a second link with the same token hash: err = %v, want a duplicate key", err)
	}
	if err := insertLink(999999, strings.Repeat("b", 64)); !errors.Is(err, gorm.ErrForeignKeyViolated) {
		t.Errorf("a verification link for a missing user: err = %v, want a foreign key violation", err)
	}
	err = db.Exec("INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		"Ada Again", "ada@crumb.test", "x", now, now).Error
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("a second account with ada@crumb.test: err = %v, want a duplicate key", err)
	}

	insertProduct := func(slug string, stock int) (int64, error) {
		var id int64
		err := db.Raw(`INSERT INTO products (slug, name, description, price_amount, currency, stock, category_id, image, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			slug, "Rye", "Dark and dense.", 700, "USD", stock, 1, "img/products/"+slug+".svg", now, now).Scan(&id).Error
		return id, err
	}
	productID, err := insertProduct("rye", 7)
	if err != nil {
		t.Fatalf("insert a new product: %v", err)
	}
	if productID != 4 {
		t.Errorf("new product got id %d, want 4 (after the fixture's 3)", productID)
	}
	if _, err := insertProduct("negative-rye", -1); err == nil ||
		!errors.Is(err, gorm.ErrCheckConstraintViolated) && !strings.Contains(err.Error(), "chk_products_stock") {
		t.Errorf("a product with stock -1: err = %v, want the stock check to refuse it", err)
	}
	var featured, published bool
	if err := db.Raw("SELECT featured, published FROM products WHERE id = ?", productID).Row().Scan(&featured, &published); err != nil {
		t.Fatal(err)
	}
	if featured || !published {
		t.Errorf("new product: featured %v, published %v; want the defaults false and true", featured, published)
	}

	if err := db.Exec("INSERT INTO cart_items (cart_id, product_id, quantity) VALUES (?, ?, ?)", 1, productID, 3).Error; err != nil {
		t.Errorf("add the new product to a cart: %v", err)
	}
	err = db.Exec("INSERT INTO cart_items (cart_id, product_id, quantity) VALUES (?, ?, ?)", 1, 999999, 1).Error
	if !errors.Is(err, gorm.ErrForeignKeyViolated) {
		t.Errorf("a cart item for a missing product: err = %v, want a foreign key violation", err)
	}

	// Deleting a family deletes its tokens (ON DELETE CASCADE).
	if err := db.Exec("DELETE FROM refresh_families WHERE id = ?", 1).Error; err != nil {
		t.Fatal(err)
	}
	var tokens int64
	if err := db.Raw("SELECT COUNT(*) FROM refresh_tokens").Scan(&tokens).Error; err != nil {
		t.Fatal(err)
	}
	if tokens != 0 {
		t.Errorf("%d refresh tokens left after their family was deleted, want 0", tokens)
	}

	store := storage.NewKV(db, func() time.Time { return now })
	if v, err := store.Get("forever"); err != nil || string(v) != "kept" {
		t.Errorf("storage entry from before the upgrade = %q, %v", v, err)
	}
	if err := store.Set("forever", []byte("renewed"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, err := store.Get("forever"); err != nil || string(v) != "renewed" {
		t.Errorf("storage entry after overwriting = %q, %v", v, err)
	}
}

func TestFreshMigrateMatchesTheUpgradedSchema(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, d dialect) {
		upgraded := d.open(t)
		loadFixture(t, upgraded, d.fixture)
		migrate(t, upgraded)

		fresh := d.open(t)
		migrate(t, fresh)
		if got, want := recordedVersion(t, fresh), latestVersion(t, d.name); got != want {
			t.Errorf("goose recorded version %d on a fresh database, want %d", got, want)
		}
		// A new shop has no currency until it first starts (CheckCurrency).
		if got := queryRows(t, fresh, "SELECT name, value FROM shop_settings"); len(got) != 0 {
			t.Errorf("a fresh database's shop settings = %q, want none", got)
		}

		want, got := schemaOf(t, upgraded), schemaOf(t, fresh)
		if len(got) == 0 {
			t.Fatal("the fresh schema is empty")
		}
		onlyUpgraded, onlyFresh := diffLines(want, got)
		for _, l := range onlyUpgraded {
			t.Errorf("only in the upgraded database: %s", l)
		}
		for _, l := range onlyFresh {
			t.Errorf("only in the fresh database: %s", l)
		}
		for _, table := range []string{"categories", "products", "carts", "cart_items", "users", "web_sessions",
			"remember_tokens", "orders", "order_lines", "refresh_families", "refresh_tokens", "security_events",
			"storage_entries", "shop_settings", "goose_db_version"} {
			if !slices.Contains(tables(t, fresh), table) {
				t.Errorf("a fresh database has no %s table", table)
			}
		}
	})
}

// TestConcurrentMigratePostgres starts several instances at once, first on
// an empty schema, then on one whose version table exists with migrations
// pending (what a rolling deploy of a new migration meets): every instance
// must succeed, and each migration must be applied once.
func TestConcurrentMigratePostgres(t *testing.T) {
	t.Parallel()
	schemaURL := testkit.PostgresURL(t)
	const instances = 4
	dbs := make([]*gorm.DB, instances)
	for i := range dbs {
		dbs[i] = openURL(t, schemaURL)
	}
	latest := latestVersion(t, "postgres")
	migrateAll := func(round string) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, instances)
		start := make(chan struct{})
		for i, db := range dbs {
			wg.Go(func() {
				<-start
				errs[i] = database.Migrate(db)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("%s: instance %d: Migrate: %v", round, i+1, err)
			}
		}
		if got := recordedVersion(t, dbs[0]); got != latest {
			t.Errorf("%s: goose recorded version %d, want %d", round, got, latest)
		}
		if twice := queryRows(t, dbs[0], "SELECT version_id, COUNT(*) FROM goose_db_version GROUP BY version_id HAVING COUNT(*) > 1"); len(twice) > 0 {
			t.Errorf("%s: versions recorded more than once (version|times): %q", round, twice)
		}
		var n int64
		if err := dbs[0].Raw("SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != latest {
			t.Errorf("%s: %d migrations recorded, want %d", round, n, latest)
		}
	}

	migrateAll("empty schema")

	// Back to a schema where goose's table exists but nothing is applied.
	for _, table := range tables(t, dbs[0]) {
		if table != "goose_db_version" {
			if err := dbs[0].Exec(fmt.Sprintf("DROP TABLE %q CASCADE", table)).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := dbs[0].Exec("DELETE FROM goose_db_version WHERE version_id > 0").Error; err != nil {
		t.Fatal(err)
	}
	migrateAll("pending migrations")
	if got := len(tables(t, dbs[0])); got < 14 {
		t.Errorf("%d tables after migrating, want the 13 of Crumb and goose's", got)
	}
}

// TestMigrationsMatchAcrossDialects: every migration exists for both
// databases, numbered from 1 without gaps, with an Up section.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	t.Parallel()
	sqlite, postgres := migrationFiles(t, "sqlite"), migrationFiles(t, "postgres")
	if !slices.Equal(sqlite, postgres) {
		t.Errorf("migrations differ between dialects:\n sqlite   %q\n postgres %q", sqlite, postgres)
	}
	for _, dir := range []string{"sqlite", "postgres"} {
		for i, name := range migrationFiles(t, dir) {
			m := migrationName.FindStringSubmatch(name)
			if m == nil {
				t.Errorf("migrations/%s/%s is not named NNNNN_words.sql", dir, name)
				continue
			}
			if v, _ := strconv.Atoi(m[1]); v != i+1 {
				t.Errorf("migrations/%s/%s: number %d, want %d (numbered from 1 without gaps)", dir, name, v, i+1)
			}
			body, err := os.ReadFile(filepath.Join("migrations", dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(body), "-- +goose Up") {
				t.Errorf("migrations/%s/%s has no -- +goose Up section", dir, name)
			}
		}
	}
}
