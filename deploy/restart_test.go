//go:build scaled

package deploy_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"crumb/internal/shopper"
	"crumb/secret"
)

// TestRollingRestartLosesNothing restarts the three instances one after
// another, as a deploy does, while shoppers buy (cart changes and
// checkouts, signed in) and guests browse and fill carts through the
// balancer. Each instance leaves the balancer before it stops accepting
// (SIGTERM: /readyz fails at once, the listener stays open for
// SHUTDOWN_GRACE), exits 0 and comes back. No request fails, nobody is
// sent anything twice, every acknowledged order is in the database with
// its stock taken, and every shopper is still signed in.
func TestRollingRestartLosesNothing(t *testing.T) {
	s := scaledShop(t)
	const buyers, guests = 6, 3
	stats := &shopper.Stats{}
	mb := shopper.MailServer(os.Getenv("CRUMB_SCALED_MAILBOX"), &http.Client{Timeout: 10 * time.Second})
	shoppers, err := shopper.SignUpMany(s.lb, buyers, "restart-"+secret.Hex(4), stats, mb)
	if err != nil {
		t.Fatal(err)
	}
	if err := shopper.Restock(s.db, 1_000_000); err != nil {
		t.Fatal(err)
	}
	ledger, err := shopper.Snapshot(s.db)
	if err != nil {
		t.Fatal(err)
	}
	// Not the pie: TestLastUnitsAcrossInstances counts every order of it.
	baguette := s.productID(t, "baguette")
	products := []uint{baguette, s.productID(t, "focaccia")}

	load, stopLoad := context.WithCancel(context.Background())
	defer stopLoad()
	var wg sync.WaitGroup
	var bought shopper.Bought
	wg.Go(func() { bought = shopper.Buy(load, shoppers, products) })
	browsed := make([]error, guests)
	client := shopper.Client(guests)
	for g := range guests {
		wg.Go(func() {
			guest := shopper.New(s.lb, client, stats)
			for load.Err() == nil {
				if browsed[g] = browse(guest, baguette); browsed[g] != nil {
					return
				}
			}
		})
	}

	time.Sleep(time.Second)
	for i := range s.instances {
		s.restart(t, i)
	}
	time.Sleep(time.Second)
	stopLoad()
	wg.Wait()

	t.Logf("%d requests, %d orders", stats.Requests.Load(), len(bought.Orders))
	if n := stats.ServerErr.Load(); n > 0 {
		t.Errorf("%d requests answered 5xx", n)
	}
	if n := stats.Failed.Load(); n > 0 {
		t.Errorf("%d requests got no answer", n)
	}
	for _, err := range append(bought.Errors, browsed...) {
		if err != nil {
			t.Error(err)
		}
	}
	if len(bought.Orders) < buyers {
		t.Errorf("only %d orders were placed", len(bought.Orders))
	}
	if _, err := ledger.Check(s.db, bought.Orders); err != nil {
		t.Error(err)
	}
	for i, sh := range shoppers {
		if in, err := sh.SignedInAs(fmt.Sprintf("Shopper %d", i)); err != nil || !in {
			t.Errorf("shopper %d is no longer signed in (%v)", i, err)
		}
	}
}

// browse is one round of a guest: the home page, a product, a loaf into
// the cart and out again.
func browse(guest *shopper.Shopper, product uint) error {
	for _, path := range []string{"/", "/products/baguette", "/cart"} {
		res, err := guest.Get(path)
		if err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		if res.Status != http.StatusOK {
			return fmt.Errorf("GET %s: status %d", path, res.Status)
		}
	}
	if err := guest.AddToCart(product, 1); err != nil {
		return fmt.Errorf("guest: %w", err)
	}
	if err := guest.EmptyCart(); err != nil {
		return fmt.Errorf("guest: %w", err)
	}
	return nil
}

// restart stops instance i as a host does (SIGTERM), waits for it to
// exit, starts it again from its script and waits until the balancer
// sends it requests again. The balancer must have taken it out before it
// exits, and it must exit 0 within SHUTDOWN_TIMEOUT (10 s).
func (s shop) restart(t *testing.T, i int) {
	t.Helper()
	name := fmt.Sprintf("crumb%d", i+1)
	ran := len(s.exits(t, i))
	signalled := time.Now()
	if err := syscall.Kill(s.pid(t, i), syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM to instance %d: %v", i+1, err)
	}
	var out time.Duration
	exited := within(15*time.Second, func() bool {
		if out == 0 && strings.HasPrefix(s.lbStat(t, "crumb", name, "status"), "DOWN") {
			out = time.Since(signalled)
		}
		return len(s.exits(t, i)) > ran
	})
	took := time.Since(signalled)
	if !exited {
		t.Fatalf("instance %d still runs 15 s after SIGTERM", i+1)
	}
	if status := s.exits(t, i)[ran]; status != "0" {
		t.Errorf("instance %d exited with status %s after SIGTERM, want 0", i+1, status)
	}
	if out == 0 {
		t.Errorf("instance %d exited (%v after SIGTERM) while the balancer still counted it in", i+1, took.Round(time.Millisecond))
	}
	if took > 10*time.Second {
		t.Errorf("instance %d took %v to exit, more than SHUTDOWN_TIMEOUT", i+1, took.Round(time.Millisecond))
	}

	start := exec.Command(s.starts[i])
	if err := start.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = start.Wait() }()
	back := within(60*time.Second, func() bool {
		status, _ := fetch(t, http.DefaultClient, http.MethodGet, s.instances[i]+"/readyz", nil, nil)
		return status == http.StatusOK && s.lbStat(t, "crumb", name, "status") == "UP"
	})
	if !back {
		t.Fatalf("instance %d did not come back within a minute", i+1)
	}
	t.Logf("instance %d: out of the balancer %v after SIGTERM, exited after %v, back in after %v",
		i+1, out.Round(time.Millisecond), took.Round(time.Millisecond), time.Since(signalled).Round(time.Millisecond))
}
