// Command crumbload prepares and runs the loads of scripts/bench.sh that
// wrk cannot express: it signs shoppers in and fills their carts (writing
// the Cookie and Authorization headers wrk sends), places orders as fast
// as 64 shoppers can, and restores sessions from remember-me cookies, each
// request presenting the newest cookie of its device. Every run checks its
// own claims and exits non-zero when they do not hold.
//
//	crumbload prepare  -base URL -out DIR
//	crumbload checkout -base URL -db SQLITE_FILE|POSTGRES_URL [-c 64] [-d 10s]
//	crumbload remember -base URL [-c 64] [-d 10s]
//	crumbload schema   create|drop -db POSTGRES_URL [-name SCHEMA]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: crumbload prepare|checkout|remember|schema [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	base := fs.String("base", "", "the server's base URL")
	out := fs.String("out", ".", "prepare: where to write the headers")
	db := fs.String("db", "", "checkout: the SQLite file or postgres:// URL the server uses; schema: the Postgres URL")
	conns := fs.Int("c", 64, "concurrent shoppers")
	dur := fs.Duration("d", 10*time.Second, "how long to load")
	name := fs.String("name", "", "schema: the schema's name")
	args := os.Args[2:]
	var verb string
	if os.Args[1] == "schema" && len(args) > 0 {
		verb, args = args[0], args[1:]
	}
	_ = fs.Parse(args)

	var err error
	switch os.Args[1] {
	case "prepare":
		err = prepare(*base, *out)
	case "checkout":
		err = checkout(*base, *db, *conns, *dur)
	case "remember":
		err = remember(*base, *conns, *dur)
	case "schema":
		err = schema(verb, *db, *name)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crumbload:", err)
		os.Exit(1)
	}
}
