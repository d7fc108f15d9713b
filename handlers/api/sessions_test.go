package api_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"crumb/i18n"
	"crumb/internal/apptest"
	"crumb/models"
	"crumb/sessions"
)

// User-Agents of the places an account signs in from, each its own label.
const (
	firefoxUA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	safariUA  = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"
	phoneUA   = "Crumb/2.4 (iPhone; iOS 19.1)"
)

type apiSignIn struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Label      string `json:"label"`
	CreatedAt  string `json:"created_at"`
	LastSeenAt string `json:"last_seen_at"`
	IP         string `json:"ip"`
	Current    bool   `json:"current"`
}

// signIns is GET /api/v1/me/sessions with an access token.
func signIns(t *testing.T, ta *apptest.App, access string) []apiSignIn {
	t.Helper()
	res := call(ta, fiber.MethodGet, "/api/v1/me/sessions", nil, access)
	if res.StatusCode != fiber.StatusOK {
		t.Fatalf("sessions = %d: %s", res.StatusCode, res.Text)
	}
	var list struct {
		Items []apiSignIn `json:"items"`
	}
	res.decode(t, &list)
	return list.Items
}

// signInsOf keeps the items of kind labelled label.
func signInsOf(items []apiSignIn, kind, label string) []apiSignIn {
	var out []apiSignIn
	for _, s := range items {
		if s.Kind == kind && s.Label == label {
			out = append(out, s)
		}
	}
	return out
}

// onlyOne is the one item of kind labelled label.
func onlyOne(t *testing.T, items []apiSignIn, kind, label string) apiSignIn {
	t.Helper()
	found := signInsOf(items, kind, label)
	if len(found) != 1 {
		t.Fatalf("%d %s sign-ins labelled %q in %+v", len(found), kind, label, items)
	}
	return found[0]
}

