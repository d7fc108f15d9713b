package shopper

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// SignUpMany signs up n shoppers (emails prefix-N@load.test), two at a
// time, as password hashing is meant to be costly. With a mailbox, each
// then follows the link its sign-up mailed (read from mb), as a shopper
// who means to order does; without one, their emails stay unverified and
// they cannot order.
func SignUpMany(base string, n int, prefix string, stats *Stats, mb Mailbox) ([]*Shopper, error) {
	client := Client(n)
	shoppers := make([]*Shopper, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				s := New(base, client, stats)
				email := fmt.Sprintf("%s-%d@load.test", prefix, i)
				errs[i] = s.SignUp(fmt.Sprintf("Shopper %d", i), email, false)
				if errs[i] == nil && mb != nil {
					errs[i] = s.Verify(mb, email)
				}
				shoppers[i] = s
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return shoppers, errors.Join(errs...)
}

// Bought is what a buying run was told: the order numbers acknowledged,
// how long each order took (adding to the cart, the checkout page and
// placing it), the checkouts refused for stock, and the errors that
// stopped a shopper.
type Bought struct {
	Orders    []string
	Took      []time.Duration
	Conflicts int
	Errors    []error
}

// Buy has each shopper add 1 to 3 of a random product and check out, over
// and over until ctx ends. A refused add or checkout (sold out) empties
// the cart and counts as a conflict; a shopper stops at its first error.
func Buy(ctx context.Context, shoppers []*Shopper, products []uint) Bought {
	var mu sync.Mutex
	var all Bought
	var wg sync.WaitGroup
	for _, s := range shoppers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine Bought
			for ctx.Err() == nil {
				start := time.Now()
				err := s.AddToCart(products[rand.IntN(len(products))], 1+rand.IntN(3))
				var number string
				if err == nil {
					number, err = s.Checkout()
				}
				if errors.Is(err, ErrConflict) || errors.Is(err, ErrRefused) {
					mine.Conflicts++
					if err = s.EmptyCart(); err == nil {
						continue
					}
				}
				if err != nil {
					if ctx.Err() == nil {
						mine.Errors = append(mine.Errors, err)
					}
					break
				}
				mine.Orders = append(mine.Orders, number)
				mine.Took = append(mine.Took, time.Since(start))
			}
			mu.Lock()
			defer mu.Unlock()
			all.Orders = append(all.Orders, mine.Orders...)
			all.Took = append(all.Took, mine.Took...)
			all.Conflicts += mine.Conflicts
			all.Errors = append(all.Errors, mine.Errors...)
		}()
	}
	wg.Wait()
	return all
}

// Quantile is the q-quantile (0..1) of durations, in milliseconds.
func Quantile(durations []time.Duration, q float64) float64 {
	if len(durations) == 0 {
		return 0
	}
	sorted := append([]time.Duration(nil), durations...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return float64(sorted[int(q*float64(len(sorted)-1))]) / float64(time.Millisecond)
}
