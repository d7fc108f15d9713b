package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"crumb/handlers/visitor"
	"crumb/handlers/web"
	"crumb/models"
)

type productsPage struct {
	Page
	Query      models.AdminQuery
	Category   string
	Categories []models.Category
	Result     models.ProductPage
	web.Pager
}

// Products lists the products, published or not: search by name (in
// either language) or slug (q), filter by category and to those sold out.
// Names are shown in the admin's language.
func (s *Server) Products(c *fiber.Ctx) error {
	v := visitor.From(c)
	q := models.AdminQuery{Q: models.CleanQuery(c.Query("q")), SoldOut: c.Query("sold_out") != "", Page: pageNumber(c.Query("page"))}
	slug := c.Query("category")
	if slug != "" {
		cat, err := s.Catalog.Category(slug)
		if err != nil {
			slug = "" // an unknown category filters nothing
		} else {
			q.CategoryID = cat.ID
		}
	}
	result, err := s.Catalog.Products(c.UserContext(), q)
	if err != nil {
		return err
	}
	result.Items = models.InAll(result.Items, v.Lang)
	filter := url.Values{"q": {q.Q}, "category": {slug}}
	if q.SoldOut {
		filter.Set("sold_out", "1")
	}
	p := &productsPage{Page: s.page(c, v.T("product_list.title"), "products"), Query: q, Category: slug,
		Categories: models.InAll(s.Catalog.Categories(), v.Lang), Result: result,
		Pager: web.NewPager("/admin/products", filter, result.Page, result.Pages)}
	return s.render(c, fiber.StatusOK, "admin/products", p)
}

// productForm is the product form as typed, kept to show again with what
// to fix.
type productForm struct {
	models.ProductForm
	Category string // the category's slug
	StockWas int    // the stock the form showed, so a checkout meanwhile is not overwritten
	Image    string // the picture's asset name: the current one, or one just uploaded
	Errors   map[string]string
}

type productPage struct {
	Page
	Product      models.Product // the product being edited, in the admin's language; zero for a new one
	Form         productForm
	Categories   []web.Option
	PriceExample string // a price as the form takes it in the shop's currency
	Notice       string
}

// NewProductForm shows an empty product form.
func (s *Server) NewProductForm(c *fiber.Ctx) error {
	form := productForm{ProductForm: models.ProductForm{Stock: "0", Published: true}}
	return s.renderProduct(c, fiber.StatusOK, models.Product{}, form, "")
}

// EditProductForm shows a product's form.
func (s *Server) EditProductForm(c *fiber.Ctx) error {
	p, err := s.product(c)
	if err != nil {
		return err
	}
	return s.renderProduct(c, fiber.StatusOK, p, s.formOf(p), c.Query("saved"))
}

func (s *Server) formOf(p models.Product) productForm {
	return productForm{
		ProductForm: models.ProductForm{
			Name: p.Name, NameKo: p.NameKo, Slug: p.Slug, Description: p.Description, DescriptionKo: p.DescriptionKo, CategoryID: p.CategoryID,
			Price: models.FormatPrice(p.PriceAmount, p.Currency), Stock: strconv.Itoa(p.Stock), Published: p.Published,
		},
		Category: p.Category.Slug, StockWas: p.Stock, Image: p.Image,
	}
}

func (s *Server) renderProduct(c *fiber.Ctx, status int, p models.Product, form productForm, notice string) error {
	v := visitor.From(c)
	p = p.In(v.Lang)
	title := v.T("product_form.new")
	if p.ID != 0 {
		title = p.Name
	}
	var options []web.Option
	for _, cat := range models.InAll(s.Catalog.Categories(), v.Lang) {
		options = append(options, web.Option{Value: cat.Slug, Label: cat.Name})
	}
	return s.render(c, status, "admin/product", &productPage{Page: s.page(c, title, "products"), Product: p,
		Form: form, Categories: options, PriceExample: models.PriceExample(s.Config.Currency), Notice: notice})
}

