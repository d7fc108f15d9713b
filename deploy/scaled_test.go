//go:build scaled

// Package deploy_test checks Crumb scaled out as deploy/ describes it:
// three instances behind HAProxy (deploy/haproxy.cfg) on one Postgres and
// one Redis, started by scripts/scaled.sh. make e2e-scaled runs these tests
// there after the Playwright suite: first the rolling restart
// (restart_test.go), then this file's in its order; the last one kills an
// instance.
package deploy_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"crumb/secret"
)

// TestRoundRobinReachesEveryInstance: the balancer spreads pages evenly,
// so every journey through it crosses instances.
func TestRoundRobinReachesEveryInstance(t *testing.T) {
	s := scaledShop(t)
	const series = `crumb_http_requests_total{method="GET",route="/products/:slug",status="200"}`
	var before [3]float64
	for i := range 3 {
		before[i] = s.metric(t, i, series)
	}
	for range 9 {
		if status, _ := fetch(t, http.DefaultClient, http.MethodGet, s.lb+"/products/focaccia", nil, nil); status != http.StatusOK {
			t.Fatalf("a product page through the balancer = %d", status)
		}
	}
	for i := range 3 {
		if served := s.metric(t, i, series) - before[i]; served != 3 {
			t.Errorf("instance %d served %v of 9 product pages; round-robin gives each 3", i+1, served)
		}
	}
}

// TestRememberMeRaceBetweenInstances: a browser back with only its
// "keep me signed in" cookie sends two requests at once, to two
// instances, twenty times over. Both are signed in every time, the cookie
// the browser keeps still works on the third instance, and nothing looks
// like a stolen cookie.
func TestRememberMeRaceBetweenInstances(t *testing.T) {
	s := scaledShop(t)
	const thefts = `crumb_stolen_tokens_total{token="remember_me"}`
	var before float64
	for i := range 3 {
		before += s.metric(t, i, thefts)
	}
	b := newBrowser(t)
	b.signUp(s.instances[0], newEmail("remember"), true)
	for round := range 20 {
		b.closeBrowser()
		var wg sync.WaitGroup
		var signedIn [2]bool
		start := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				status, body := fetch(t, b.client, http.MethodGet, s.instances[i]+"/account", nil, nil)
				signedIn[i] = status == http.StatusOK && strings.Contains(body, "Hello, ")
			}()
		}
		close(start)
		wg.Wait()
		if !signedIn[0] || !signedIn[1] {
			t.Fatalf("round %d: signed in on instance 1: %v, on instance 2: %v", round+1, signedIn[0], signedIn[1])
		}
	}
	b.closeBrowser()
	if !b.signedIn(s.instances[2]) {
		t.Error("the remember-me cookie the browser kept does not sign in on the third instance")
	}
	var after float64
	for i := range 3 {
		after += s.metric(t, i, thefts)
	}
	if after != before {
		t.Errorf("the race was taken for %v stolen cookies", after-before)
	}
}

var revokeSession = regexp.MustCompile(`name="kind" value="session">\s*<input type="hidden" name="id" value="([0-9a-f]{64})">`)

// TestRevokedSessionIsRefusedEverywhere: a session signed out from the
// devices page on one instance is refused by every instance on its next
// request, while the browser that signed it out stays signed in. The
// devices page shows the address the balancer passed on.
func TestRevokedSessionIsRefusedEverywhere(t *testing.T) {
	s := scaledShop(t)
	email := newEmail("revoke")
	x := newBrowser(t)
	x.header.Set("X-Forwarded-For", "198.51.100.23")
	x.signUp(s.lb, email, false)
	y := newBrowser(t)
	if status, body := y.post(s.instances[1], "/login", url.Values{"email": {email}, "password": {password}}); status != http.StatusSeeOther {
		t.Fatalf("sign-in = %d: %s", status, body)
	}
	_, devices := y.get(s.instances[1] + "/account/security")
	if !strings.Contains(devices, "IP 198.51.100.23") {
		t.Errorf("the devices page does not show the address the balancer passed on:\n%s", devices)
	}
	m := revokeSession.FindStringSubmatch(devices)
	if m == nil {
		t.Fatal("no other session to sign out on the devices page")
	}
	u, _ := url.Parse(s.lb)
	var cookies []string
	for _, c := range x.jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	replay := http.Header{"Cookie": {strings.Join(cookies, "; ")}}
	if status, _ := y.post(s.instances[1], "/account/security/revoke", url.Values{"kind": {"session"}, "id": {m[1]}}); status >= 400 {
		t.Fatalf("signing the other session out = %d", status)
	}
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i, base := range s.instances {
		if status, _ := fetch(t, noRedirects, http.MethodGet, base+"/account", nil, replay); status != http.StatusSeeOther {
			t.Errorf("instance %d still serves the signed-out session: %d", i+1, status)
		}
		if !y.signedIn(base) {
			t.Errorf("instance %d signed out the browser that did the signing out", i+1)
		}
	}
}