// current is the one item marked current.
func current(t *testing.T, items []apiSignIn) apiSignIn {
	t.Helper()
	var out []apiSignIn
	for _, s := range items {
		if s.Current {
			out = append(out, s)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d current sign-ins in %+v, want 1", len(out), items)
	}
	return out[0]
}

// endSignIn is DELETE /api/v1/me/sessions/{id}.
func endSignIn(ta *apptest.App, access, id string, opts ...apiOption) apiResponse {
	ta.T.Helper()
	return call(ta, fiber.MethodDelete, "/api/v1/me/sessions/"+id, nil, access, opts...)
}

// browserWith is a browser sending User-Agent ua.
func browserWith(ta *apptest.App, ua string) *apptest.Browser {
	b := ta.Browser()
	b.Headers.Set(fiber.HeaderUserAgent, ua)
	return b
}

// everywhere is an account signed in in four places: a browser (web), a
// browser kept signed in (kept: a web session and a remembered device),
// and two phones (phone, the app this test speaks for, and tablet).
type everywhere struct {
	appUser
	kept   *apptest.Browser
	phone  tokenPair
	tablet tokenPair
}

func signInEverywhere(t *testing.T, ta *apptest.App, name string) everywhere {
	t.Helper()
	email := strings.ToLower(name) + "@example.com"
	b := browserWith(ta, firefoxUA)
	b.SignUpVerified(name, email, apptest.Password, nil)
	u := appUser{b: b, email: email, pair: signInApp(t, ta, email, apptest.Password, withHeader(fiber.HeaderUserAgent, phoneUA))}
	ta.Clock.Advance(time.Minute)
	kept := browserWith(ta, safariUA)
	if res := kept.LogIn(u.email, apptest.Password, url.Values{"remember_me": {"1"}}); res.StatusCode != fiber.StatusSeeOther {
		t.Fatalf("sign-in kept = %d", res.StatusCode)
	}
	ta.Clock.Advance(time.Minute)
	tablet := signInApp(t, ta, u.email, apptest.Password, withHeader(fiber.HeaderUserAgent, "Crumb/2.4 (iPad; iPadOS 19.1)"))
	return everywhere{appUser: u, kept: kept, phone: u.pair, tablet: tablet}
}

var utcStamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// TestAPISignInsList: the account's browsers, remembered devices and
// app sign-ins, in that order, the devices page's list; the one the
// access token belongs to is current, and no id gives away a session,
// cookie or token.
func TestAPISignInsList(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		e := signInEverywhere(t, ta, "Sia")
		e.b.SignedIn() // the first browser is the most recently seen

		items := signIns(t, ta, e.phone.AccessToken)
		var kinds []string
		for _, s := range items {
			kinds = append(kinds, s.Kind)
			if !strings.HasPrefix(s.ID, s.Kind+"-") || s.IP == "" || s.Label == "" || !utcStamp.MatchString(s.CreatedAt) || !utcStamp.MatchString(s.LastSeenAt) {
				t.Errorf("sign-in %+v", s)
			}
		}
		if got := strings.Join(kinds, " "); got != "web web remembered app app" {
			t.Fatalf("kinds %q, want web web remembered app app", got)
		}
		firefox, safari := sessions.DeviceLabel(firefoxUA), sessions.DeviceLabel(safariUA)
		if items[0].Label != firefox || items[1].Label != safari || items[2].Label != safari {
			t.Errorf("browsers %q, %q and device %q, want %q first (seen last), then %q", items[0].Label, items[1].Label, items[2].Label, firefox, safari)
		}
		// The phone is current, and listed after the tablet, used since.
		mine := current(t, items)
		if mine != items[4] || mine.Label != "Crumb app" || items[3].Current {
			t.Errorf("current %+v in %+v", mine, items)
		}
		if !utcTime(t, items[3].CreatedAt).After(utcTime(t, mine.CreatedAt)) {
			t.Errorf("the tablet signed in at %s, not after the phone at %s", items[3].CreatedAt, mine.CreatedAt)
		}
		// With the tablet's token, the tablet is current.
		if theirs := current(t, signIns(t, ta, e.tablet.AccessToken)); theirs.ID != items[3].ID {
			t.Errorf("the tablet's current sign-in is %+v, want %+v", theirs, items[3])
		}
		// A refreshed pair is the same sign-in.
		e.phone = refreshed(t, ta, e.phone.RefreshToken)
		if again := current(t, signIns(t, ta, e.phone.AccessToken)); again.ID != mine.ID {
			t.Errorf("after a refresh the current sign-in is %q, want %q", again.ID, mine.ID)
		}

		// In Korean, the same sign-ins, each named in Korean.
		res := call(ta, fiber.MethodGet, "/api/v1/me/sessions", nil, e.phone.AccessToken, inLanguage("ko"))
		speaks(t, res, "ko")
		var korean struct {
			Items []apiSignIn `json:"items"`
		}
		res.decode(t, &korean)
		if len(korean.Items) != len(items) {
			t.Fatalf("%d sign-ins in Korean, %d in English", len(korean.Items), len(items))
		}
		for i, s := range korean.Items {
			if s.ID != items[i].ID || s.Label != i18n.Device(models.Korean, items[i].Label) || !hangul(s.Label) {
				t.Errorf("in Korean %+v, in English %+v", s, items[i])
			}
		}

		// Nothing that signs in is in the list.
		res = call(ta, fiber.MethodGet, "/api/v1/me/sessions", nil, e.phone.AccessToken)
		for name, secret := range map[string]string{
			"session cookie": e.b.Cookies["crumb_session"].Value, "kept session cookie": e.kept.Cookies["crumb_session"].Value,
			"remember-me cookie": e.kept.Cookies["crumb_remember"].Value, "refresh token": e.phone.RefreshToken, "tablet's refresh token": e.tablet.RefreshToken,
		} {
			if strings.Contains(res.Text, secret) || strings.Contains(res.Text, secret[:16]) {
				t.Errorf("the list shows the %s", name)
			}
		}

		// The devices page lists the same sign-ins, by the same names.
		page := e.b.Get("/account/security").Text
		if n := strings.Count(page, `<li class="device`); n != len(items) {
			t.Errorf("the devices page lists %d sign-ins, the API %d", n, len(items))
		}
		for _, s := range items[1:] { // the first is the page's own browser, which it does not offer to sign out
			_, key, _ := strings.Cut(s.ID, "-")
			if !strings.Contains(page, `name="id" value="`+key+`"`) {
				t.Errorf("the devices page does not offer to end %s", s.ID)
			}
		}
		if !strings.Contains(page, "IP "+items[0].IP) {
			t.Errorf("the devices page does not show %s", items[0].IP)
		}
	})
}

