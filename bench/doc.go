// Package bench measures what one request costs inside Crumb, without the
// network: the Go benchmarks in cost_test.go (the cookie cart, a server
// session on the database and on Redis, an access token, whole pages with
// their database queries counted) and the bytes a session takes in each
// store. scripts/bench.sh and bench/crumbload measure the real binary
// under load; bench/results.md holds a run of both.
package bench
