package cookies_test

import (
	"strings"
	"testing"

	"crumb/cookies"
)

func TestRegistry(t *testing.T) {
	all := cookies.All()
	if len(all) != cookies.Count {
		t.Fatalf("All lists %d cookies, Count says %d", len(all), cookies.Count)
	}
	seen := map[string]bool{}
	for i, spec := range all {
		t.Run(spec.Name, func(t *testing.T) {
			if !strings.HasPrefix(spec.Name, "crumb_") {
				t.Errorf("name %q does not start with crumb_", spec.Name)
			}
			if seen[spec.Name] {
				t.Errorf("name %q is registered twice", spec.Name)
			}
			seen[spec.Name] = true
			if spec.Budget <= 0 || spec.Budget >= cookies.MaxBytes {
				t.Errorf("Budget = %d, want between 1 and %d", spec.Budget, cookies.MaxBytes-1)
			}
			if spec.Budget < len(cookies.HostPrefix+spec.Name)+50 {
				t.Errorf("Budget = %d leaves no room for a sealed value after the name", spec.Budget)
			}
			if spec.MaxAge < 0 {
				t.Errorf("MaxAge = %v", spec.MaxAge)
			}
			if !spec.HTTPOnly {
				t.Errorf("%s is readable by script; nothing in Crumb needs that", spec.Name)
			}
			if got := cookies.Name(i).Spec(); got != spec {
				t.Errorf("Name(%d).Spec() = %+v, want %+v", i, got, spec)
			}
		})
	}

	want := []string{"crumb_cart", "crumb_popup_hidden", "crumb_email", "crumb_session", "crumb_remember", "crumb_csrf", "crumb_lang"}
	var got []string
	for _, spec := range all {
		got = append(got, spec.Name)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("registered cookies = %v, want exactly %v (the e2e suite and the mobile app use these names)", got, want)
	}
	for n, name := range map[cookies.Name]string{
		cookies.Cart: "crumb_cart", cookies.PopupHidden: "crumb_popup_hidden", cookies.Email: "crumb_email",
		cookies.Session: "crumb_session", cookies.Remember: "crumb_remember", cookies.CSRF: "crumb_csrf",
	} {
		if n.Spec().Name != name {
			t.Errorf("Name %d is %q, want %q", n, n.Spec().Name, name)
		}
	}
}

func TestRegistryLifetimes(t *testing.T) {
	const day = 24 * 60 * 60
	tests := []struct {
		n       cookies.Name
		seconds int // 0: ends with the browser
	}{
		{cookies.Cart, 30 * day},
		{cookies.Email, 365 * day},
		{cookies.Remember, 30 * day},
		{cookies.Session, 0},
		{cookies.CSRF, 0},
	}
	for _, tt := range tests {
		if got := int(tt.n.Spec().MaxAge.Seconds()); got != tt.seconds {
			t.Errorf("%s MaxAge = %ds, want %ds", tt.n.Spec().Name, got, tt.seconds)
		}
	}
	// The popup lives until the next local midnight: never a full day
	// longer than the longest day there is (25 h on a DST change).
	if p := cookies.PopupHidden.Spec().MaxAge.Hours(); p < 25 || p > 26 {
		t.Errorf("crumb_popup_hidden MaxAge = %vh, want 25h", p)
	}
}
