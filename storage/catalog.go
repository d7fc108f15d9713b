package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crumb/models"
	"crumb/secret"
)

// Catalog serves the read-mostly catalog from an in-memory snapshot of the
// published products, so browsing costs no query. The snapshot is reloaded
// after a change made here (Changed), which on Postgres also tells the other
// instances (see CatalogChannel), and periodically (Run) in case a message
// was missed. Stock shown from it is indicative; the cart and checkout read
// stock from the database.
type Catalog struct {
	db       *gorm.DB
	log      *slog.Logger
	sender   string     // signs this instance's announcements
	reload   sync.Mutex // one reload at a time, so a slower, older read never replaces a newer one
	snap     atomic.Pointer[catalogSnapshot]
	versions atomic.Uint64
}

type catalogSnapshot struct {
	version        uint64
	categories     []models.Category
	categoryBySlug map[string]int
	products       []models.Product // published, in shelf order
	search         []string         // lower-cased names and descriptions in every language, by index
	bySlug         map[string]int
	byID           map[uint]int
	featured       []int // indexes of the featured products
}

// NewCatalog loads the first snapshot.
func NewCatalog(ctx context.Context, db *gorm.DB, log *slog.Logger) (*Catalog, error) {
	c := &Catalog{db: db, log: log, sender: secret.Hex(8)}
	if err := c.Reload(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload replaces the snapshot with the database's current catalog.
func (c *Catalog) Reload(ctx context.Context) error {
	c.reload.Lock()
	defer c.reload.Unlock()
	var s catalogSnapshot
	db := Conn(ctx, c.db)
	if err := db.Order("position, name").Find(&s.categories).Error; err != nil {
		return fmt.Errorf("load categories: %w", err)
	}
	if err := db.Joins("Category").Where("products.published = ?", true).
		Order(`"Category".position, products.name`).Find(&s.products).Error; err != nil {
		return fmt.Errorf("load products: %w", err)
	}
	s.categoryBySlug = make(map[string]int, len(s.categories))
	for i, cat := range s.categories {
		s.categoryBySlug[cat.Slug] = i
	}
	s.bySlug = make(map[string]int, len(s.products))
	s.byID = make(map[uint]int, len(s.products))
	s.search = make([]string, len(s.products))
	for i, p := range s.products {
		s.bySlug[p.Slug] = i
		s.byID[p.ID] = i
		s.search[i] = strings.ToLower(strings.Join([]string{p.Name, p.NameKo, p.Description, p.DescriptionKo}, "\n"))
		if p.Featured {
			s.featured = append(s.featured, i)
		}
	}
	s.version = c.versions.Add(1)
	c.snap.Store(&s)
	return nil
}

// CatalogChannel is the Postgres NOTIFY channel on which an instance tells
// the others that the catalog changed. The payload is the schema, so shops
// (or tests) sharing a database in schemas of their own hear only theirs,
// a space and the announcing catalog's Sender, so that an instance does
// not reload what it has just refreshed itself (after every order).
const CatalogChannel = "crumb_catalog"

// Sender is the name this catalog signs its announcements with.
func (c *Catalog) Sender() string { return c.sender }

// Changed tells the other instances, on Postgres, that the catalog changed
// (from inside the transaction ctx carries, if any, so the announcement
// goes out with its commit) and reloads the snapshot once that has
// committed. Failures are logged, not returned. A failed reload is caught
// up by the next periodic one (Run); an announcement that fails inside a
// transaction fails that transaction too, so no change is saved that the
// other instances were not told of.
func (c *Catalog) Changed(ctx context.Context) {
	if err := c.announce(Conn(ctx, c.db)); err != nil {
		c.log.Error("telling other instances the catalog changed", "err", err)
	}
	_ = AfterCommit(ctx, func(ctx context.Context) error {
		if err := c.Reload(ctx); err != nil {
			c.log.Error("catalog reload after a change", "err", err)
		}
		return nil
	})
}

// StockChanged reads again, once the transaction ctx carries has
// committed, the stock of the products ids that orders took or gave back:
// only their stock, into a new snapshot that shares everything else with
// the current one. (Reloading the whole catalog after every order was a
// fifth of a checkout's cost.) The transaction itself tells the other
// instances (announce), so the announcement goes out with its commit.
func (c *Catalog) StockChanged(ctx context.Context, ids []uint) {
	_ = AfterCommit(ctx, func(ctx context.Context) error {
		if err := c.refreshStock(ctx, ids); err != nil {
			c.log.Error("catalog stock refresh after an order", "err", err)
		}
		return nil
	})
}

func (c *Catalog) refreshStock(ctx context.Context, ids []uint) error {
	c.reload.Lock()
	defer c.reload.Unlock()
	rows, err := Conn(ctx, c.db).Raw("SELECT id, stock FROM products WHERE id IN ?", ids).Rows()
	if err != nil {
		return fmt.Errorf("load stock: %w", err)
	}
	defer rows.Close()
	old := c.snap.Load()
	s := *old // the indexes do not change with stock: shared, read only
	s.products = slices.Clone(old.products)
	for rows.Next() {
		var id uint
		var stock int
		if err := rows.Scan(&id, &stock); err != nil {
			return fmt.Errorf("load stock: %w", err)
		}
		if i, ok := s.byID[id]; ok {
			s.products[i].Stock = stock
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load stock: %w", err)
	}
	s.version = c.versions.Add(1)
	c.snap.Store(&s)
	return nil
}

// announcement is the call that tells the other instances; its arguments
// are CatalogChannel and the catalog's Sender. Inside a transaction
// Postgres sends it when the transaction commits, and never if it rolls
// back.
const announcement = "pg_notify(?, current_schema() || ' ' || ?)"

// announce tells the other instances, on Postgres, that db (a transaction
// or the pool) changed the catalog: as the transaction commits, or at once.
// On SQLite this instance is the only one.
func (c *Catalog) announce(db *gorm.DB) error {
	if db.Dialector.Name() != "postgres" {
		return nil
	}
	if err := db.Exec("SELECT "+announcement, CatalogChannel, c.sender).Error; err != nil {
		return fmt.Errorf("announce the change: %w", err)
	}
	return nil
}

// Version changes every time the snapshot is reloaded, so what is derived
// from it (such as rendered product cards) knows when to start again.
func (c *Catalog) Version() uint64 { return c.snap.Load().version }

// Run reloads the snapshot every interval until ctx ends.
func (c *Catalog) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Reload(ctx); err != nil && ctx.Err() == nil {
				c.log.Error("catalog reload failed", "err", err)
			}
		}
	}
}

