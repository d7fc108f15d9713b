package models

// ProductQuery selects a page of the catalog.
type ProductQuery struct {
	Q          string
	CategoryID uint
	Page       int // 1-based; clamped into range
	PerPage    int
}

// ProductPage is one page of a catalog query.
type ProductPage struct {
	Items   []Product
	Page    int
	PerPage int
	Total   int
	Pages   int
}
