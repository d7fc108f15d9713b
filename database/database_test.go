package database_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/database"
	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
)

func openSQLite(t *testing.T) *gorm.DB {
	t.Helper()
	db, err := database.Open("", filepath.Join(t.TempDir(), "crumb.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

func migrateAndSeed(t *testing.T, db *gorm.DB, currency string, times int) {
	t.Helper()
	for i := range times {
		if err := database.Migrate(db); err != nil {
			t.Fatalf("Migrate (run %d): %v", i+1, err)
		}
		catalog, err := storage.NewCatalog(context.Background(), db, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if err := database.Seed(context.Background(), catalog, currency); err != nil {
			t.Fatalf("Seed (run %d): %v", i+1, err)
		}
	}
}

// checkCatalog asserts the seeded demo catalog is whole and sane.
func checkCatalog(t *testing.T, db *gorm.DB, currency string) {
	t.Helper()
	var products []models.Product
	if err := db.Order("id").Find(&products).Error; err != nil {
		t.Fatal(err)
	}
	var categories []models.Category
	if err := db.Order("position").Find(&categories).Error; err != nil {
		t.Fatal(err)
	}
	if len(products) != 36 || len(categories) != 6 {
		t.Fatalf("catalog has %d products in %d categories, want 36 in 6", len(products), len(categories))
	}
	categoryIDs := map[uint]bool{}
	perCategory := map[uint]int{}
	for i, c := range categories {
		categoryIDs[c.ID] = true
		if c.Slug == "" || c.Name == "" || c.NameKo == "" || c.Position != i {
			t.Errorf("category %+v: want a slug, a name and position %d", c, i)
		}
	}
	slugs := map[string]bool{}
	featured := 0
	for _, p := range products {
		if slugs[p.Slug] {
			t.Errorf("duplicate product slug %q", p.Slug)
		}
		slugs[p.Slug] = true
		if p.PriceAmount <= 0 {
			t.Errorf("%s: price %d, want positive", p.Slug, p.PriceAmount)
		}
		if p.Stock < 0 {
			t.Errorf("%s: stock %d", p.Slug, p.Stock)
		}
		if !categoryIDs[p.CategoryID] {
			t.Errorf("%s: category %d does not exist", p.Slug, p.CategoryID)
		}
		perCategory[p.CategoryID]++
		if p.Currency != currency {
			t.Errorf("%s: currency %q, want %q", p.Slug, p.Currency, currency)
		}
		if p.Image != "img/products/"+p.Slug+".svg" {
			t.Errorf("%s: image %q, want img/products/%s.svg", p.Slug, p.Image, p.Slug)
		}
		if p.Name == "" || p.Description == "" || p.NameKo == "" || p.DescriptionKo == "" || !p.Published {
			t.Errorf("%s: name %q (%q), description %q (%q), published %v", p.Slug, p.Name, p.NameKo, p.Description, p.DescriptionKo, p.Published)
		}
		if p.Featured {
			featured++
		}
	}
	if featured == 0 {
		t.Error("no featured product: the home page would have nothing to show")
	}
	for id, n := range perCategory {
		if n == 0 {
			t.Errorf("category %d is empty", id)
		}
	}
}

func TestMigrateAndSeedSQLite(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	migrateAndSeed(t, db, "EUR", 2)
	checkCatalog(t, db, "EUR")

	// A shopper's change (stock sold, price changed) survives a reseed.
	if err := db.Model(&models.Product{}).Where("slug = ?", "baguette").Updates(map[string]any{"stock": 3, "price_amount": 999}).Error; err != nil {
		t.Fatal(err)
	}
	migrateAndSeed(t, db, "EUR", 1)
	var p models.Product
	if err := db.Where("slug = ?", "baguette").Take(&p).Error; err != nil {
		t.Fatal(err)
	}
	if p.Stock != 3 || p.PriceAmount != 999 {
		t.Errorf("reseeding reset baguette to stock %d, price %d", p.Stock, p.PriceAmount)
	}
}

func TestSeedDemoAccount(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	migrateAndSeed(t, db, "USD", 1)
	cheap := models.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	for i := range 2 {
		if err := database.SeedDemoAccount(context.Background(), storage.NewUsers(db, cheap)); err != nil {
			t.Fatalf("SeedDemoAccount (run %d): %v", i+1, err)
		}
	}
	var users []models.User
	if err := db.Where("email = ?", database.DemoEmail).Find(&users).Error; err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 {
		t.Fatalf("%d demo accounts after seeding twice, want 1", len(users))
	}
	if !models.PasswordMatches(users[0].PasswordHash, database.DemoPassword) {
		t.Error("the demo account does not accept the documented password")
	}
	if !users[0].EmailVerified() {
		t.Error("the demo account's email is not verified: it could not order")
	}
	if err := database.SeedOwnerAccount(context.Background(), storage.NewUsers(db, cheap)); err != nil {
		t.Fatal(err)
	}
	var owner models.User
	if err := db.Where("email = ?", database.OwnerEmail).Take(&owner).Error; err != nil || !owner.EmailVerified() || !owner.IsAdmin() {
		t.Errorf("the owner account = %+v, %v; want an admin with its email verified", owner, err)
	}
}

func TestOpenCreatesTheFolder(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data", "nested", "crumb.db")
	db, err := database.Open("", path)
	if err != nil {
		t.Fatalf("Open in a missing folder: %v", err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	if err := database.Migrate(db); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not created: %v", err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "crumb.db")
	db, err := database.Open("", path)
	if err != nil {
		t.Fatal(err)
	}
	migrateAndSeed(t, db, "USD", 1)
	if err := database.Close(db); err != nil {
		t.Fatal(err)
	}
	db, err = database.Open("", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	migrateAndSeed(t, db, "USD", 1)
	checkCatalog(t, db, "USD")
}

func TestSQLitePragmas(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	// Every connection in the pool must have them, not just the first.
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var conns []interface{ Close() error }
	for i := range 3 {
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		var journal string
		var foreignKeys, busy int
		if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&foreignKeys); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if journal != "wal" {
			t.Errorf("connection %d: journal_mode = %q, want wal", i, journal)
		}
		if foreignKeys != 1 {
			t.Errorf("connection %d: foreign_keys = %d, want 1", i, foreignKeys)
		}
		if busy <= 0 {
			t.Errorf("connection %d: busy_timeout = %d, want > 0", i, busy)
		}
	}
	for _, c := range conns {
		_ = c.Close()
	}
}

func TestForeignKeysAreEnforced(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	migrateAndSeed(t, db, "USD", 1)
	cart := storage.StoredCart{}
	if err := db.Create(&cart).Error; err != nil {
		t.Fatal(err)
	}
	err := db.Create(&storage.CartItem{CartID: cart.ID, ProductID: 999999, Quantity: 1}).Error
	if err == nil {
		t.Error("a cart item for a product that does not exist was stored")
	}
}

// TestConcurrentReadThenWrite runs transactions that read a product's
// stock and then write it back lowered, from several goroutines at once,
// all reading before any writes where the database allows it. With
// transactions that only take the write lock at their first write, one of
// them fails at once with "database is locked"; Crumb's take it when they
// begin, so they queue instead, and no sale is lost.
func TestConcurrentReadThenWrite(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	migrateAndSeed(t, db, "USD", 1)
	var before models.Product
	if err := db.Where("slug = ?", "baguette").Take(&before).Error; err != nil {
		t.Fatal(err)
	}

	const workers = 4
	var (
		wg      sync.WaitGroup
		readers sync.WaitGroup
		errs    = make(chan error, workers)
	)
	allRead := make(chan struct{})
	readers.Add(workers)
	go func() { readers.Wait(); close(allRead) }()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			read := false
			errs <- db.Transaction(func(tx *gorm.DB) error {
				var p models.Product
				if err := tx.Where("id = ?", before.ID).Take(&p).Error; err != nil {
					return err
				}
				if !read {
					read = true
					readers.Done()
				}
				// Give the others the chance to read too, if they can.
				select {
				case <-allRead:
				case <-time.After(100 * time.Millisecond):
				}
				return tx.Model(&models.Product{}).Where("id = ?", p.ID).Update("stock", p.Stock-1).Error
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent read-then-write: %v", err)
		}
	}
	var after models.Product
	if err := db.Where("id = ?", before.ID).Take(&after).Error; err != nil {
		t.Fatal(err)
	}
	if after.Stock != before.Stock-workers {
		t.Errorf("stock went from %d to %d after %d sales: a sale was lost", before.Stock, after.Stock, workers)
	}
}

func TestOpenFailsClearly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The folder for the database cannot be created under a file.
	if db, err := database.Open("", filepath.Join(blocker, "crumb.db")); err == nil {
		_ = database.Close(db)
		t.Fatal("Open succeeded where no folder can be made")
	} else if !strings.Contains(err.Error(), "open database") {
		t.Errorf("error %q does not say it was opening the database", err)
	}
}

// TestPostgres runs the same migrations and seed against a real Postgres
// in a schema of its own (see testkit.PostgresURL).
func TestPostgres(t *testing.T) {
	t.Parallel()
	db, err := database.Open(testkit.PostgresURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	migrateAndSeed(t, db, "KRW", 2)
	checkCatalog(t, db, "KRW")
}

// TestSQLitePathWithURLCharacters: a data folder whose name holds "?",
// "#" or "%" keeps the database where it says.
func TestSQLitePathWithURLCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shop #1?%20")
	path := filepath.Join(dir, "crumb.db")
	db, err := database.Open("", path)
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(db)
	if err := db.Exec("CREATE TABLE probe (id integer)").Error; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not at %s: %v", path, err)
	}
}

// TestPostgresKeepsATransactionsStatementsPrepared: a statement run inside
// one transaction is parsed once and still prepared in the next, as
// outside a transaction. (A statement prepared for each transaction and
// dropped at its end made every order parse and plan its statements anew.)
func TestPostgresKeepsATransactionsStatementsPrepared(t *testing.T) {
	t.Parallel()
	db := openPostgresSchema(t)
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1) // every transaction on the one connection
	const query = "SELECT count(*) FROM pg_class WHERE relname = ?"
	prepared := func(tx *gorm.DB) int {
		var n int
		if err := tx.Raw("SELECT count(*) FROM pg_prepared_statements WHERE statement = ?",
			"SELECT count(*) FROM pg_class WHERE relname = $1").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := range 3 {
		err := db.Transaction(func(tx *gorm.DB) error {
			if i > 0 {
				if n := prepared(tx); n != 1 {
					t.Errorf("transaction %d: the statement of the one before is prepared %d times, want 1", i+1, n)
				}
			}
			var n int
			return tx.Raw(query, "pg_class").Scan(&n).Error
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
