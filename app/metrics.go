package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ServeMetrics serves GET /metrics in Prometheus's format on ln until ctx
// ends. main opens ln on METRICS_ADDR: a listener of its own, never the
// public one, so the metrics cannot be published by accident.
func (a *App) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
	}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
