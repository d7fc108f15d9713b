# Crumb: run the store, and check it the way CI does.
.PHONY: run test vet e2e chromium bench

run:
	go run .

test: vet
	go test -race -count=1 ./...
	$(MAKE) e2e

vet:
	go vet ./...

# The Playwright suite builds and starts its own server; see e2e/playwright.config.ts.
e2e: chromium e2e/node_modules/.package-lock.json
	cd e2e && npx playwright test

chromium:
	scripts/ensure-chromium.sh

# npm ci only when the dependencies are missing or the lockfile changed.
e2e/node_modules/.package-lock.json: e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund

bench:
	go test -run '^$$' -bench . -benchmem ./...