func (s *Server) product(c *fiber.Ctx) (models.Product, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return models.Product{}, err
	}
	return s.Catalog.Product(c.UserContext(), id)
}

// readProductForm reads the form and any picture sent with it, which is
// kept at once so that a form shown again with errors keeps it too.
func (s *Server) readProductForm(c *fiber.Ctx) (productForm, models.ProductChange, error) {
	form := productForm{
		ProductForm: models.ProductForm{
			Name: c.FormValue("name"), NameKo: c.FormValue("name_ko"), Slug: strings.ToLower(c.FormValue("slug")),
			Description: c.FormValue("description"), DescriptionKo: c.FormValue("description_ko"),
			Price: c.FormValue("price"), Stock: c.FormValue("stock"), Published: c.FormValue("published") != "",
		},
		Category: c.FormValue("category"),
		Image:    c.FormValue("image_name"),
		Errors:   map[string]string{},
	}
	form.StockWas, _ = strconv.Atoi(c.FormValue("stock_was"))
	if cat, err := s.Catalog.Category(form.Category); err == nil {
		form.CategoryID = cat.ID
	}
	change, errs := s.Catalog.CheckProduct(form.ProductForm, s.Config.Currency)
	for field, msg := range errs {
		form.Errors[field] = say(c, msg)
	}
	// The picture the form carries must be one the shop has: uploaded
	// here, or shipped with it.
	var ie *models.InputError
	if form.Image != "" {
		err := s.Images.CheckPicture(c.UserContext(), form.Image, s.Web.Assets)
		switch {
		case errors.As(err, &ie):
			form.Errors["image"], form.Image = say(c, ie.Message), ""
		case err != nil:
			return form, change, err
		}
	}
	name, err := s.upload(c)
	switch {
	case errors.As(err, &ie):
		form.Errors["image"] = say(c, ie.Message)
	case err != nil:
		return form, change, err
	case name != "":
		form.Image = name
	}
	change.Image = form.Image
	return form, change, nil
}

// upload keeps the picture sent as "image", if any, and returns its name.
func (s *Server) upload(c *fiber.Ctx) (string, error) {
	fh, err := c.FormFile("image")
	if errors.Is(err, fasthttp.ErrMissingFile) || errors.Is(err, fasthttp.ErrNoMultipartForm) || (err == nil && fh.Size == 0) {
		return "", nil
	}
	if err != nil {
		return "", models.Invalid("image", models.CodeImageType)
	}
	if fh.Size > models.MaxImageBytes {
		return "", models.Invalid("image", models.CodeImageSize, models.MaxImageBytes>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, models.MaxImageBytes+1))
	if err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	return s.Images.Put(c.UserContext(), data)
}

// CreateProduct adds a product from the form (a picture is required).
func (s *Server) CreateProduct(c *fiber.Ctx) error {
	form, change, err := s.readProductForm(c)
	if err != nil {
		return err
	}
	if form.Image == "" && form.Errors["image"] == "" {
		form.Errors["image"] = visitor.From(c).T("product_form.picture.missing")
	}
	if len(form.Errors) > 0 {
		return s.renderProduct(c, fiber.StatusUnprocessableEntity, models.Product{}, form, "")
	}
	var p models.Product
	err = s.audited(c, func(ctx context.Context) (models.AuditEntry, error) {
		var err error
		if p, err = s.Catalog.Create(ctx, change, s.Config.Currency); err != nil {
			return models.AuditEntry{}, err
		}
		return s.productEntry("product.create", models.Product{}, p), nil
	})
	if errors.Is(err, models.ErrSlugTaken) {
		form.Errors["slug"] = say(c, models.Message{Code: models.CodeProductSlugTaken})
		return s.renderProduct(c, fiber.StatusUnprocessableEntity, models.Product{}, form, "")
	}
	if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/products/%d?saved=1", p.ID), fiber.StatusSeeOther)
}

