package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"crumb/internal/shopper"
)

// The demo account that SEED_DEMO creates.
const (
	demoEmail    = "demo@crumb.test"
	demoPassword = "fresh-bread-daily"
)

var productIDField = regexp.MustCompile(`name="product_id" value="(\d+)"`)

// productID reads a product's id from its page.
func productID(s *shopper.Shopper, slug string) (uint, error) {
	res, err := s.Get("/products/" + slug)
	if err != nil {
		return 0, err
	}
	m := productIDField.FindStringSubmatch(res.Body)
	if m == nil {
		return 0, fmt.Errorf("no add-to-cart form on /products/%s (status %d)", slug, res.Status)
	}
	id, err := strconv.ParseUint(m[1], 10, 32)
	return uint(id), err
}

// prepare makes the browsers and the app sign-in the wrk loads replay, and
// writes what they send: guest.cookie (a guest with a baguette and two
// butter croissants in the cart cookie), member.cookie (the demo account
// signed in, with the same two lines in its database cart), their Korean
// twins guest-ko.cookie and member-ko.cookie (the same, with the language
// switch set to Korean; the demo account itself stays English) and token
// (an access token for the demo account). scripts/bench.sh proves each
// with curl before loading it.
func prepare(base, out string) error {
	client := shopper.Client(4)
	guest := shopper.New(base, client, nil)
	baguette, err := productID(guest, "baguette")
	if err != nil {
		return err
	}
	croissant, err := productID(guest, "butter-croissant")
	if err != nil {
		return err
	}
	fill := func(s *shopper.Shopper) error {
		if err := s.AddToCart(baguette, 1); err != nil {
			return err
		}
		return s.AddToCart(croissant, 2)
	}
	if err := fill(guest); err != nil {
		return err
	}

	member := shopper.New(base, client, nil)
	if err := member.SignIn(demoEmail, demoPassword, false); err != nil {
		return err
	}
	if err := member.EmptyCart(); err != nil {
		return err
	}
	if err := fill(member); err != nil {
		return err
	}
	if _, err := member.CSRF(); err != nil { // a page view, as a browser would have made
		return err
	}

	korean := shopper.New(base, client, nil)
	if res, err := korean.Post("/language", url.Values{"lang": {"ko"}, "next": {"/"}}); err != nil || korean.Cookies["crumb_lang"] == "" {
		return fmt.Errorf("choosing Korean: status %d: %v", res.Status, err)
	}
	if err := fill(korean); err != nil {
		return err
	}
	memberKorean := member.CookieHeader() + "; crumb_lang=" + korean.Cookies["crumb_lang"]

	token, err := accessToken(base, client)
	if err != nil {
		return err
	}
	files := map[string]string{
		"guest.cookie":     guest.CookieHeader(),
		"member.cookie":    member.CookieHeader(),
		"guest-ko.cookie":  korean.CookieHeader(),
		"member-ko.cookie": memberKorean,
		"token":            token,
	}
	for name, value := range files {
		if err := os.WriteFile(filepath.Join(out, name), []byte(value+"\n"), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// accessToken signs the demo account in through the API.
func accessToken(base string, client *http.Client) (string, error) {
	res, err := client.Post(base+"/api/v1/auth/token", "application/json",
		strings.NewReader(`{"email":"`+demoEmail+`","password":"`+demoPassword+`"}`))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&pair); err != nil || res.StatusCode != http.StatusOK || pair.AccessToken == "" {
		return "", fmt.Errorf("API sign-in: status %d: %v", res.StatusCode, err)
	}
	return pair.AccessToken, nil
}