// TestAPIEndSignIn: each kind of sign-in ends alone, as the devices
// page's buttons end it; anything that is not one of the account's
// sign-ins is 404 and ends nothing.
func TestAPIEndSignIn(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		e := signInEverywhere(t, ta, "Tao")
		other := newAppUser(t, ta, "Vic")
		access := e.phone.AccessToken
		items := signIns(t, ta, access)
		safari := sessions.DeviceLabel(safariUA)

		// A browser: signed out at its next request, the others not.
		web := onlyOne(t, items, "web", sessions.DeviceLabel(firefoxUA))
		if res := endSignIn(ta, access, web.ID); res.StatusCode != fiber.StatusNoContent || res.Text != "" {
			t.Fatalf("end %s = %d %q", web.ID, res.StatusCode, res.Text)
		}
		if e.b.SignedIn() {
			t.Error("the ended browser is still signed in")
		}
		if !e.kept.SignedIn() {
			t.Error("ending one browser signed another out")
		}
		endSignIn(ta, access, web.ID).problem(t, fiber.StatusNotFound)

		// A remembered device: its browser keeps its session, but once
		// closed it is not signed back in.
		device := onlyOne(t, items, "remembered", safari)
		if res := endSignIn(ta, access, device.ID); res.StatusCode != fiber.StatusNoContent {
			t.Fatalf("end %s = %d", device.ID, res.StatusCode)
		}
		if !e.kept.SignedIn() {
			t.Error("forgetting the device signed its open browser out")
		}
		e.kept.CloseBrowser()
		if e.kept.SignedIn() {
			t.Error("the forgotten device signed back in")
		}
		endSignIn(ta, access, device.ID).problem(t, fiber.StatusNotFound)

		// An app sign-in: its refresh token stops at once, its access
		// token when it expires; the other phone's keeps working.
		tablet := items[3]
		if res := endSignIn(ta, access, tablet.ID); res.StatusCode != fiber.StatusNoContent {
			t.Fatalf("end %s = %d", tablet.ID, res.StatusCode)
		}
		refreshApp(ta, e.tablet.RefreshToken).problem(t, fiber.StatusUnauthorized)
		endSignIn(ta, access, tablet.ID).problem(t, fiber.StatusNotFound)
		ta.Clock.Advance(16 * time.Minute)
		if me(ta, e.tablet.AccessToken) != fiber.StatusUnauthorized {
			t.Error("the ended sign-in's access token outlived its 15 minutes")
		}
		e.phone = refreshed(t, ta, e.phone.RefreshToken)
		access = e.phone.AccessToken
		left := signIns(t, ta, access)
		if len(left) != 2 || left[0].Kind != "web" || left[0].Label != safari || left[1].ID != items[4].ID || !left[1].Current {
			t.Errorf("left: %+v", left)
		}

		// Another account's sign-ins, and ids that cannot be any.
		other.pair = refreshed(t, ta, other.pair.RefreshToken)
		theirs := signIns(t, ta, other.pair.AccessToken)
		for _, id := range []string{
			theirs[0].ID, theirs[1].ID,
			"web-abc", "web-" + strings.Repeat("A", 64), "web-" + strings.Repeat("a", 65), "web-",
			"app-0", "app-01", "app--1", "app-+1", "app-abc", "app-99999999999999999999", "app-4294967296", "app-999999",
			"remembered-0", "remembered-x", "session-1", "device-1", "nonsense", "-1", "app", "app-1%00", "web-%FF",
		} {
			p := endSignIn(ta, access, id).problem(t, fiber.StatusNotFound)
			if p.Detail != "You have no sign-in with that id; it may have ended already." {
				t.Errorf("%s: %+v", id, p)
			}
		}
		if !other.b.SignedIn() || me(ta, refreshed(t, ta, other.pair.RefreshToken).AccessToken) != fiber.StatusOK {
			t.Error("ending another account's sign-ins touched them")
		}
		if got := signIns(t, ta, access); len(got) != 2 {
			t.Errorf("refused ends changed the list: %+v", got)
		}
		// In Korean.
		p := endSignIn(ta, access, "app-999999", inLanguage("ko")).problem(t, fiber.StatusNotFound)
		if !hangul(p.Title) || !hangul(p.Detail) {
			t.Errorf("Korean 404: %+v", p)
		}
	})
}

