# Crumb: run the store, and check it the way CI does.
.PHONY: run test vet fuzz e2e e2e-typecheck chromium bench soak scaled e2e-scaled

run:
	go run .

# The tests run against a real Postgres and Redis: the local ones unless
# these say otherwise. (A bare go test without them skips just those tests.)
export TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

test: vet
	go test -race -count=1 ./...
	$(MAKE) fuzz
	$(MAKE) e2e

vet:
	go vet ./...

# A short run of each fuzz target (FUZZTIME each): hostile cookie values,
# remember-me cookies, access tokens and form bodies must never panic, be
# accepted when forged, or cause a 5xx; typed text the checker takes never
# holds a control character.
FUZZTIME ?= 5s
FUZZ_TARGETS = cookies:FuzzDecodeCart cookies:FuzzJarOpen tokens:FuzzAccessVerify \
	handlers/web:FuzzRememberCookie handlers/web:FuzzForms models:FuzzCheckText
fuzz:
	@set -e; for target in $(FUZZ_TARGETS); do \
		echo "fuzz: $${target#*:} for $(FUZZTIME)"; \
		go test -run '^$$' -fuzz "^$${target#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./$${target%%:*}; \
	done

# The Playwright suite builds and starts its own server; see e2e/playwright.config.ts.
e2e: chromium e2e-typecheck
	cd e2e && npx playwright test

# The specs type-check against the API client generated from
# handlers/api/openapi.json, generated anew each time so it never lags the
# document.
e2e-typecheck: e2e/node_modules/.package-lock.json
	cd e2e && npm run --silent typecheck

chromium:
	scripts/ensure-chromium.sh

# npm ci only when the dependencies are missing or the lockfile changed.
e2e/node_modules/.package-lock.json: e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund

# Throughput and latency of every load against its target, each proved
# before it is measured (see bench/results.md; BENCH_SECONDS per load,
# default 10).
bench:
	scripts/bench.sh

# Crumb scaled out on this machine: three instances behind HAProxy on a fresh
# database in the Postgres of TEST_DATABASE_URL and the Redis of TEST_REDIS_URL
# (see scripts/scaled.sh). Prints the address; Ctrl-C stops everything.
scaled:
	scripts/scaled.sh

# The Playwright suite through the balancer, then the Go tests of the scaled
# setup (deploy/, build tag scaled): first a rolling restart of the three
# instances under load (about 30 s), last an instance killed.
e2e-scaled: chromium e2e/node_modules/.package-lock.json
	AUTH_ATTEMPTS_PER_MINUTE=1000 scripts/scaled.sh -- sh -c \
	  'cd e2e && CRUMB_E2E_BASE_URL="$$CRUMB_SCALED_URL" CRUMB_E2E_MAILBOX_URL="$$CRUMB_SCALED_MAILBOX" npx playwright test && cd .. && go test -count=1 -v -tags scaled ./deploy'

# Five minutes of mixed load, a SIGKILL during checkout on SQLite and on
# Postgres, hostile input, then 30 s of each fuzz target. make test runs
# the same suites for seconds.
SOAK_DURATION ?= 5m
soak:
	SOAK_DURATION=$(SOAK_DURATION) go test -count=1 -timeout 60m -v ./soak
	$(MAKE) fuzz FUZZTIME=30s
