package soak_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"crumb/internal/shopper"
)

// TestMixedLoad runs browsing, guest carts, sign-ins with and without
// "keep me signed in", app token refreshes and checkouts together for
// SOAK_DURATION (seconds inside make test, five minutes in make soak),
// then checks: no 5xx and no dropped connection, every order a shopper
// was told about exists, stock was never negative (sampled during the run
// and checked at the end against the orders), and memory stayed flat.
//
// Flat means: the median RSS of the last third of the run is at most 20 MB
// above the median of the first third (after a tenth of warm-up). Each
// sign-in hashes a password with 19 MiB of argon2 memory, so single samples
// jump and fall back (a maximum would measure the jumps); a leak raises
// every sample, and even 100 bytes a request shows over minutes.
func TestMixedLoad(t *testing.T) {
	run := duration(t, 10*time.Second)
	srv := newServer(t)
	db := srv.DB()
	if err := shopper.Restock(db, 100_000); err != nil {
		t.Fatal(err)
	}
	// One cake stays scarce, so buyers also meet "sold out".
	if err := db.Exec("UPDATE products SET stock = 20 WHERE slug = 'carrot-cake'").Error; err != nil {
		t.Fatal(err)
	}
	ledger, err := shopper.Snapshot(db)
	if err != nil {
		t.Fatal(err)
	}
	var carrot uint
	if err := db.Raw("SELECT id FROM products WHERE slug = 'carrot-cake'").Scan(&carrot).Error; err != nil {
		t.Fatal(err)
	}

	stats := &shopper.Stats{}
	buyers, err := shopper.SignUpMany(srv.Base, 6, "mixed", stats, srv.Mailbox(db))
	if err != nil {
		t.Fatal(err)
	}
	// Visitors sign in and use the app, and never order: they stay unverified.
	visitors, err := shopper.SignUpMany(srv.Base, 2, "visitor", stats, nil)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	client := shopper.Client(32)
	var mu sync.Mutex
	var failures []error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, err)
		}
	}
	var wg sync.WaitGroup
	worker := func(n int, step func(s *shopper.Shopper) error) {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					if err := step(shopper.New(srv.Base, client, stats)); err != nil && ctx.Err() == nil {
						fail(err)
						return
					}
				}
			}()
		}
	}
	products := ledger.Products()
	pages := []struct{ path, want string }{
		{"/", "Butter Croissant"}, {"/products?category=cakes", "Carrot Cake"}, {"/products?q=chocolate", "Chocolate"},
		{"/products/sourdough-loaf", "Sourdough Loaf"}, {"/products?page=2", "Page"}, {"/cookies", "crumb_cart"},
	}
	// Browsing.
	worker(3, func(s *shopper.Shopper) error {
		p := pages[rand.IntN(len(pages))]
		res, err := s.Get(p.path)
		if err == nil && (res.Status != http.StatusOK || !strings.Contains(res.Body, p.want)) {
			err = fmt.Errorf("GET %s: %d without %q", p.path, res.Status, p.want)
		}
		return err
	})
	// Guest carts: fill, look, change a quantity.
	worker(3, func(s *shopper.Shopper) error {
		want := "Your cart is empty"
		for range 1 + rand.IntN(3) {
			err := s.AddToCart(products[rand.IntN(len(products))], 1)
			if err == nil {
				want = "Subtotal"
			} else if !errors.Is(err, shopper.ErrRefused) {
				return err
			}
		}
		res, err := s.Get("/cart")
		// The checkouts beside may sell out every product the guest took:
		// the cart then says so and shows no subtotal.
		soldOut := strings.Contains(res.Body, "is sold out and was left out")
		if err == nil && (res.Status != http.StatusOK || !strings.Contains(res.Body, want) && !soldOut) {
			err = fmt.Errorf("guest cart: %d without %q", res.Status, want)
		}
		return err
	})
	// Sign-ins, half of them kept signed in across a browser restart.
	for i, v := range visitors {
		name := fmt.Sprintf("Shopper %d", i)
		email := fmt.Sprintf("visitor-%d@load.test", i)
		_ = v
		worker(1, func(s *shopper.Shopper) error {
			remember := rand.IntN(2) == 0
			if err := s.SignIn(email, shopper.Password, remember); err != nil {
				return err
			}
			if ok, err := s.SignedInAs(name); err != nil || !ok {
				return fmt.Errorf("signed in, but /account does not greet %s (%v)", name, err)
			}
			if remember {
				s.CloseBrowser()
				if ok, err := s.SignedInAs(name); err != nil || !ok {
					return fmt.Errorf("remember-me did not restore %s (%v)", name, err)
				}
			}
			res, err := s.Post("/logout", nil)
			if err == nil && res.Status != http.StatusSeeOther {
				err = fmt.Errorf("sign out: %d", res.Status)
			}
			return err
		})
	}
	// The app: sign in once, then refresh and read the cart over and over.
	worker(2, func(s *shopper.Shopper) error { return appSession(ctx, s, "visitor-0@load.test") })
	// Checkouts, some of them racing for the scarce cake.
	var bought shopper.Bought
	wg.Add(1)
	go func() {
		defer wg.Done()
		bought = shopper.Buy(ctx, buyers, append(products, carrot, carrot, carrot))
	}()
	// Samples: memory, and stock never below zero.
	var rss []int
	var negative int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			rss = append(rss, srv.RSS())
			var n int64
			if err := db.Raw("SELECT COUNT(*) FROM products WHERE stock < 0").Scan(&n).Error; err == nil {
				negative = max(negative, n)
			}
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
	}()
	wg.Wait()

	if len(failures) > 0 {
		t.Errorf("shoppers saw wrong answers: %v", errors.Join(failures...))
	}
	if len(bought.Errors) > 0 {
		t.Errorf("checkouts failed: %v", errors.Join(bought.Errors...))
	}
	if n := stats.ServerErr.Load(); n > 0 {
		t.Errorf("%d answers were 5xx:\n%s", n, srv.ServerErrors())
	}
	if n := stats.Failed.Load(); n > 0 {
		t.Errorf("%d requests got no answer", n)
	}
	if negative > 0 {
		t.Errorf("stock went negative during the run")
	}
	placed, err := ledger.Check(db, bought.Orders)
	if err != nil {
		t.Error(err)
	}
	third := len(rss) / 3
	warm := len(rss) / 10
	first, last := median(rss[warm:max(third, warm+1)]), median(rss[len(rss)-third:])
	t.Logf("%s: %d requests, %d orders (%d acknowledged, %d sold out), RSS median %d MB in the first third, %d MB in the last, highest %d MB",
		run, stats.Requests.Load(), placed, len(bought.Orders), bought.Conflicts, first, last, slices.Max(rss))
	// A password hash holds 19 MiB while it runs, one per CPU at once, and
	// a run of seconds has too few samples for medians to smooth that out:
	// there, growth within what the hashes in flight may hold is noise. A
	// run of minutes (make soak) is held to 20 MB.
	allowed := 20
	if run < time.Minute {
		allowed += runtime.NumCPU() * 19
	}
	if last > first+allowed {
		t.Errorf("memory grew from %d MB to %d MB over the run (samples: %v)", first, last, rss)
	}
}