// Categories lists every category in shelf order.
func (c *Catalog) Categories() []models.Category { return c.snap.Load().categories }

// Category finds a category by slug.
func (c *Catalog) Category(slug string) (models.Category, error) {
	s := c.snap.Load()
	i, ok := s.categoryBySlug[slug]
	if !ok {
		return models.Category{}, models.ErrNotFound
	}
	return s.categories[i], nil
}

// Featured lists the featured products.
func (c *Catalog) Featured() []models.Product {
	s := c.snap.Load()
	out := make([]models.Product, len(s.featured))
	for i, at := range s.featured {
		out[i] = s.products[at]
	}
	return out
}

// Offer is the featured product whose turn it is on day n (today's offer):
// they take turns. There is none when nothing is featured.
func (c *Catalog) Offer(n int) (models.Product, bool) {
	s := c.snap.Load()
	if len(s.featured) == 0 {
		return models.Product{}, false
	}
	return s.products[s.featured[n%len(s.featured)]], true
}

// ProductBySlug finds a published product by slug.
func (c *Catalog) ProductBySlug(slug string) (models.Product, error) {
	s := c.snap.Load()
	i, ok := s.bySlug[slug]
	if !ok {
		return models.Product{}, models.ErrNotFound
	}
	return s.products[i], nil
}

