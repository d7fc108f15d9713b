package database

import (
	"context"
	"fmt"

	"crumb/models"
	"crumb/storage"
)

type seedCategory struct {
	slug, name, description string
	products                []seedProduct
}

type seedProduct struct {
	slug, name, description string
	price                   int64
	stock                   int
	featured                bool
}

// demoCatalog is the bakery's shelf in development and in tests.
var demoCatalog = []seedCategory{
	{"bread", "Bread", "Slow-fermented loaves baked every morning.", []seedProduct{
		{"sourdough-loaf", "Sourdough Loaf", "A tangy country loaf with a blistered crust and an open, chewy crumb, fermented for 36 hours.", 850, 40, true},
		{"baguette", "Baguette", "Classic French baguette with a crackling crust and a creamy, airy inside.", 350, 60, false},
		{"rye-bread", "Rye Bread", "Dense, dark rye with caraway seeds; keeps for days and loves smoked salmon.", 750, 25, false},
		{"brioche", "Brioche", "Golden, buttery brioche loaf, soft enough to tear with a finger.", 900, 20, false},
		{"ciabatta", "Ciabatta", "Rustic Italian slipper bread with big holes, made with olive oil.", 450, 35, false},
		{"multigrain-loaf", "Multigrain Loaf", "Whole wheat loaf packed with sunflower, flax, sesame and oats.", 800, 30, false},
	}},
	{"pastries", "Pastries", "Laminated by hand with cultured butter.", []seedProduct{
		{"butter-croissant", "Butter Croissant", "Flaky, honeycombed croissant made with 82% cultured butter.", 375, 80, true},
		{"pain-au-chocolat", "Pain au Chocolat", "Croissant dough rolled around two batons of dark chocolate.", 425, 60, true},
		{"almond-croissant", "Almond Croissant", "Twice-baked croissant filled with almond frangipane and topped with flaked almonds.", 475, 30, true},
		{"cinnamon-roll", "Cinnamon Roll", "Soft swirl of cinnamon sugar with a cream cheese glaze.", 450, 40, true},
		{"danish-apricot", "Apricot Danish", "Crisp Danish pastry with vanilla custard and a glazed apricot half.", 425, 30, false},
		{"kouign-amann", "Kouign-Amann", "Breton pastry of caramelised butter and sugar, crunchy outside and tender within.", 495, 20, false},
	}},
	{"cakes", "Cakes", "Whole cakes and generous slices.", []seedProduct{
		{"carrot-cake", "Carrot Cake", "Spiced carrot and walnut cake with cream cheese frosting. Serves 8.", 3200, 6, true},
		{"chocolate-fudge-cake", "Chocolate Fudge Cake", "Three layers of dark chocolate sponge with fudge icing. Serves 10.", 3800, 5, false},
		{"lemon-drizzle-cake", "Lemon Drizzle Cake", "Zesty lemon loaf soaked in lemon syrup with a crackly sugar top.", 1800, 10, false},
		{"red-velvet-cake", "Red Velvet Cake", "Cocoa buttermilk sponge with vanilla cream cheese frosting. Serves 10.", 3600, 4, false},
		{"cheesecake", "Baked Cheesecake", "New York style baked cheesecake on a graham cracker base. Serves 8.", 3400, 6, false},
		{"victoria-sponge", "Victoria Sponge", "Light vanilla sponge sandwiched with raspberry jam and whipped cream.", 2800, 8, false},
	}},
	{"biscuits", "Cookies & Biscuits", "Crisp, chewy and everything in between.", []seedProduct{
		{"chocolate-chip-cookie", "Chocolate Chip Cookie", "Brown butter cookie with pools of dark chocolate and a pinch of sea salt.", 275, 120, true},
		{"oatmeal-raisin-cookie", "Oatmeal Raisin Cookie", "Chewy oat cookie with plump raisins and a hint of cinnamon.", 250, 90, false},
		{"shortbread", "Shortbread Fingers", "Scottish all-butter shortbread, pack of six.", 650, 40, false},
		{"macarons", "Macarons", "Box of six almond macarons: raspberry, pistachio, vanilla, chocolate, lemon and salted caramel.", 1400, 25, true},
		{"biscotti", "Almond Biscotti", "Twice-baked almond biscotti for dunking, bag of ten.", 700, 35, false},
		{"gingerbread-man", "Gingerbread Man", "Warmly spiced gingerbread, iced by hand.", 300, 50, false},
	}},
	{"tarts", "Tarts & Pies", "Short pastry, seasonal fillings.", []seedProduct{
		{"apple-pie", "Apple Pie", "Double-crust pie of cinnamon-spiced apples. Serves 8.", 2400, 8, false},
		{"lemon-tart", "Lemon Tart", "Sharp lemon curd in a sweet pastry shell, lightly torched.", 2200, 8, false},
		{"pecan-pie", "Pecan Pie", "Toasted pecans set in a dark brown-sugar filling. Serves 8.", 2600, 6, false},
		{"fruit-tart", "Fresh Fruit Tart", "Vanilla pastry cream under glazed berries and kiwi.", 2500, 6, false},
		{"egg-tart", "Egg Tart", "Flaky shell with a silky, barely set egg custard.", 325, 48, false},
		{"cherry-pie", "Cherry Pie", "Lattice-topped pie of sour cherries. Serves 8.", 2500, 7, false},
	}},
	{"savory", "Savory", "For lunch, for picnics, for now.", []seedProduct{
		{"cheese-scone", "Cheese Scone", "Mature cheddar scone with chives, best warm with butter.", 350, 40, false},
		{"quiche-lorraine", "Quiche Lorraine", "Smoky bacon and gruyère custard in crisp pastry. Serves 6.", 1900, 6, false},
		{"sausage-roll", "Sausage Roll", "Herby pork sausage wrapped in golden puff pastry.", 425, 45, false},
		{"spinach-feta-pastry", "Spinach & Feta Pastry", "Flaky pastry filled with spinach, feta, dill and spring onion.", 450, 35, false},
		{"focaccia", "Rosemary Focaccia", "Olive-oil-rich focaccia with rosemary and flaky salt.", 650, 20, false},
		{"pretzel", "Soft Pretzel", "Lye-dipped Bavarian pretzel with coarse salt.", 300, 50, false},
	}},
}