// TestLastUnitsAcrossInstances: fifteen shoppers check out the last five
// pies at once, their requests spread over the three instances: exactly
// five orders, the shelf at zero, and every instance's catalog says so
// at once.
func TestLastUnitsAcrossInstances(t *testing.T) {
	s := scaledShop(t)
	const slug, stock, shoppers = "cherry-pie", 5, 15
	id := s.productID(t, slug)
	s.setStock(t, slug, stock)
	apps := make([]*app, shoppers)
	for i := range apps {
		apps[i] = newApp(t, s.lb, newEmail("last-units"))
		if status, body := apps[i].addToCart(s.lb, id, 1); status != http.StatusOK {
			t.Fatalf("add to cart = %d: %s", status, body)
		}
	}
	statuses := make([]int, shoppers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, a := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i], _ = a.call(http.MethodPost, s.instances[i%3]+"/api/v1/orders", secret.Hex(8), order)
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, status := range statuses {
		count[status]++
	}
	if count[http.StatusCreated] != stock || count[http.StatusConflict] != shoppers-stock {
		t.Errorf("checkouts: %s; want %d×201 and %d×409", describe(count), stock, shoppers-stock)
	}
	if left := s.stock(t, slug); left != 0 {
		t.Errorf("%d pies left on the shelf, want 0", left)
	}
	var lines int64
	s.db.Raw("SELECT count(*) FROM order_lines WHERE product_id = ?", id).Scan(&lines)
	if lines != stock {
		t.Errorf("%d orders of the pie, want %d", lines, stock)
	}
	for i, base := range s.instances {
		shows := func() bool {
			_, body := fetch(t, http.DefaultClient, http.MethodGet, base+"/api/v1/products/"+strconv.Itoa(int(id)), nil, nil)
			return strings.Contains(body, `"stock":0,`)
		}
		if !within(2*time.Second, shows) {
			t.Errorf("instance %d's catalog still shows pies", i+1)
		}
	}
}

// TestBalancerServesGuestsWhenNoInstanceIsReady: with every instance out of
// the ready pool (as when the shared Redis is down and every /readyz says
// so), the balancer still sends pages that need no session to them.
func TestBalancerServesGuestsWhenNoInstanceIsReady(t *testing.T) {
	s := scaledShop(t)
	servers := []string{"crumb1", "crumb2", "crumb3"}
	before, _ := strconv.Atoi(s.lbStat(t, "crumb_alive", "BACKEND", "stot"))
	for _, name := range servers {
		s.lbCommand(t, "disable server crumb/"+name)
	}
	for _, path := range []string{"/", "/products/baguette", "/cart"} {
		if status, _ := fetch(t, http.DefaultClient, http.MethodGet, s.lb+path, nil, nil); status != http.StatusOK {
			t.Errorf("%s with no instance ready = %d", path, status)
		}
	}
	after, _ := strconv.Atoi(s.lbStat(t, "crumb_alive", "BACKEND", "stot"))
	if after-before != 3 {
		t.Errorf("the fallback backend served %d of the 3 pages", after-before)
	}
	for _, name := range servers {
		s.lbCommand(t, "enable server crumb/"+name)
	}
	for _, name := range servers {
		if !within(5*time.Second, func() bool { return s.lbStat(t, "crumb", name, "status") == "UP" }) {
			t.Fatalf("%s did not come back", name)
		}
	}
}

