package database

import (
	"context"
	"fmt"

	"crumb/models"
	"crumb/storage"
)

type seedCategory struct {
	slug, name, nameKo, description, descriptionKo string
	products                                       []seedProduct
}

// seedProduct is a product of the demo catalog: its English, its price
// in US cents and in won, its stock, and then its Korean.
type seedProduct struct {
	slug, name, description string
	cents, won              int64
	stock                   int
	featured                bool
	nameKo, descriptionKo   string
}

// demoCatalog is the bakery's shelf in development and in tests.
var demoCatalog = []seedCategory{
	{"bread", "Bread", "식사빵", "Slow-fermented loaves baked every morning.", "매일 아침 천천히 발효해 구운 빵이에요.", []seedProduct{
		{"sourdough-loaf", "Sourdough Loaf", "A tangy country loaf with a blistered crust and an open, chewy crumb, fermented for 36 hours.", 850, 8500, 40, true,
			"사워도우", "36시간 천천히 발효해 껍질은 바삭하고 속은 쫄깃한, 은은한 산미의 시골빵이에요."},
		{"baguette", "Baguette", "Classic French baguette with a crackling crust and a creamy, airy inside.", 350, 3500, 60, false,
			"바게트", "바삭하게 갈라지는 껍질과 가볍고 부드러운 속살의 정통 프랑스 바게트예요."},
		{"rye-bread", "Rye Bread", "Dense, dark rye with caraway seeds; keeps for days and loves smoked salmon.", 750, 7500, 25, false,
			"호밀빵", "캐러웨이 씨를 넣은 묵직하고 진한 호밀빵이에요. 며칠 두고 드셔도 좋고, 훈제 연어와 잘 어울려요."},
		{"brioche", "Brioche", "Golden, buttery brioche loaf, soft enough to tear with a finger.", 900, 9000, 20, false,
			"브리오슈", "손으로 쭉 찢길 만큼 부드럽고 버터 향이 가득한 황금빛 브리오슈 식빵이에요."},
		{"ciabatta", "Ciabatta", "Rustic Italian slipper bread with big holes, made with olive oil.", 450, 4500, 35, false,
			"치아바타", "올리브유로 반죽해 큼직한 기공이 살아 있는 이탈리아 시골빵이에요."},
		{"multigrain-loaf", "Multigrain Loaf", "Whole wheat loaf packed with sunflower, flax, sesame and oats.", 800, 8000, 30, false,
			"멀티그레인 식빵", "통밀 반죽에 해바라기씨, 아마씨, 참깨, 귀리를 듬뿍 넣었어요."},
	}},
	{"pastries", "Pastries", "페이스트리", "Laminated by hand with cultured butter.", "발효 버터로 한 겹 한 겹 손으로 밀어 만들어요.", []seedProduct{
		{"butter-croissant", "Butter Croissant", "Flaky, honeycombed croissant made with 82% cultured butter.", 375, 3800, 80, true,
			"버터 크루아상", "82% 발효 버터로 결결이 바삭하게 구운 크루아상이에요."},
		{"pain-au-chocolat", "Pain au Chocolat", "Croissant dough rolled around two batons of dark chocolate.", 425, 4300, 60, true,
			"뺑 오 쇼콜라", "크루아상 반죽에 다크 초콜릿 두 줄을 넣고 돌돌 말아 구웠어요."},
		{"almond-croissant", "Almond Croissant", "Twice-baked croissant filled with almond frangipane and topped with flaked almonds.", 475, 4800, 30, true,
			"아몬드 크루아상", "아몬드 크림을 채워 한 번 더 구운 크루아상에 아몬드 슬라이스를 듬뿍 올렸어요."},
		{"cinnamon-roll", "Cinnamon Roll", "Soft swirl of cinnamon sugar with a cream cheese glaze.", 450, 4500, 40, true,
			"시나몬 롤", "시나몬 설탕을 넣어 부드럽게 말고 크림치즈 글레이즈를 올렸어요."},
		{"danish-apricot", "Apricot Danish", "Crisp Danish pastry with vanilla custard and a glazed apricot half.", 425, 4300, 30, false,
			"살구 데니시", "바삭한 데니시 반죽에 바닐라 커스터드와 윤기 나는 살구 반쪽을 올렸어요."},
		{"kouign-amann", "Kouign-Amann", "Breton pastry of caramelised butter and sugar, crunchy outside and tender within.", 495, 5000, 20, false,
			"퀸아망", "버터와 설탕을 캐러멜처럼 구워 겉은 바삭하고 속은 촉촉한 브르타뉴식 페이스트리예요."},
	}},
	{"cakes", "Cakes", "케이크", "Whole cakes and generous slices.", "홀케이크부터 넉넉한 조각 케이크까지 준비했어요.", []seedProduct{
		{"carrot-cake", "Carrot Cake", "Spiced carrot and walnut cake with cream cheese frosting. Serves 8.", 3200, 32000, 6, true,
			"당근 케이크", "향긋한 향신료를 넣은 당근 호두 시트에 크림치즈 프로스팅을 발랐어요. 8인분이에요."},
		{"chocolate-fudge-cake", "Chocolate Fudge Cake", "Three layers of dark chocolate sponge with fudge icing. Serves 10.", 3800, 38000, 5, false,
			"초콜릿 퍼지 케이크", "진한 초콜릿 시트 세 단에 퍼지 아이싱을 입혔어요. 10인분이에요."},
		{"lemon-drizzle-cake", "Lemon Drizzle Cake", "Zesty lemon loaf soaked in lemon syrup with a crackly sugar top.", 1800, 18000, 10, false,
			"레몬 드리즐 케이크", "상큼한 레몬 파운드에 레몬 시럽을 듬뿍 적시고 사각사각한 설탕을 올렸어요."},
		{"red-velvet-cake", "Red Velvet Cake", "Cocoa buttermilk sponge with vanilla cream cheese frosting. Serves 10.", 3600, 36000, 4, false,
			"레드벨벳 케이크", "코코아 버터밀크 시트에 바닐라 크림치즈 프로스팅을 올렸어요. 10인분이에요."},
		{"cheesecake", "Baked Cheesecake", "New York style baked cheesecake on a graham cracker base. Serves 8.", 3400, 34000, 6, false,
			"베이크드 치즈케이크", "그레이엄 크래커 바닥 위에 구운 뉴욕 스타일 치즈케이크예요. 8인분이에요."},
		{"victoria-sponge", "Victoria Sponge", "Light vanilla sponge sandwiched with raspberry jam and whipped cream.", 2800, 28000, 8, false,
			"빅토리아 스펀지 케이크", "가벼운 바닐라 스펀지 사이에 라즈베리 잼과 생크림을 샌드했어요."},
	}},
	{"biscuits", "Cookies & Biscuits", "쿠키·구움과자", "Crisp, chewy and everything in between.", "바삭한 것부터 쫀득한 것까지 골라 드세요.", []seedProduct{
		{"chocolate-chip-cookie", "Chocolate Chip Cookie", "Brown butter cookie with pools of dark chocolate and a pinch of sea salt.", 275, 3500, 120, true,
			"초코칩 쿠키", "브라운 버터 반죽에 다크 초콜릿을 듬뿍 넣고 바다 소금을 살짝 뿌렸어요."},
		{"oatmeal-raisin-cookie", "Oatmeal Raisin Cookie", "Chewy oat cookie with plump raisins and a hint of cinnamon.", 250, 3000, 90, false,
			"오트밀 건포도 쿠키", "통통한 건포도와 은은한 시나몬 향이 어우러진 쫀득한 귀리 쿠키예요."},
		{"shortbread", "Shortbread Fingers", "Scottish all-butter shortbread, pack of six.", 650, 6500, 40, false,
			"쇼트브레드", "버터만 넣어 구운 스코틀랜드식 쇼트브레드, 6개입이에요."},
		{"macarons", "Macarons", "Box of six almond macarons: raspberry, pistachio, vanilla, chocolate, lemon and salted caramel.", 1400, 14000, 25, true,
			"마카롱", "라즈베리, 피스타치오, 바닐라, 초콜릿, 레몬, 솔티드 캐러멜 아몬드 마카롱 6개입 세트예요."},
		{"biscotti", "Almond Biscotti", "Twice-baked almond biscotti for dunking, bag of ten.", 700, 7000, 35, false,
			"아몬드 비스코티", "커피에 찍어 드시기 좋게 두 번 구운 아몬드 비스코티, 10개입이에요."},
		{"gingerbread-man", "Gingerbread Man", "Warmly spiced gingerbread, iced by hand.", 300, 3000, 50, false,
			"진저브레드맨", "따뜻한 향신료를 넣어 굽고 하나하나 손으로 아이싱했어요."},
	}},
	{"tarts", "Tarts & Pies", "타르트·파이", "Short pastry, seasonal fillings.", "버터 반죽에 제철 재료를 채워 구워요.", []seedProduct{
		{"apple-pie", "Apple Pie", "Double-crust pie of cinnamon-spiced apples. Serves 8.", 2400, 24000, 8, false,
			"애플파이", "시나몬 향 사과를 가득 채우고 위아래로 반죽을 덮어 구운 파이예요. 8인분이에요."},
		{"lemon-tart", "Lemon Tart", "Sharp lemon curd in a sweet pastry shell, lightly torched.", 2200, 22000, 8, false,
			"레몬 타르트", "달콤한 타르트 셸에 새콤한 레몬 커드를 채우고 살짝 그을렸어요."},
		{"pecan-pie", "Pecan Pie", "Toasted pecans set in a dark brown-sugar filling. Serves 8.", 2600, 26000, 6, false,
			"피칸 파이", "고소하게 구운 피칸을 진한 흑설탕 필링에 굳혔어요. 8인분이에요."},
		{"fruit-tart", "Fresh Fruit Tart", "Vanilla pastry cream under glazed berries and kiwi.", 2500, 25000, 6, false,
			"생과일 타르트", "바닐라 커스터드 위에 윤기 나는 베리와 키위를 올렸어요."},
		{"egg-tart", "Egg Tart", "Flaky shell with a silky, barely set egg custard.", 325, 3500, 48, false,
			"에그타르트", "바삭한 타르트 껍질에 살짝만 굳힌 부드러운 달걀 커스터드를 채웠어요."},
		{"cherry-pie", "Cherry Pie", "Lattice-topped pie of sour cherries. Serves 8.", 2500, 25000, 7, false,
			"체리 파이", "새콤한 체리를 채우고 격자무늬로 덮은 파이예요. 8인분이에요."},
	}},
	{"savory", "Savory", "조리빵", "For lunch, for picnics, for now.", "점심으로, 나들이길에, 지금 바로 드시기 좋아요.", []seedProduct{
		{"cheese-scone", "Cheese Scone", "Mature cheddar scone with chives, best warm with butter.", 350, 3500, 40, false,
			"치즈 스콘", "숙성 체다 치즈와 차이브를 넣은 스콘이에요. 따뜻할 때 버터와 함께 드세요."},
		{"quiche-lorraine", "Quiche Lorraine", "Smoky bacon and gruyère custard in crisp pastry. Serves 6.", 1900, 19000, 6, false,
			"키시 로렌", "바삭한 반죽에 훈제 베이컨과 그뤼에르 치즈 커스터드를 채웠어요. 6인분이에요."},
		{"sausage-roll", "Sausage Roll", "Herby pork sausage wrapped in golden puff pastry.", 425, 4300, 45, false,
			"소시지 롤", "허브 향 돼지고기 소시지를 황금빛 퍼프 페이스트리로 감쌌어요."},
		{"spinach-feta-pastry", "Spinach & Feta Pastry", "Flaky pastry filled with spinach, feta, dill and spring onion.", 450, 4500, 35, false,
			"시금치 페타 페이스트리", "시금치, 페타 치즈, 딜, 쪽파를 채운 바삭한 페이스트리예요."},
		{"focaccia", "Rosemary Focaccia", "Olive-oil-rich focaccia with rosemary and flaky salt.", 650, 6500, 20, false,
			"로즈메리 포카치아", "올리브유를 듬뿍 넣고 로즈메리와 플레이크 소금을 올린 포카치아예요."},
		{"pretzel", "Soft Pretzel", "Lye-dipped Bavarian pretzel with coarse salt.", 300, 3000, 50, false,
			"소프트 프레첼", "굵은 소금을 뿌린 정통 바이에른식 프레첼이에요."},
	}},
}

// Seed adds the demo catalog, in English and Korean and priced in
// currency (USD or KRW), to catalog: only what is missing, so running it
// again changes nothing.
func Seed(ctx context.Context, catalog *storage.Catalog, currency string) error {
	shelves := make([]models.Shelf, len(demoCatalog))
	for i, sc := range demoCatalog {
		shelves[i].Category = models.Category{Slug: sc.slug, Name: sc.name, NameKo: sc.nameKo,
			Description: sc.description, DescriptionKo: sc.descriptionKo, Position: i}
		for _, sp := range sc.products {
			price := sp.cents
			if currency == "KRW" {
				price = sp.won
			}
			shelves[i].Products = append(shelves[i].Products, models.Product{
				Slug: sp.slug, Name: sp.name, NameKo: sp.nameKo, Description: sp.description, DescriptionKo: sp.descriptionKo,
				PriceAmount: price, Currency: currency, Stock: sp.stock,
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
