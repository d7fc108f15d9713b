package web

import (
	"net/url"
	"strconv"
)

// Pager links a list's neighbouring pages; each link is empty at its end of
// the list.
type Pager struct{ PrevURL, NextURL string }

// NewPager links the pages around page (of pages) of the list at path,
// keeping its filter (empty values left out).
func NewPager(path string, filter url.Values, page, pages int) Pager {
	link := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		for key, values := range filter {
			if len(values) > 0 && values[0] != "" {
				v.Set(key, values[0])
			}
		}
		return path + "?" + v.Encode()
	}
	var p Pager
	if page > 1 {
		p.PrevURL = link(page - 1)
	}
	if page < pages {
		p.NextURL = link(page + 1)
	}
	return p
}