func median(xs []int) int {
	sorted := slices.Sorted(slices.Values(xs))
	return sorted[len(sorted)/2]
}

// appSession signs the app in, then refreshes its tokens and reads the
// cart with each new access token until ctx ends or something is wrong.
func appSession(ctx context.Context, s *shopper.Shopper, email string) error {
	var pair struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	res, err := s.PostRaw("/api/v1/auth/token", "application/json", `{"email":"`+email+`","password":"`+shopper.Password+`"}`)
	if err == nil && res.Status != http.StatusOK {
		err = fmt.Errorf("app sign-in: %d %s", res.Status, res.Body)
	}
	if err == nil {
		err = json.Unmarshal([]byte(res.Body), &pair)
	}
	for err == nil && ctx.Err() == nil {
		res, err = s.PostRaw("/api/v1/auth/refresh", "application/json", `{"refresh_token":"`+pair.Refresh+`"}`)
		if err == nil && res.Status != http.StatusOK {
			return fmt.Errorf("app refresh: %d %s", res.Status, res.Body)
		}
		if err == nil {
			err = json.Unmarshal([]byte(res.Body), &pair)
		}
		if err != nil {
			return err
		}
		req, _ := http.NewRequest(http.MethodGet, s.Base+"/api/v1/cart", nil)
		req.Header.Set("Authorization", "Bearer "+pair.Access)
		res, err = s.Do(req)
		if err == nil && res.Status != http.StatusOK {
			err = fmt.Errorf("app cart: %d %s", res.Status, res.Body)
		}
	}
	return err
}
