package config

import (
	"strings"
	"testing"
	"time"
)

// TestOrderRetention: a deleted account's orders stay five years unless
// ORDER_RETENTION says another whole number of years; anything else is
// refused at start, naming the setting.
func TestOrderRetention(t *testing.T) {
	const year = 365 * 24 * time.Hour
	cfg, err := Parse(env(withSecrets(nil)), discard())
	if err != nil || cfg.OrderRetention != 5*year {
		t.Fatalf("default = %v, %v; want 5 years", cfg.OrderRetention, err)
	}
	cfg, err = Parse(env(withSecrets(map[string]string{"ORDER_RETENTION": "10y"})), discard())
	if err != nil || cfg.OrderRetention != 10*year {
		t.Fatalf("10y = %v, %v", cfg.OrderRetention, err)
	}
	for _, bad := range []string{"5", "0y", "-1y", "5 years", "43800h", "y"} {
		_, err := Parse(env(withSecrets(map[string]string{"ORDER_RETENTION": bad})), discard())
		if err == nil || !strings.Contains(err.Error(), "ORDER_RETENTION") {
			t.Errorf("%q: err = %v, want one naming ORDER_RETENTION", bad, err)
		}
	}
}
