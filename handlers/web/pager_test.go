package web_test

import (
	"net/url"
	"testing"

	"crumb/handlers/web"
)

func TestPagerLinksNeighboursAndKeepsTheFilter(t *testing.T) {
	filter := url.Values{"q": {"rye & seed"}, "category": {""}}
	tests := []struct {
		page, pages int
		want        web.Pager
	}{
		{1, 1, web.Pager{}},
		{1, 3, web.Pager{NextURL: "/products?page=2&q=rye+%26+seed"}},
		{2, 3, web.Pager{PrevURL: "/products?page=1&q=rye+%26+seed", NextURL: "/products?page=3&q=rye+%26+seed"}},
		{3, 3, web.Pager{PrevURL: "/products?page=2&q=rye+%26+seed"}},
	}
	for _, tt := range tests {
		if got := web.NewPager("/products", filter, tt.page, tt.pages); got != tt.want {
			t.Errorf("page %d of %d: %+v, want %+v", tt.page, tt.pages, got, tt.want)
		}
	}
}
