// Package soak holds the suites that run the real binary for a long time
// or break it on purpose: mixed load with its books checked afterwards, a
// SIGKILL during checkout and a restart on the same data, and hostile
// input. `make test` runs each for seconds; `make soak` for minutes
// (SOAK_DURATION). The code is in the tests.
package soak