// ProductByID finds a published product by id.
func (c *Catalog) ProductByID(id uint) (models.Product, error) {
	s := c.snap.Load()
	i, ok := s.byID[id]
	if !ok {
		return models.Product{}, models.ErrNotFound
	}
	return s.products[i], nil
}

// Search returns one page of the published products whose names and
// descriptions contain every word of q (case-insensitively), optionally
// in one category. It looks in Korean and English alike, whichever the
// shopper reads: 크루아상 and croissant find the same croissants. The page
// number is clamped to the pages that exist.
func (c *Catalog) Search(q models.ProductQuery) models.ProductPage {
	s := c.snap.Load()
	words := strings.Fields(strings.ToLower(q.Q))
	var matches []models.Product
	for i, p := range s.products {
		if q.CategoryID != 0 && p.CategoryID != q.CategoryID {
			continue
		}
		if containsAll(s.search[i], words) {
			matches = append(matches, p)
		}
	}
	per := max(q.PerPage, 1)
	pages := max((len(matches)+per-1)/per, 1)
	page := min(max(q.Page, 1), pages)
	start := min((page-1)*per, len(matches))
	end := min(start+per, len(matches))
	return models.ProductPage{Items: matches[start:end], Page: page, PerPage: per, Total: len(matches), Pages: pages}
}

func containsAll(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// AddMissing adds the shelves' categories and products whose slugs do not
// exist yet, in one transaction, so running it again changes nothing; then
// the snapshot is reloaded.
func (c *Catalog) AddMissing(ctx context.Context, shelves []models.Shelf) error {
	err := Conn(ctx, c.db).Transaction(func(tx *gorm.DB) error {
		for _, shelf := range shelves {
			cat := shelf.Category
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&cat).Error; err != nil {
				return fmt.Errorf("category %s: %w", cat.Slug, err)
			}
			if err := tx.Where("slug = ?", cat.Slug).Take(&cat).Error; err != nil {
				return fmt.Errorf("category %s: %w", cat.Slug, err)
			}
			for _, p := range shelf.Products {
				p.CategoryID = cat.ID
				if err := tx.Omit("Category").Clauses(clause.OnConflict{DoNothing: true}).Create(&p).Error; err != nil {
					return fmt.Errorf("product %s: %w", p.Slug, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add to catalog: %w", err)
	}
	return c.Reload(ctx)
}

// ForSale reads a published product from the database (not the snapshot),
// so that a stock check sees the truth.
func (c *Catalog) ForSale(ctx context.Context, id uint) (models.Product, error) {
	var p models.Product
	err := Conn(ctx, c.db).Where("id = ? AND published = ?", id, true).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Product{}, models.Invalid("product_id", models.CodeProductGone)
	}
	if err != nil {
		return models.Product{}, fmt.Errorf("product for sale: %w", err)
	}
	return p, nil
}

// ByIDs reads the products with ids as the database has them now,
// published or not (merging a guest's cart at sign-in).
func (c *Catalog) ByIDs(ctx context.Context, ids []uint) (map[uint]models.Product, error) {
	var list []models.Product
	if err := Conn(ctx, c.db).Where("id IN ?", ids).Find(&list).Error; err != nil {
		return nil, err
	}
	byID := make(map[uint]models.Product, len(list))
	for _, p := range list {
		byID[p.ID] = p
	}
	return byID, nil
}

// takeStock takes qty of product id off the shelf if that many are left
// (a conditional update: concurrent checkouts never oversell).
func (c *Catalog) takeStock(tx *gorm.DB, id uint, qty int) (bool, error) {
	res := tx.Model(&models.Product{}).Where("id = ? AND stock >= ?", id, qty).Update("stock", gorm.Expr("stock - ?", qty))
	return res.RowsAffected == 1, res.Error
}

// returnStock puts qty of product id back on the shelf.
func (c *Catalog) returnStock(tx *gorm.DB, id uint, qty int) error {
	return tx.Model(&models.Product{}).Where("id = ?", id).Update("stock", gorm.Expr("stock + ?", qty)).Error
}
