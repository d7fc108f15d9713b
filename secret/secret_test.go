package secret

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestTokensAreRandomAndSized(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok := Token(32)
		raw, err := base64.RawURLEncoding.Strict().DecodeString(tok)
		if err != nil || len(raw) != 32 || len(tok) != 43 {
			t.Fatalf("Token(32) = %q (%d bytes, %v)", tok, len(raw), err)
		}
		if seen[tok] {
			t.Fatal("Token repeated a value")
		}
		seen[tok] = true
	}
	if h := Hex(8); len(h) != 16 || h == Hex(8) {
		t.Errorf("Hex(8) = %q", h)
	}
}

func TestHash(t *testing.T) {
	// SHA-256 of "abc", from FIPS 180-2.
	if got := Hash("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("Hash(abc) = %s", got)
	}
}

func TestIsHash(t *testing.T) {
	if !IsHash(Hash("abc")) {
		t.Error("a Hash is not a hash")
	}
	for _, bad := range []string{"", "a\x00", "\xff", Hash("abc")[:63], Hash("abc") + "0", strings.ToUpper(Hash("abc")), Hash("abc")[:63] + "g"} {
		if IsHash(bad) {
			t.Errorf("IsHash(%q)", bad)
		}
	}
}