// TestAPIEndEverySignIn: every browser, remembered device and app
// sign-in ends, and every access token issued until now, this one too,
// is refused at once.
func TestAPIEndEverySignIn(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		e := signInEverywhere(t, ta, "Uma")
		other := newAppUser(t, ta, "Wes")
		res := call(ta, fiber.MethodDelete, "/api/v1/me/sessions", nil, e.phone.AccessToken)
		if res.StatusCode != fiber.StatusNoContent || res.Text != "" {
			t.Fatalf("end every sign-in = %d %q", res.StatusCode, res.Text)
		}
		for name, access := range map[string]string{"this app's": e.phone.AccessToken, "the tablet's": e.tablet.AccessToken} {
			if me(ta, access) != fiber.StatusUnauthorized {
				t.Errorf("%s access token still works", name)
			}
		}
		refreshApp(ta, e.phone.RefreshToken).problem(t, fiber.StatusUnauthorized)
		refreshApp(ta, e.tablet.RefreshToken).problem(t, fiber.StatusUnauthorized)
		e.kept.CloseBrowser()
		if e.b.SignedIn() || e.kept.SignedIn() {
			t.Error("a browser is still signed in")
		}
		if !other.b.SignedIn() || me(ta, other.pair.AccessToken) != fiber.StatusOK {
			t.Error("another account was signed out")
		}
		// Signing in again starts afresh: one sign-in, this one.
		fresh := signInApp(t, ta, e.email, apptest.Password)
		if items := signIns(t, ta, fresh.AccessToken); len(items) != 1 || !items[0].Current || items[0].Kind != "app" {
			t.Errorf("after signing in again: %+v", items)
		}
	})
}

// changePassword is PUT /api/v1/me/password.
func changePassword(ta *apptest.App, access, current, next string, opts ...apiOption) apiResponse {
	ta.T.Helper()
	return call(ta, fiber.MethodPut, "/api/v1/me/password", map[string]string{"current_password": current, "new_password": next}, access, opts...)
}

// TestAPIChangePassword: the new password is the one that works; every
// other sign-in ends, this app's earlier tokens too; this app goes on
// with the answer's pair; the "password changed" email is queued.
func TestAPIChangePassword(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		e := signInEverywhere(t, ta, "Pia")
		const next = "walnut-and-rye-77"
		res := changePassword(ta, e.phone.AccessToken, apptest.Password, next, withHeader(fiber.HeaderUserAgent, phoneUA))
		if res.StatusCode != fiber.StatusOK {
			t.Fatalf("change = %d: %s", res.StatusCode, res.Text)
		}
		var pair tokenPair
		res.decode(t, &pair)
		if pair.AccessToken == e.phone.AccessToken || pair.RefreshToken == e.phone.RefreshToken || pair.TokenType != "Bearer" {
			t.Errorf("pair = %+v", pair)
		}

		// Everything from before is refused, this app's tokens included.
		for name, access := range map[string]string{"this app's old": e.phone.AccessToken, "the tablet's": e.tablet.AccessToken} {
			if me(ta, access) != fiber.StatusUnauthorized {
				t.Errorf("%s access token still works", name)
			}
		}
		refreshApp(ta, e.phone.RefreshToken).problem(t, fiber.StatusUnauthorized)
		refreshApp(ta, e.tablet.RefreshToken).problem(t, fiber.StatusUnauthorized)
		e.kept.CloseBrowser()
		if e.b.SignedIn() || e.kept.SignedIn() {
			t.Error("a browser is still signed in")
		}

		// The new pair works, and is the one sign-in left.
		if me(ta, pair.AccessToken) != fiber.StatusOK {
			t.Error("the new access token is refused")
		}
		if items := signIns(t, ta, pair.AccessToken); len(items) != 1 || !items[0].Current || items[0].Label != "Crumb app" {
			t.Errorf("sign-ins after the change: %+v", items)
		}
		pair = refreshed(t, ta, pair.RefreshToken)

		mail := ta.MailTo(e.email, models.MailPasswordChanged)
		if len(mail) != 1 || !strings.Contains(mail[0], "was changed") {
			t.Errorf("password changed emails: %q", mail)
		}
		call(ta, fiber.MethodPost, "/api/v1/auth/token", map[string]string{"email": e.email, "password": apptest.Password}, "").problem(t, fiber.StatusUnauthorized)
		signInApp(t, ta, e.email, next)
		web := ta.Browser()
		web.LogIn(e.email, next, nil)
		if !web.SignedIn() {
			t.Error("the new password does not sign in on the website")
		}
	})
}

