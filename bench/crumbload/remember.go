package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"crumb/internal/shopper"
)

// remember measures sessions restored from "keep me signed in". One
// account signs in with it on conns devices; each device then loads its
// account page over and over with no session, presenting only the newest
// remember-me cookie it was given. Every request is therefore a real
// restore: the token is looked up, its validator rotated, a session
// created, and the page must greet the account and hand back a new cookie.
// It prints restores per second, p50 and p99 in milliseconds, and the count.
func remember(base string, conns int, dur time.Duration) error {
	client := shopper.Client(conns)
	stats := &shopper.Stats{}
	owner := shopper.New(base, client, stats)
	name := "Remembered Shopper"
	email := fmt.Sprintf("remember-%d@load.test", time.Now().UnixNano())
	if err := owner.SignUp(name, email, false); err != nil {
		return err
	}
	devices := make([]*shopper.Shopper, conns)
	for i := range devices {
		d := shopper.New(base, client, stats)
		if err := d.SignIn(email, shopper.Password, true); err != nil {
			return err
		}
		devices[i] = d
	}
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var mu sync.Mutex
	var took []time.Duration
	var errs []error
	var wg sync.WaitGroup
	start := time.Now()
	for _, d := range devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var err error
			for ctx.Err() == nil {
				d.Cookies = map[string]string{"crumb_remember": d.Cookies["crumb_remember"]}
				before := d.Cookies["crumb_remember"]
				var res shopper.Response
				res, err = d.Get("/account")
				if err == nil && (res.Status != http.StatusOK || !strings.Contains(res.Body, "Hello, "+name)) {
					err = fmt.Errorf("restore: status %d without the account's greeting", res.Status)
				}
				if err == nil && (d.Cookies["crumb_remember"] == before || d.Cookies["crumb_session"] == "") {
					err = errors.New("restore: no rotated remember-me cookie and new session")
				}
				if err != nil {
					break
				}
				mine = append(mine, res.Took)
			}
			mu.Lock()
			defer mu.Unlock()
			took = append(took, mine...)
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(errs) > 0 || stats.ServerErr.Load() > 0 || len(took) == 0 {
		return fmt.Errorf("remember-me load: %d restores, %d 5xx: %w", len(took), stats.ServerErr.Load(), errors.Join(errs...))
	}
	fmt.Printf("%.1f %.2f %.2f %d\n", float64(len(took))/elapsed.Seconds(), shopper.Quantile(took, 0.5), shopper.Quantile(took, 0.99), len(took))
	return nil
}