// UpdateProduct saves the product form. A stock typed over one that
// changed meanwhile (a checkout) is refused, showing the stock now.
func (s *Server) UpdateProduct(c *fiber.Ctx) error {
	current, err := s.product(c)
	if err != nil {
		return err
	}
	form, change, err := s.readProductForm(c)
	if err != nil {
		return err
	}
	if len(form.Errors) > 0 {
		return s.renderProduct(c, fiber.StatusUnprocessableEntity, current, form, "")
	}
	var after models.Product
	err = s.audited(c, func(ctx context.Context) (models.AuditEntry, error) {
		before, updated, err := s.Catalog.Update(ctx, current.ID, change, form.StockWas)
		if err != nil {
			return models.AuditEntry{}, err
		}
		after = updated
		return s.productEntry("product.update", before, after), nil
	})
	switch {
	case errors.Is(err, models.ErrSlugTaken):
		form.Errors["slug"] = say(c, models.Message{Code: models.CodeProductSlugTaken})
	case errors.Is(err, models.ErrStockChanged):
		latest, lerr := s.Catalog.Product(c.UserContext(), current.ID)
		if lerr != nil {
			return lerr
		}
		form.Errors["stock"] = say(c, models.Message{Code: models.CodeStockChanged})
		form.Stock, form.StockWas = strconv.Itoa(latest.Stock), latest.Stock
		current = latest
	case err != nil:
		return err
	}
	if len(form.Errors) > 0 {
		return s.renderProduct(c, fiber.StatusConflict, current, form, "")
	}
	return c.Redirect(fmt.Sprintf("/admin/products/%d?saved=1", after.ID), fiber.StatusSeeOther)
}

// AdjustStock adds to or takes from a product's stock ("+12" after a bake,
// "-3"), never overwriting what checkouts took meanwhile.
func (s *Server) AdjustStock(c *fiber.Ctx) error {
	p, err := s.product(c)
	if err != nil {
		return err
	}
	raw := strings.TrimSpace(c.FormValue("adjust"))
	delta, err := strconv.Atoi(strings.TrimPrefix(raw, "+"))
	if err != nil || delta == 0 || delta < -100_000 || delta > 100_000 {
		form := s.formOf(p)
		form.Errors = map[string]string{"adjust": visitor.From(c).T("product_form.adjust.invalid")}
		return s.renderProduct(c, fiber.StatusUnprocessableEntity, p, form, "")
	}
	err = s.audited(c, func(ctx context.Context) (models.AuditEntry, error) {
		before, after, err := s.Catalog.AdjustStock(ctx, p.ID, delta)
		if err != nil {
			return models.AuditEntry{}, err
		}
		return models.AuditEntry{Action: "product.stock", SubjectType: "product", SubjectID: strconv.FormatUint(uint64(p.ID), 10),
			SubjectName: p.Name, Before: fmt.Sprintf("stock %d", before), After: fmt.Sprintf("stock %d (%+d)", after, delta)}, nil
	})
	if errors.Is(err, models.ErrStockChanged) {
		form := s.formOf(p)
		form.Errors = map[string]string{"adjust": visitor.From(c).Tr("product_form.adjust.short", "Stock", p.Stock, "Wanted", -delta)}
		return s.renderProduct(c, fiber.StatusConflict, p, form, "")
	}
	if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/products/%d?saved=1", p.ID), fiber.StatusSeeOther)
}

// productEntry is the audit entry of a product's creation or edit: what
// changed, as it was and as it is.
func (s *Server) productEntry(action string, before, after models.Product) models.AuditEntry {
	was, now := s.Catalog.ProductChange(before, after)
	return models.AuditEntry{Action: action, SubjectType: "product", SubjectID: strconv.FormatUint(uint64(after.ID), 10),
		SubjectName: after.Name, Before: was, After: now}
}
