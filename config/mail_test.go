package config

import (
	"strings"
	"testing"
)

func TestProductionRequiresAMailServer(t *testing.T) {
	tests := []struct {
		name, drop, want string
	}{
		{"no SMTP_URL", "SMTP_URL", "SMTP_URL"},
		{"no MAIL_FROM", "MAIL_FROM", "MAIL_FROM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := withSecrets(map[string]string{"APP_ENV": "production", "DATA_DIR": t.TempDir()})
			delete(vars, tt.drop)
			_, err := Parse(env(vars), discard())
			if err == nil {
				t.Fatal("production started without a way to send mail")
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "config: "+tt.want+":") || strings.Contains(msg, "\n") {
				t.Errorf("error %q is not one line naming %s", msg, tt.want)
			}
		})
	}
	t.Run("both set", func(t *testing.T) {
		cfg, err := Parse(env(withSecrets(map[string]string{"APP_ENV": "production", "DATA_DIR": t.TempDir()})), discard())
		if err != nil {
			t.Fatal(err)
		}
		if cfg.SMTPURL != "smtp://crumb:pw@mail.example.com:587" || cfg.MailFrom != "Crumb <orders@crumb.example>" {
			t.Errorf("SMTP_URL %q, MAIL_FROM %q", cfg.SMTPURL, cfg.MailFrom)
		}
	})
}

func TestDevelopmentKeepsMailWithoutAServer(t *testing.T) {
	vars := withSecrets(map[string]string{"DATA_DIR": t.TempDir()})
	delete(vars, "SMTP_URL")
	delete(vars, "MAIL_FROM")
	cfg, err := Parse(env(vars), discard())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTPURL != "" || cfg.MailFrom != DefaultMailFrom {
		t.Errorf("development: SMTP_URL %q, MAIL_FROM %q; want none and %q", cfg.SMTPURL, cfg.MailFrom, DefaultMailFrom)
	}
}

func TestMailSettings(t *testing.T) {
	good := []string{"smtp://localhost:1025", "smtp://user:p%40ss@mail.example.com:587", "smtps://user:pass@mail.example.com", "smtp://[::1]:2525"}
	for _, v := range good {
		cfg, err := Parse(env(withSecrets(map[string]string{"SMTP_URL": v})), discard())
		if err != nil || cfg.SMTPURL != v {
			t.Errorf("SMTP_URL=%s: %q, %v", v, cfg.SMTPURL, err)
		}
	}
	bad := []struct{ key, value string }{
		{"SMTP_URL", "mail.example.com:587"},
		{"SMTP_URL", "http://mail.example.com"},
		{"SMTP_URL", "smtp://"},
		{"SMTP_URL", "smtp://mail.example.com:port"},
		{"SMTP_URL", "smtp://mail.example.com:70000"},
		{"SMTP_URL", "smtp://mail.example.com/inbox"},
		{"MAIL_FROM", "Crumb"},
		{"MAIL_FROM", "orders@"},
	}
	for _, tt := range bad {
		_, err := Parse(env(withSecrets(map[string]string{tt.key: tt.value})), discard())
		if err == nil || !strings.HasPrefix(err.Error(), "config: "+tt.key+":") {
			t.Errorf("%s=%s: err = %v, want one naming %s", tt.key, tt.value, err, tt.key)
		}
	}
}
