// Package metrics counts what Crumb does, in Prometheus's format: requests
// by route pattern and status with their latency, sign-ins, remember-me
// restores, stolen tokens presented again, checkouts, scheduled backups,
// the database pool and the Go runtime. Everything is in a registry of its own (never the
// process-wide default), served only on the METRICS_ADDR listener.
package metrics

import (
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"crumb/models"
)

// Metrics is built once by app.New and shared by every request. A nil
// *Metrics counts nothing, so stores built without one (in their own
// tests) need no stand-in.
type Metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	signIns   *prometheus.CounterVec
	restores  prometheus.Counter
	thefts    *prometheus.CounterVec
	checkouts *prometheus.CounterVec
	backups   *prometheus.CounterVec
	backedUp  prometheus.Gauge
}

// New registers Crumb's metrics, the pool statistics of db, and the Go
// runtime's and the process's. Gauges of queues (a mail outbox's backlog,
// say) are registered here too.
func New(db *sql.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crumb_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crumb_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route pattern.",
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crumb_sign_ins_total",
			Help: "Sign-ins with a password, by channel (web, app) and result (success, failure).",
		}, []string{"channel", "result"}),
		restores: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "crumb_remember_me_restores_total",
			Help: "Browsers signed back in from a remember-me cookie.",
		}),
		thefts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crumb_stolen_tokens_total",
			Help: "Stolen tokens presented again (a replayed remember-me cookie, a reused refresh token), each signing an account out everywhere.",
		}, []string{"token"}),
		checkouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crumb_checkouts_total",
			Help: "Checkouts by channel (web, app) and result (placed, repeated, conflict, refused, error).",
		}, []string{"channel", "result"}),
		backups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crumb_backups_total",
			Help: "Scheduled backups of the SQLite database, by result (success, failure).",
		}, []string{"result"}),
		backedUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "crumb_backup_last_success_timestamp_seconds",
			Help: "When the last scheduled backup was written and checked (Unix time); 0 since start without one.",
		}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.signIns, m.restores, m.thefts, m.checkouts, m.backups, m.backedUp,
		collectors.NewDBStatsCollector(db, "crumb"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Request counts one answered request. route must be a route pattern
// (/products/:slug), never the raw path, so the labels stay few.
func (m *Metrics) Request(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(took.Seconds())
}

// SignIn counts a sign-in with a password on channel ("web" or "app").
func (m *Metrics) SignIn(channel string, ok bool) {
	if m == nil {
		return
	}
	result := "failure"
	if ok {
		result = "success"
	}
	m.signIns.WithLabelValues(channel, result).Inc()
}

// RememberRestored counts a browser signed back in from its remember-me
// cookie.
func (m *Metrics) RememberRestored() {
	if m == nil {
		return
	}
	m.restores.Inc()
}

// TokenTheft counts a stolen token presented again; kind is
// models.TheftRemember or models.TheftRefresh.
func (m *Metrics) TokenTheft(kind string) {
	if m == nil {
		return
	}
	token := "refresh"
	if kind == models.TheftRemember {
		token = "remember_me"
	}
	m.thefts.WithLabelValues(token).Inc()
}

// Checkout counts what storage.Orders.Place answered on channel ("web" or
// "app"): a new order, the same order again (a repeated checkout token or
// Idempotency-Key), a conflict with stock or prices, a refusal (an empty
// cart, a reused key), or an error.
func (m *Metrics) Checkout(channel string, created bool, err error) {
	if m == nil {
		return
	}
	var conflict *models.CheckoutConflict
	result := "error"
	switch {
	case err == nil && created:
		result = "placed"
	case err == nil:
		result = "repeated"
	case errors.As(err, &conflict):
		result = "conflict"
	case errors.Is(err, models.ErrEmptyCart), errors.Is(err, models.ErrIdempotencyConflict):
		result = "refused"
	}
	m.checkouts.WithLabelValues(channel, result).Inc()
}

// Backup counts a scheduled backup that ended at at, with err if it failed.
func (m *Metrics) Backup(at time.Time, err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.backups.WithLabelValues("failure").Inc()
		return
	}
	m.backups.WithLabelValues("success").Inc()
	m.backedUp.Set(float64(at.Unix()))
}
