package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Errors of editing the catalog.
var (
	// ErrSlugTaken: another product has the slug.
	ErrSlugTaken = errors.New("models: slug taken")
	// ErrStockChanged: the stock moved (a checkout) since the form showed it.
	ErrStockChanged = errors.New("models: stock changed meanwhile")
)

// MaxPrice is the highest price, in minor units, a product may have.
const MaxPrice = 100_000_00

// ProductForm is a product as the back office edits it: the text typed,
// before it is checked.
type ProductForm struct {
	Name, Slug, Description, Price, Stock string
	CategoryID                            uint
	Published                             bool
}

// ProductChange is a checked ProductForm, ready to save.
type ProductChange struct {
	Name, Slug, Description string
	CategoryID              uint
	PriceAmount             int64
	Stock                   int
	Published               bool
	Image                   string // the image's asset name; "" keeps the current one
}

// CheckProduct checks a product form; errs maps each bad field to what to
// tell the admin. Prices are decimals in the currency's units ("4.50").
// The name and slug are one line each (see CheckText), the description
// may hold line breaks.
func (c *Catalog) CheckProduct(f ProductForm, currency string) (ProductChange, map[string]Message) {
	errs := map[string]Message{}
	p := ProductChange{CategoryID: f.CategoryID, Published: f.Published}
	text := func(field, raw string, max int, lines bool) string {
		t, err := CheckText(field, raw, max, lines)
		var ie *InputError
		if errors.As(err, &ie) {
			errs[field] = ie.Message
		}
		return t
	}
	p.Name = text("name", f.Name, MaxProductNameLength, false)
	p.Slug = text("slug", f.Slug, MaxSlugLength, false)
	p.Description = text("description", f.Description, MaxDescriptionLength, true)
	if _, bad := errs["name"]; !bad && p.Name == "" {
		errs["name"] = Message{Code: CodeProductName, Args: []any{MaxProductNameLength}}
	}
	if _, bad := errs["slug"]; !bad && !validSlug(p.Slug) {
		errs["slug"] = Message{Code: CodeProductSlug}
	}
	if _, err := c.categoryByID(f.CategoryID); err != nil {
		errs["category"] = Message{Code: CodeProductCategory}
	}
	price, err := ParsePrice(f.Price, currency)
	if err != nil {
		errs["price"] = Message{Code: CodeProductPrice, Args: []any{Money{Amount: MaxPrice, Currency: currency}.String()}}
	}
	p.PriceAmount = price
	stock, err := strconv.Atoi(strings.TrimSpace(f.Stock))
	if err != nil || stock < 0 || stock > 100_000 {
		errs["stock"] = Message{Code: CodeProductStock, Args: []any{100_000}}
	}
	p.Stock = stock
	return p, errs
}

// ParsePrice reads a price typed in the currency's units ("4.50", "4.5",
// "4", "4,500" for KRW) into minor units; at most MaxPrice.
func ParsePrice(s, currency string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	whole, frac, hasFrac := strings.Cut(s, ".")
	decimals := 2
	if zeroDecimal[currency] {
		decimals = 0
	}
	bad := errors.New("models: not a price")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || len(whole) > 9 ||
		(hasFrac && (decimals == 0 || frac == "" || len(frac) > decimals || strings.Trim(frac, "0123456789") != "")) {
		return 0, bad
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	for range decimals {
		n *= 10
	}
	if hasFrac {
		f, _ := strconv.ParseInt(frac+strings.Repeat("0", decimals-len(frac)), 10, 64)
		n += f
	}
	if n <= 0 || n > MaxPrice {
		return 0, bad
	}
	return n, nil
}

// FormatPrice writes minor units as ParsePrice reads them.
func FormatPrice(amount int64, currency string) string {
	if zeroDecimal[currency] {
		return strconv.FormatInt(amount, 10)
	}
	return fmt.Sprintf("%d.%02d", amount/100, amount%100)
}

func validSlug(s string) bool {
	if s == "" || len(s) > MaxSlugLength || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

// Create adds a product (its stock as given) and refreshes the snapshot.
func (c *Catalog) Create(ctx context.Context, p ProductChange, currency string) (Product, error) {
	row := Product{Name: p.Name, Slug: p.Slug, Description: p.Description, CategoryID: p.CategoryID,
		PriceAmount: p.PriceAmount, Currency: currency, Stock: p.Stock, Published: p.Published, Image: p.Image}
	err := Conn(ctx, c.db).Omit("Category").Create(&row).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return Product{}, ErrSlugTaken
	}
	if err != nil {
		return Product{}, fmt.Errorf("create product: %w", err)
	}
	c.Changed(ctx)
	return row, nil
}

// Update saves a product's fields. A stock other than stockWas (what the
// form showed) is written only if the stock is still stockWas: a checkout
// that took stock meanwhile is never overwritten; that is ErrStockChanged,
// and nothing is saved. It
// returns the product before and after, and refreshes the snapshot.
func (c *Catalog) Update(ctx context.Context, id uint, p ProductChange, stockWas int) (before, after Product, err error) {
	err = Conn(ctx, c.db).Transaction(func(tx *gorm.DB) error {
		if err := tx.Take(&before, id).Error; err != nil {
			return notFound(err)
		}
		fields := map[string]any{
			"name": p.Name, "slug": p.Slug, "description": p.Description, "category_id": p.CategoryID,
			"price_amount": p.PriceAmount, "published": p.Published,
		}
		if p.Image != "" {
			fields["image"] = p.Image
		}
		q := tx.Model(&Product{}).Where("id = ?", id)
		if p.Stock != stockWas { // the admin set the stock: only over what the form showed
			fields["stock"] = p.Stock
			q = q.Where("stock = ?", stockWas)
		}
		res := q.Updates(fields)
		if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
			return ErrSlugTaken
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStockChanged
		}
		return tx.Take(&after, id).Error
	})
	if err != nil {
		return before, after, fmt.Errorf("update product: %w", err)
	}
	c.Changed(ctx)
	return before, after, nil
}