// TestAPIChangePasswordRefusals: a wrong current password is 403, a new
// one that breaks a rule 422, an unreadable body 400, 413 or 415; in each
// case nothing changes. Wrong passwords count against the sign-in limits.
func TestAPIChangePasswordRefusals(t *testing.T) {
	apptest.EachDatabase(t, func(t *testing.T, ta *apptest.App) {
		u := newAppUser(t, ta, "Rio")
		tablet := signInApp(t, ta, u.email, apptest.Password)
		access := u.pair.AccessToken

		p := changePassword(ta, access, "not-the-password-1", "walnut-and-rye-77").problem(t, fiber.StatusForbidden)
		if joinFields(p.fields()) != "current_password" || p.Title != "Wrong password" || p.Errors[0].Message != "Your current password is wrong." {
			t.Errorf("wrong current: %+v", p)
		}
		p = changePassword(ta, access, "not-the-password-1", "walnut-and-rye-77", inLanguage("ko")).problem(t, fiber.StatusForbidden)
		if p.Title != "비밀번호가 맞지 않아요" || p.Errors[0].Message != "현재 비밀번호가 맞지 않습니다." {
			t.Errorf("wrong current in Korean: %+v", p)
		}
		for _, tt := range []struct {
			next, words string
		}{
			{"short", "at least 8"},
			{strings.Repeat("p", 129), "128"},
			{"qwerty123", "too common"},
			{"rye-and-\x07butter", ""},
			{"", "at least 8"},
		} {
			p := changePassword(ta, access, apptest.Password, tt.next).problem(t, fiber.StatusUnprocessableEntity)
			if joinFields(p.fields()) != "new_password" || !strings.Contains(p.Errors[0].Message, tt.words) {
				t.Errorf("new password %q: %+v", tt.next, p)
			}
		}
		for _, tt := range []struct {
			body   any
			status int
		}{
			{jsonBody(`{"current_password":"rye-and-butter-42","new_password":"walnut-and-rye-77","confirm":"walnut-and-rye-77"}`), 400},
			{jsonBody(`{"current_password":"rye-and-butter-42","new_password":77}`), 400},
			{rawBody{fiber.MIMEApplicationForm, "current_password=rye-and-butter-42&new_password=walnut-and-rye-77"}, 415},
			{jsonBody(`{"current_password":"rye-and-butter-42","new_password":"` + strings.Repeat("p", 17<<10) + `"}`), 413},
		} {
			call(ta, fiber.MethodPut, "/api/v1/me/password", tt.body, access).problem(t, tt.status)
		}

		// Nothing changed: every sign-in works, the old password signs in,
		// no email went.
		if me(ta, access) != fiber.StatusOK || !u.b.SignedIn() {
			t.Error("a refused change signed something out")
		}
		tablet = refreshed(t, ta, tablet.RefreshToken)
		signInApp(t, ta, u.email, apptest.Password)
		if n := len(ta.MailTo(u.email, models.MailPasswordChanged)); n != 0 {
			t.Errorf("%d password changed emails after refusals", n)
		}

		// Guessing: wrong current passwords count with failed sign-ins of
		// the account from this address; once the limit is reached even
		// the right one waits, in the app's sign-in too.
		ta.Clock.Advance(time.Minute)
		for i := range 10 {
			if res := changePassword(ta, access, "guess-number-"+apptest.Itoa(uint(i)), "walnut-and-rye-77"); res.StatusCode != fiber.StatusForbidden {
				t.Fatalf("guess %d = %d: %s", i+1, res.StatusCode, res.Text)
			}
		}
		res := changePassword(ta, access, apptest.Password, "walnut-and-rye-77")
		res.problem(t, fiber.StatusTooManyRequests)
		if res.Header.Get(fiber.HeaderRetryAfter) == "" {
			t.Error("a 429 without Retry-After")
		}
		call(ta, fiber.MethodPost, "/api/v1/auth/token", map[string]string{"email": u.email, "password": apptest.Password}, "").problem(t, fiber.StatusTooManyRequests)
		ta.Clock.Advance(61 * time.Second)
		if res := changePassword(ta, access, apptest.Password, "walnut-and-rye-77"); res.StatusCode != fiber.StatusOK {
			t.Errorf("a minute later = %d: %s", res.StatusCode, res.Text)
		}
	})
}