// TestChangesOnOneInstanceAreSeenByTheNext: what one instance changes,
// another sees at its very next request, with no wait in between: a cart
// changed on A is the cart B shows, on the web and in the app; signing
// out everywhere on B ends a session and an app token on A; the back
// office disabling an account on A ends its session and token on B; an
// account deleted from the app on A is refused on B.
func TestChangesOnOneInstanceAreSeenByTheNext(t *testing.T) {
	s := scaledShop(t)
	a, b := s.instances[0], s.instances[1]
	baguette := s.productID(t, "baguette")
	loginWith := func(base, email, pass string) *browser {
		t.Helper()
		w := newBrowser(t)
		if status, body := w.post(base, "/login", url.Values{"email": {email}, "password": {pass}}); status != http.StatusSeeOther {
			t.Fatalf("sign-in at %s = %d: %s", base, status, body)
		}
		return w
	}
	login := func(base, email string) *browser { t.Helper(); return loginWith(base, email, password) }
	refused := func(what string, status int) {
		t.Helper()
		if status != http.StatusUnauthorized {
			t.Errorf("%s = %d at the next request, want 401", what, status)
		}
	}

	// The cart.
	cartEmail := newEmail("cart")
	shopper := newApp(t, a, cartEmail)
	if status, body := shopper.addToCart(a, baguette, 2); status != http.StatusOK {
		t.Fatalf("add on A = %d: %s", status, body)
	}
	if status, body := shopper.call(http.MethodGet, b+"/api/v1/cart", "", nil); status != http.StatusOK || !strings.Contains(body, `"quantity":2`) {
		t.Errorf("B's cart after A's change = %d: %s", status, body)
	}
	web := login(a, cartEmail)
	if status, _ := web.post(a, "/cart/items", url.Values{"product_id": {strconv.Itoa(int(baguette))}, "quantity": {"1"}}); status != http.StatusSeeOther {
		t.Fatalf("add on A's page = %d", status)
	}
	if _, page := web.get(b + "/cart"); !strings.Contains(page, `value="3"`) {
		t.Error("B's cart page does not show the 3 baguettes A's page made")
	}

	// Signing out everywhere on B.
	other := login(a, cartEmail)
	if status, _ := web.post(b, "/account/security/revoke-all", url.Values{"password": {password}}); status >= 400 {
		t.Fatalf("sign out everywhere on B = %d", status)
	}
	if other.signedIn(a) {
		t.Error("A still serves a session B signed out everywhere")
	}
	status, _ := shopper.call(http.MethodGet, a+"/api/v1/me", "", nil)
	refused("A's answer to an app token B signed out", status)

	// Disabling on A, in the back office.
	disabledEmail := newEmail("disabled")
	app := newApp(t, b, disabledEmail)
	page := login(b, disabledEmail)
	owner := loginWith(a, "owner@crumb.test", "owner-bakes-daily") // made by scripts/scaled.sh
	var id uint
	if err := s.db.Raw("SELECT id FROM users WHERE email = ?", disabledEmail).Row().Scan(&id); err != nil {
		t.Fatal(err)
	}
	if status, body := owner.post(a, "/admin/customers/"+strconv.Itoa(int(id))+"/disable", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("disable on A = %d: %s", status, body)
	}
	if page.signedIn(b) {
		t.Error("B still serves a session of the account A disabled")
	}
	status, _ = app.call(http.MethodGet, b+"/api/v1/me", "", nil)
	refused("B's answer to an app token of the account A disabled", status)

	// Deleting the account from the app on A.
	leavingEmail := newEmail("leaving")
	leaving := newApp(t, a, leavingEmail)
	there := login(b, leavingEmail)
	if status, body := leaving.call(http.MethodDelete, a+"/api/v1/me", "", map[string]string{"password": password}); status != http.StatusNoContent {
		t.Fatalf("delete on A = %d: %s", status, body)
	}
	if there.signedIn(b) {
		t.Error("B still serves a session of the account deleted on A")
	}
	status, _ = leaving.call(http.MethodGet, b+"/api/v1/me", "", nil)
	refused("B's answer to an app token of the account deleted on A", status)
}

