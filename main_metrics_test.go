package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestMetricsListener: with METRICS_ADDR set, the real server serves
// /metrics there, counting what the public port answered, and the public
// port does not serve them.
func TestMetricsListener(t *testing.T) {
	metrics := "127.0.0.1:" + strconv.Itoa(freePort(t))
	base, _ := startCrumb(t, buildCrumb(t), "METRICS_ADDR="+metrics)
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, _ := get(base + "/products/baguette"); code != 200 {
		t.Fatalf("product page = %d", code)
	}
	code, text := get("http://" + metrics + "/metrics")
	if code != 200 || !strings.Contains(text, `crumb_http_requests_total{method="GET",route="/products/:slug",status="200"} 1`) {
		t.Errorf("GET /metrics on METRICS_ADDR = %d:\n%s", code, text)
	}
	if code, text := get(base + "/metrics"); code != 404 || strings.Contains(text, "crumb_http_requests_total") {
		t.Errorf("GET /metrics on the public port = %d", code)
	}
}