// Seed adds the demo catalog, priced in currency, to catalog: only what is
// missing, so running it again changes nothing.
func Seed(ctx context.Context, catalog *storage.Catalog, currency string) error {
	shelves := make([]models.Shelf, len(demoCatalog))
	for i, sc := range demoCatalog {
		shelves[i].Category = models.Category{Slug: sc.slug, Name: sc.name, Description: sc.description, Position: i}
		for _, sp := range sc.products {
			shelves[i].Products = append(shelves[i].Products, models.Product{
				Slug: sp.slug, Name: sp.name, Description: sp.description,
				PriceAmount: sp.price, Currency: currency, Stock: sp.stock,
				Image: models.ShippedPictures + sp.slug + ".svg", Featured: sp.featured, Published: true,
			})
		}
	}
	if err := catalog.AddMissing(ctx, shelves); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

// The demo account seeded in development; its credentials are printed at
// startup and in the README.
const (
	DemoEmail    = "demo@crumb.test"
	DemoPassword = "fresh-bread-daily"
)

// SeedDemoAccount adds the demo account if it is missing.
func SeedDemoAccount(ctx context.Context, users *storage.Users) error {
	if err := users.EnsureUser(ctx, "Demo Shopper", DemoEmail, DemoPassword); err != nil {
		return fmt.Errorf("seed demo account: %w", err)
	}
	return nil
}

// The back office's owner account, seeded in development only; its
// credentials are printed at startup and in the README.
const (
	OwnerEmail    = "owner@crumb.test"
	OwnerPassword = "owner-bakes-daily"
)

// SeedOwnerAccount adds the owner account, an admin, if it is missing.
func SeedOwnerAccount(ctx context.Context, users *storage.Users) error {
	if err := users.EnsureAdmin(ctx, "Bakery Owner", OwnerEmail, OwnerPassword); err != nil {
		return fmt.Errorf("seed owner account: %w", err)
	}
	return nil
}