// TestKillingAnInstanceLosesNothing: nine app shoppers browse and buy
// through the balancer for five seconds; after one and a half, one
// instance is killed with SIGKILL. Every page view succeeds (the balancer
// sends a GET again when its instance dies mid-answer). A purchase the
// dying instance was answering gets no answer (a 502, or its connection
// closed) and is sent again by the app, with the same Idempotency-Key for
// an order, as apps do; no request fails once the balancer has taken the
// instance out. Nothing is lost:
// every order acknowledged is in the database exactly once, there is no
// order nobody was told about, and the stock went down by exactly what
// those orders hold.
func TestKillingAnInstanceLosesNothing(t *testing.T) {
	s := scaledShop(t)
	const slug, workers, stock = "pretzel", 9, 100000
	id := s.productID(t, slug)
	s.setStock(t, slug, stock)
	apps := make([]*app, workers)
	emails := make([]string, workers)
	for i := range apps {
		emails[i] = newEmail("burst")
		apps[i] = newApp(t, s.lb, emails[i])
	}

	type failure struct {
		at   time.Time
		what string
	}
	type outcome struct {
		requests int
		retried  []failure // no answer, or 502-504 from the balancer: sent again
		failed   []failure // anything else that went wrong
		orders   []string
	}
	start := time.Now()
	killAt, stopAt := start.Add(1500*time.Millisecond), start.Add(5*time.Second)
	killed := make(chan time.Time, 1)
	pid := s.pid(t, 1)
	go func() {
		time.Sleep(time.Until(killAt))
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Errorf("kill instance 2: %v", err)
		}
		killed <- time.Now()
		t.Logf("killed instance 2 (pid %d) with SIGKILL", pid)
	}()
	outcomes := make([]outcome, workers)
	var wg sync.WaitGroup
	for w, a := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := &outcomes[w]
			browse := func(url string, call func() (int, string)) {
				o.requests++
				if status, body := call(); status != http.StatusOK {
					o.failed = append(o.failed, failure{time.Now(), "GET " + url + ": " + strconv.Itoa(status) + " " + body})
				}
			}
			// send retries what the balancer could not deliver.
			send := func(what string, call func() (int, string)) (int, string) {
				for {
					o.requests++
					status, body := call()
					switch status {
					case 0, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
						o.retried = append(o.retried, failure{time.Now(), what + ": " + strconv.Itoa(status) + " " + body})
						if len(o.retried) > 10 {
							return status, body
						}
						time.Sleep(100 * time.Millisecond)
						continue
					}
					return status, body
				}
			}
			for time.Now().Before(stopAt) {
				browse("/api/v1/products", func() (int, string) {
					return a.call(http.MethodGet, s.lb+"/api/v1/products?per_page=5", "", nil)
				})
				browse("/products/"+slug, func() (int, string) {
					return fetch(t, http.DefaultClient, http.MethodGet, s.lb+"/products/"+slug, nil, nil)
				})
				if status, body := send("add to cart", func() (int, string) { return a.addToCart(s.lb, id, 1) }); status != http.StatusOK {
					o.failed = append(o.failed, failure{time.Now(), "add to cart: " + strconv.Itoa(status) + " " + body})
					continue
				}
				key := secret.Hex(8)
				status, body := send("order", func() (int, string) {
					return a.call(http.MethodPost, s.lb+"/api/v1/orders", key, order)
				})
				if status != http.StatusCreated {
					o.failed = append(o.failed, failure{time.Now(), "order: " + strconv.Itoa(status) + " " + body})
					continue
				}
				o.orders = append(o.orders, orderNumber(t, body))
			}
		}()
	}
	wg.Wait()
	killedAt := <-killed

	acknowledged := map[string]bool{}
	requests, retried := 0, 0
	for _, o := range outcomes {
		requests += o.requests
		retried += len(o.retried)
		for _, f := range o.failed {
			t.Errorf("%v after the kill: %s", f.at.Sub(killedAt).Round(time.Millisecond), f.what)
		}
		for _, f := range o.retried {
			if f.at.Before(killedAt) || f.at.After(killedAt.Add(3*time.Second)) {
				t.Errorf("%v after the kill, the balancer could not deliver a request: %s", f.at.Sub(killedAt).Round(time.Millisecond), f.what)
			}
		}
		for _, number := range o.orders {
			if acknowledged[number] {
				t.Errorf("order %s acknowledged twice", number)
			}
			acknowledged[number] = true
		}
	}
	t.Logf("%d requests, %d orders, %d sent again after the balancer could not answer", requests, len(acknowledged), retried)
	if len(acknowledged) < workers {
		t.Fatalf("only %d orders were placed in five seconds", len(acknowledged))
	}

	var rows []struct {
		Number   string
		Quantity int
	}
	err := s.db.Raw(`SELECT o.number, l.quantity FROM orders o
		JOIN order_lines l ON l.order_id = o.id JOIN users u ON u.id = o.user_id
		WHERE u.email IN ? AND l.product_id = ?`, emails, id).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	taken := 0
	for _, r := range rows {
		taken += r.Quantity
		if !acknowledged[r.Number] {
			t.Errorf("order %s is in the database but nobody was told", r.Number)
		}
	}
	if len(rows) != len(acknowledged) {
		t.Errorf("%d orders in the database, %d acknowledged", len(rows), len(acknowledged))
	}
	if left := s.stock(t, slug); stock-left != taken {
		t.Errorf("the stock went down by %d; the orders hold %d", stock-left, taken)
	}
	if status := s.lbStat(t, "crumb", "crumb2", "status"); !strings.HasPrefix(status, "DOWN") {
		t.Errorf("the balancer still counts the killed instance as %s", status)
	}
}
