package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"crumb/models"
)

// CheckProduct checks a product form; errs maps each bad field to what to
// tell the admin. Prices are decimals in the currency's units (see
// models.PriceExample).
// The names and slug are one line each (see CheckText), the descriptions
// may hold line breaks; the Korean ones may be left empty.
func (c *Catalog) CheckProduct(f models.ProductForm, currency string) (models.ProductChange, map[string]models.Message) {
	errs := map[string]models.Message{}
	p := models.ProductChange{CategoryID: f.CategoryID, Published: f.Published}
	text := func(field, raw string, max int, lines bool) string {
		t, err := models.CheckText(field, raw, max, lines)
		var ie *models.InputError
		if errors.As(err, &ie) {
			errs[field] = ie.Message
		}
		return t
	}
	p.Name = text("name", f.Name, models.MaxProductNameLength, false)
	p.NameKo = text("name_ko", f.NameKo, models.MaxProductNameLength, false)
	p.Slug = text("slug", f.Slug, models.MaxSlugLength, false)
	p.Description = text("description", f.Description, models.MaxDescriptionLength, true)
	p.DescriptionKo = text("description_ko", f.DescriptionKo, models.MaxDescriptionLength, true)
	if _, bad := errs["name"]; !bad && p.Name == "" {
		errs["name"] = models.Message{Code: models.CodeProductName, Args: []any{models.MaxProductNameLength}}
	}
	if _, bad := errs["slug"]; !bad && !models.ValidSlug(p.Slug) {
		errs["slug"] = models.Message{Code: models.CodeProductSlug}
	}
	if _, err := c.categoryByID(f.CategoryID); err != nil {
		errs["category"] = models.Message{Code: models.CodeProductCategory}
	}
	price, err := models.ParsePrice(f.Price, currency)
	if err != nil {
		errs["price"] = models.Message{Code: models.CodeProductPrice, Args: []any{models.PriceExample(currency), models.Money{Amount: models.MaxPrice, Currency: currency}}}
	}
	p.PriceAmount = price
	stock, err := strconv.Atoi(strings.TrimSpace(f.Stock))
	if err != nil || stock < 0 || stock > 100_000 {
		errs["stock"] = models.Message{Code: models.CodeProductStock, Args: []any{100_000}}
	}
	p.Stock = stock
	return p, errs
}

// Create adds a product (its stock as given) and refreshes the snapshot.
func (c *Catalog) Create(ctx context.Context, p models.ProductChange, currency string) (models.Product, error) {
	row := models.Product{Name: p.Name, NameKo: p.NameKo, Slug: p.Slug, Description: p.Description, DescriptionKo: p.DescriptionKo, CategoryID: p.CategoryID,
		PriceAmount: p.PriceAmount, Currency: currency, Stock: p.Stock, Published: p.Published, Image: p.Image}
	err := Conn(ctx, c.db).Omit("Category").Create(&row).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return models.Product{}, models.ErrSlugTaken
	}
	if err != nil {
		return models.Product{}, fmt.Errorf("create product: %w", err)
	}
	c.Changed(ctx)
	return row, nil
}

// Update saves a product's fields. A stock other than stockWas (what the
// form showed) is written only if the stock is still stockWas: a checkout
// that took stock meanwhile is never overwritten; that is ErrStockChanged,
// and nothing is saved. It
// returns the product before and after, and refreshes the snapshot.
func (c *Catalog) Update(ctx context.Context, id uint, p models.ProductChange, stockWas int) (before, after models.Product, err error) {
	err = Conn(ctx, c.db).Transaction(func(tx *gorm.DB) error {
		if err := tx.Take(&before, id).Error; err != nil {
			return notFound(err)
		}
		fields := map[string]any{
			"name": p.Name, "name_ko": p.NameKo, "slug": p.Slug, "description": p.Description, "description_ko": p.DescriptionKo, "category_id": p.CategoryID,
			"price_amount": p.PriceAmount, "published": p.Published,
		}
		if p.Image != "" {
			fields["image"] = p.Image
		}
		q := tx.Model(&models.Product{}).Where("id = ?", id)
		if p.Stock != stockWas { // the admin set the stock: only over what the form showed
			fields["stock"] = p.Stock
			q = q.Where("stock = ?", stockWas)
		}
		res := q.Updates(fields)
		if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
			return models.ErrSlugTaken
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrStockChanged
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
		res := tx.Model(&models.Product{}).Where("id = ? AND stock + ? >= 0", id, delta).Update("stock", gorm.Expr("stock + ?", delta))
		if res.Error != nil {
			return res.Error
		}
		var p models.Product
		if err := tx.Select("stock").Take(&p, id).Error; err != nil {
			return notFound(err)
		}
		if res.RowsAffected == 0 {
			return models.ErrStockChanged
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
func (c *Catalog) Product(ctx context.Context, id uint) (models.Product, error) {
	var p models.Product
	if err := Conn(ctx, c.db).Joins("Category").Take(&p, id).Error; err != nil {
		return models.Product{}, fmt.Errorf("product: %w", notFound(err))
	}
	return p, nil
}

// Products lists products for the back office from the database,
// published or not, 25 to a page by name; the page is clamped. A search
// looks in the English and Korean names and the slug.
func (c *Catalog) Products(ctx context.Context, q models.AdminQuery) (models.ProductPage, error) {
	const per = 25
	query := Conn(ctx, c.db).Model(&models.Product{})
	if words := strings.Fields(strings.ToLower(models.CleanQuery(q.Q))); len(words) > 0 {
		for _, w := range words {
			like := "%" + escapeLike(w) + "%"
			query = query.Where("(LOWER(products.name) LIKE ? ESCAPE '\\' OR LOWER(products.name_ko) LIKE ? ESCAPE '\\' OR products.slug LIKE ? ESCAPE '\\')", like, like, like)
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
		return models.ProductPage{}, fmt.Errorf("products: %w", err)
	}
	pages := max(int((total+per-1)/per), 1)
	page := min(max(q.Page, 1), pages)
	var items []models.Product
	if err := query.Joins("Category").Order("products.name, products.id").Offset((page - 1) * per).Limit(per).Find(&items).Error; err != nil {
		return models.ProductPage{}, fmt.Errorf("products: %w", err)
	}
	return models.ProductPage{Items: items, Page: page, PerPage: per, Total: int(total), Pages: pages}, nil
}

// LowStock lists the published products with fewer than below left,
// fewest first.
func (c *Catalog) LowStock(ctx context.Context, below int) ([]models.Product, error) {
	var out []models.Product
	if err := Conn(ctx, c.db).Where("published = ? AND stock < ?", true, below).Order("stock, name").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("low stock: %w", err)
	}
	return out, nil
}

func (c *Catalog) categoryByID(id uint) (models.Category, error) {
	for _, cat := range c.Categories() {
		if cat.ID == id {
			return cat, nil
		}
	}
	return models.Category{}, models.ErrNotFound
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ErrNotFound
	}
	return err
}
