package admin_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"crumb/database"
	"crumb/internal/apptest"
)

// owner is a browser signed in, with the password just now, as the
// development owner account (an admin).
func owner(t *testing.T, ta *apptest.App) *apptest.Browser {
	t.Helper()
	b := ta.Browser()
	if res := b.LogIn(database.OwnerEmail, database.OwnerPassword, nil); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("owner sign-in = %d", res.StatusCode)
	}
	return b
}

// pngImage is a small PNG picture of one colour.
func pngImage(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	for x := range 4 {
		for y := range 3 {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postMultipart submits a form with a file, as the product form does,
// with this browser's form token.
func postMultipart(t *testing.T, b *apptest.Browser, path string, fields url.Values, filename string, file []byte) apptest.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if _, ok := fields["_csrf"]; !ok {
		fields.Set("_csrf", csrfOf(t, b))
	}
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	if filename != "" {
		part, err := w.CreateFormFile("image", filename)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = part.Write(file)
	}
	_ = w.Close()
	req := httptest.NewRequest(fiber.MethodPost, path, &body)
	req.Header.Set(fiber.HeaderContentType, w.FormDataContentType())
	return b.Do(req)
}

// csrfOf is this browser's form token, read from a back-office page (a
// signed-in browser's token is tied to its session).
func csrfOf(t *testing.T, b *apptest.Browser) string {
	t.Helper()
	m := apptest.CSRFField.FindStringSubmatch(b.Get("/admin").Text)
	if m == nil {
		m = apptest.CSRFField.FindStringSubmatch(b.Get("/products/baguette").Text)
	}
	if m == nil {
		t.Fatal("no form token")
	}
	return m[1]
}

var imageURL = regexp.MustCompile(`/static/uploads/[0-9a-f]{64}\.(png|jpg|webp|svg)`)

func has(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// signInAppOf signs the app in as email and returns its access token.
func signInAppOf(t *testing.T, ta *apptest.App, email string) string {
	t.Helper()
	res := ta.Browser().PostJSON("/api/v1/auth/token", map[string]string{"email": email, "password": apptest.Password})
	m := regexp.MustCompile(`"access_token":"([^"]+)"`).FindStringSubmatch(res.Text)
	if m == nil {
		t.Fatalf("app sign-in = %d: %s", res.StatusCode, res.Text)
	}
	return m[1]
}
