package assets

import (
	"slices"
	"testing"
)

func TestAccepts(t *testing.T) {
	tests := []struct {
		header string
		want   []string // br and gzip only; other codings are ignored here
	}{
		{"", nil},
		{"identity", nil},
		{"gzip", []string{"gzip"}},
		{"br", []string{"br"}},
		{"gzip, deflate, br", []string{"br", "gzip"}},
		{"GZIP, Br", []string{"br", "gzip"}},
		{"br;q=0, gzip", []string{"gzip"}},
		{"br; q=0.0, gzip;q=0.5", []string{"gzip"}},
		{"br;q=0.001", []string{"br"}},
		{"gzip;q=0", nil},
		{"br;q=0, gzip;q=0", nil},
		{"*", []string{"br", "gzip"}},
		{"*;q=0", nil},
		{"*, br;q=0", []string{"gzip"}},
		{"br;q=0, *", []string{"gzip"}},
		{"*, gzip;q=0", []string{"br"}},
		{"gzip;q=0, br;q=0, *", nil},
		{"*;q=0, gzip", []string{"gzip"}},
		{" , ,gzip , ", []string{"gzip"}},
		{"gzip, deflate, br, zstd", []string{"br", "gzip"}},
		{"x-gzip, br", []string{"br"}},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			var got []string
			for _, c := range []string{"br", "gzip"} {
				if Accepts(tt.header, c) {
					got = append(got, c)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Accepts(%q) allows %v, want %v", tt.header, got, tt.want)
			}
			if n := testing.AllocsPerRun(10, func() { Accepts(tt.header, "gzip") }); n != 0 {
				t.Errorf("Accepts(%q) allocates %v times", tt.header, n)
			}
		})
	}
}

func TestMatchesETag(t *testing.T) {
	const etag = `"0123456789abcdef-br"`
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{etag, true},
		{"W/" + etag, true},
		{`"other", ` + etag, true},
		{`"other" ,W/` + etag + ` , "x"`, true},
		{"*", true},
		{" * ", true},
		{`"0123456789abcdef"`, false},
		{`"0123456789abcdef-gz"`, false},
		{`0123456789abcdef-br`, false},
		{`"other"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			if got := MatchesETag(tt.header, etag); got != tt.want {
				t.Errorf("MatchesETag(%q, %s) = %v, want %v", tt.header, etag, got, tt.want)
			}
		})
	}
}