// AdjustStock adds delta (negative to take away) to a product's stock in one
// conditional update, so concurrent checkouts are never overwritten and
// stock never goes below zero (then it is ErrStockChanged). It returns the
// stock before and after.
func (c *Catalog) AdjustStock(ctx context.Context, id uint, delta int) (before, after int, err error) {
	err = Conn(ctx, c.db).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Product{}).Where("id = ? AND stock + ? >= 0", id, delta).Update("stock", gorm.Expr("stock + ?", delta))
		if res.Error != nil {
			return res.Error
		}
		var p Product
		if err := tx.Select("stock").Take(&p, id).Error; err != nil {
			return notFound(err)
		}
		if res.RowsAffected == 0 {
			return ErrStockChanged
		}
		after, before = p.Stock, p.Stock-delta
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("adjust stock: %w", err)
	}
	c.Changed(ctx)
	return before, after, nil
}

// Product reads a product from the database, published or not.
func (c *Catalog) Product(ctx context.Context, id uint) (Product, error) {
	var p Product
	if err := Conn(ctx, c.db).Joins("Category").Take(&p, id).Error; err != nil {
		return Product{}, fmt.Errorf("product: %w", notFound(err))
	}
	return p, nil
}

// AdminQuery selects products for the back office.
type AdminQuery struct {
	Q          string
	CategoryID uint
	SoldOut    bool // only products with no stock
	Page       int
}

// Products lists products for the back office from the database,
// published or not, 25 to a page by name; the page is clamped.
func (c *Catalog) Products(ctx context.Context, q AdminQuery) (ProductPage, error) {
	const per = 25
	query := Conn(ctx, c.db).Model(&Product{})
	if words := strings.Fields(strings.ToLower(CleanQuery(q.Q))); len(words) > 0 {
		for _, w := range words {
			like := "%" + escapeLike(w) + "%"
			query = query.Where("(LOWER(products.name) LIKE ? ESCAPE '\\' OR products.slug LIKE ? ESCAPE '\\')", like, like)
		}
	}
	if q.CategoryID != 0 {
		query = query.Where("products.category_id = ?", q.CategoryID)
	}
	if q.SoldOut {
		query = query.Where("products.stock = 0")
	}
	var total int64
	if err := query.Count(&total).Error; err != nil {
		return ProductPage{}, fmt.Errorf("products: %w", err)
	}
	pages := max(int((total+per-1)/per), 1)
	page := min(max(q.Page, 1), pages)
	var items []Product
	if err := query.Joins("Category").Order("products.name, products.id").Offset((page - 1) * per).Limit(per).Find(&items).Error; err != nil {
		return ProductPage{}, fmt.Errorf("products: %w", err)
	}
	return ProductPage{Items: items, Page: page, PerPage: per, Total: int(total), Pages: pages}, nil
}

// LowStock lists the published products with fewer than below left,
// fewest first.
func (c *Catalog) LowStock(ctx context.Context, below int) ([]Product, error) {
	var out []Product
	if err := Conn(ctx, c.db).Where("published = ? AND stock < ?", true, below).Order("stock, name").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("low stock: %w", err)
	}
	return out, nil
}

func (c *Catalog) categoryByID(id uint) (Category, error) {
	for _, cat := range c.Categories() {
		if cat.ID == id {
			return cat, nil
		}
	}
	return Category{}, ErrNotFound
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
