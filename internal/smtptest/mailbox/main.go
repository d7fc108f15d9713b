// Command mailbox is a mail server for runs of Crumb that send real mail
// (scripts/scaled.sh): it accepts every message over plain SMTP, keeps it,
// and shows it as JSON, so the e2e suite can follow a password reset link
// when /dev/mail does not exist (in production).
//
//	mailbox -smtp 127.0.0.1:2525 -http 127.0.0.1:8025
//
// Port 0 (the default) takes a free port; the addresses taken are printed
// on the first two lines, "smtp HOST:PORT" and "http HOST:PORT".
//
// GET /messages?to=ADDRESS lists the messages sent to ADDRESS, newest
// first, each with its subject, plain text and HTML.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"

	"crumb/internal/smtptest"
)

type message struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

func main() {
	smtpAddr := flag.String("smtp", "127.0.0.1:0", "where to accept mail")
	httpAddr := flag.String("http", "127.0.0.1:0", "where to show it")
	flag.Parse()
	server, err := smtptest.Listen(*smtpAddr)
	if err != nil {
		log.Fatalf("mailbox: %v", err)
	}
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		log.Fatalf("mailbox: %v", err)
	}
	fmt.Printf("smtp %s\nhttp %s\n", server.Addr, ln.Addr())
	http.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		to := strings.ToLower(r.URL.Query().Get("to"))
		out := []message{}
		for _, m := range slices.Backward(server.Messages()) {
			if slices.ContainsFunc(m.To, func(rcpt string) bool { return strings.ToLower(rcpt) == to }) {
				out = append(out, message{m.Subject, m.Text, m.HTML})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	log.Fatal(http.Serve(ln, nil))
}
