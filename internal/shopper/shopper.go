// Package shopper drives a running Crumb over HTTP the way a browser does:
// it keeps cookies (honouring deletion), fills in form tokens, signs in,
// fills a cart and checks out. The load generator and the soak suite use
// it against the real binary.
package shopper

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Password is the password shoppers made by these tools sign up with.
const Password = "rye-and-butter-42"

// Stats counts the answers a group of shoppers received, by class.
type Stats struct {
	Requests  atomic.Int64
	ServerErr atomic.Int64 // 5xx
	Failed    atomic.Int64 // no answer at all (connection refused, reset, timeout)
}

// Shopper is one browser: its cookies and the client it talks through.
type Shopper struct {
	Base    string
	Cookies map[string]string
	Headers http.Header // sent with every request
	Stats   *Stats
	client  *http.Client
	csrf    [2]string // the form token, and the cookies it was read under
}

// New is a browser with no cookies talking to base. Shoppers sharing
// client share its connections; stats may be nil.
func New(base string, client *http.Client, stats *Stats) *Shopper {
	if stats == nil {
		stats = &Stats{}
	}
	return &Shopper{Base: base, Cookies: map[string]string{}, Headers: http.Header{}, Stats: stats, client: client}
}

// Client is an HTTP client that never follows redirects, for shoppers.
func Client(conns int) *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Response is an answer with its body read.
type Response struct {
	Status   int
	Body     string
	Header   http.Header
	Took     time.Duration
	Location string
}

// Do sends req with this browser's cookies and keeps those it is given.
func (s *Shopper) Do(req *http.Request) (Response, error) {
	for k, v := range s.Headers {
		req.Header[k] = v
	}
	if h := s.CookieHeader(); h != "" {
		req.Header.Set("Cookie", h)
	}
	start := time.Now()
	res, err := s.client.Do(req)
	s.Stats.Requests.Add(1)
	if err != nil {
		s.Stats.Failed.Add(1)
		return Response{}, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		s.Stats.Failed.Add(1)
		return Response{}, err
	}
	if res.StatusCode >= 500 {
		s.Stats.ServerErr.Add(1)
	}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(s.Cookies, c.Name)
		} else {
			s.Cookies[c.Name] = c.Value
		}
	}
	return Response{Status: res.StatusCode, Body: string(body), Header: res.Header, Took: time.Since(start), Location: res.Header.Get("Location")}, nil
}

// Get loads path.
func (s *Shopper) Get(path string) (Response, error) {
	req, err := http.NewRequest(http.MethodGet, s.Base+path, nil)
	if err != nil {
		return Response{}, err
	}
	return s.Do(req)
}

// CookieHeader is the Cookie header this browser sends, in a stable order.
func (s *Shopper) CookieHeader() string {
	names := make([]string, 0, len(s.Cookies))
	for n := range s.Cookies {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + s.Cookies[n]
	}
	return strings.Join(parts, "; ")
}

// CloseBrowser drops the cookies that end with the browser.
func (s *Shopper) CloseBrowser() {
	delete(s.Cookies, "crumb_session")
	delete(s.Cookies, "crumb_csrf")
}

var (
	csrfField   = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	tokenField  = regexp.MustCompile(`name="checkout_token" value="([^"]+)"`)
	quoteField  = regexp.MustCompile(`name="quote" value="([^"]*)"`)
	orderNumber = regexp.MustCompile(`^/orders/(CR-[A-Z0-9]+)$`)
)

// CSRF is this browser's form token, read from a product page once for
// each form-token secret and session the browser holds.
func (s *Shopper) CSRF() (string, error) {
	under := s.Cookies["crumb_csrf"] + "|" + s.Cookies["crumb_session"]
	if s.csrf[0] != "" && s.csrf[1] == under {
		return s.csrf[0], nil
	}
	res, err := s.Get("/products/baguette")
	if err != nil {
		return "", err
	}
	m := csrfField.FindStringSubmatch(res.Body)
	if m == nil {
		return "", fmt.Errorf("no form token on the product page (status %d)", res.Status)
	}
	s.csrf = [2]string{m[1], s.Cookies["crumb_csrf"] + "|" + s.Cookies["crumb_session"]}
	return m[1], nil
}

// Post submits a form, adding this browser's form token unless form has one.
func (s *Shopper) Post(path string, form url.Values) (Response, error) {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		token, err := s.CSRF()
		if err != nil {
			return Response{}, err
		}
		form.Set("_csrf", token)
	}
	return s.PostRaw(path, "application/x-www-form-urlencoded", form.Encode())
}

// PostRaw sends body as it is, with contentType.
func (s *Shopper) PostRaw(path, contentType, body string) (Response, error) {
	req, err := http.NewRequest(http.MethodPost, s.Base+path, strings.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Content-Type", contentType)
	return s.Do(req)
}

// expect turns an answer other than want into an error naming what was done.
func expect(what string, res Response, err error, want int) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if res.Status != want {
		return fmt.Errorf("%s: status %d, want %d", what, res.Status, want)
	}
	return nil
}

// SignUp creates an account; the browser is signed in after.
func (s *Shopper) SignUp(name, email string, remember bool) error {
	form := url.Values{"name": {name}, "email": {email}, "password": {Password}}
	if remember {
		form.Set("remember_me", "1")
	}
	res, err := s.Post("/signup", form)
	return expect("sign up "+email, res, err, http.StatusSeeOther)
}

// SignIn signs in with email and password, ticking "keep me signed in"
// when remember is true.
func (s *Shopper) SignIn(email, password string, remember bool) error {
	form := url.Values{"email": {email}, "password": {password}}
	if remember {
		form.Set("remember_me", "1")
	}
	res, err := s.Post("/login", form)
	return expect("sign in "+email, res, err, http.StatusSeeOther)
}

// SignedInAs reports whether /account greets this browser as name.
func (s *Shopper) SignedInAs(name string) (bool, error) {
	res, err := s.Get("/account")
	if err != nil {
		return false, err
	}
	return res.Status == http.StatusOK && strings.Contains(res.Body, "Hello, "+name), nil
}

// ErrRefused is an add to cart the shop refused with what to fix (sold
// out, short of stock, a full line): a correct answer, not a failure.
var ErrRefused = errors.New("add to cart: refused (422)")

// AddToCart puts qty of product id in the cart.
func (s *Shopper) AddToCart(id uint, qty int) error {
	res, err := s.Post("/cart/items", url.Values{"product_id": {strconv.FormatUint(uint64(id), 10)}, "quantity": {strconv.Itoa(qty)}})
	if err == nil && res.Status == http.StatusUnprocessableEntity {
		return ErrRefused
	}
	return expect("add to cart", res, err, http.StatusSeeOther)
}

var removeForm = regexp.MustCompile(`action="/cart/items/(\d+)"`)

// EmptyCart removes every line of the cart.
func (s *Shopper) EmptyCart() error {
	res, err := s.Get("/cart")
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, m := range removeForm.FindAllStringSubmatch(res.Body, -1) {
		if seen[m[1]] {
			continue
		}
		seen[m[1]] = true
		res, err := s.Post("/cart/items/"+m[1], url.Values{"quantity": {"0"}})
		if err := expect("remove a cart line", res, err, http.StatusSeeOther); err != nil {
			return err
		}
	}
	return nil
}

// ErrConflict is a checkout refused because stock ran short or a price
// changed: a correct answer under load, not a failure.
var ErrConflict = errors.New("checkout: stock or prices changed")

// Checkout places an order for the signed-in cart and returns its number.
func (s *Shopper) Checkout() (string, error) {
	page, err := s.Get("/checkout")
	if err := expect("checkout page", page, err, http.StatusOK); err != nil {
		return "", err
	}
	csrf, token, quote := csrfField.FindStringSubmatch(page.Body), tokenField.FindStringSubmatch(page.Body), quoteField.FindStringSubmatch(page.Body)
	if token == nil && !strings.Contains(page.Body, `class="summary-total"`) {
		return "", ErrConflict // every line sold out since the cart was filled: nothing to check out
	}
	if csrf == nil || token == nil || quote == nil {
		return "", errors.New("checkout page without its form")
	}
	res, err := s.Post("/checkout", url.Values{
		"_csrf": {csrf[1]}, "checkout_token": {token[1]}, "quote": {quote[1]},
		"name": {"Soak Shopper"}, "phone": {"+1 555 0100"}, "address1": {"1 Flour St"},
		"postal_code": {"10001"}, "country": {"US"}, "payment_method": {"cod"},
	})
	if err != nil {
		return "", fmt.Errorf("place order: %w", err)
	}
	if res.Status == http.StatusConflict {
		return "", ErrConflict
	}
	m := orderNumber.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		return "", fmt.Errorf("place order: status %d, location %q", res.Status, res.Location)
	}
	return m[1], nil
}
