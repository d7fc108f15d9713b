import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig, devices } from '@playwright/test';

// Every run gets its own server: a fresh binary, a free port and an empty data
// directory, so the demo catalog is seeded from scratch and no state leaks in
// from a developer's ./data. Worker processes load this file again; they
// inherit the environment of the runner, so the values below are chosen once.
//
// With CRUMB_E2E_BASE_URL set, the suite runs against that address instead and
// starts nothing: make e2e-scaled points it at a load balancer in front of three
// instances (scripts/scaled.sh), which must likewise start from a fresh database
// with the demo catalog and AUTH_ATTEMPTS_PER_MINUTE=1000.

function freePort(): string {
  const probe =
    'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})';
  return execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).trim();
}

// The directory is removed by the runner that made it, once the server has stopped.
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'crumb-e2e-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const external = process.env.CRUMB_E2E_BASE_URL;
const port = external ? '' : (process.env.CRUMB_E2E_PORT ??= freePort());
const dataDir = external ? '' : (process.env.CRUMB_E2E_DATA_DIR ??= freshDataDir());
const baseURL = external ?? `http://127.0.0.1:${port}`;

// Debian's Chromium, headless; CHROMIUM_PATH may name another binary.
const browser = {
  ...devices['Desktop Chrome'],
  headless: true,
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  },
};

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 2,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      // The back office changes the catalog every shopper's spec sees (a new
      // product shifts the listing's pages), so its spec runs after them.
      testIgnore: /admin\.spec\.ts$/,
      use: browser,
    },
    {
      name: 'back office',
      testMatch: /admin\.spec\.ts$/,
      dependencies: ['chromium'],
      use: browser,
    },
  ],
  webServer: external ? undefined : {
    command: 'go build -o e2e/.bin/crumb . && exec ./e2e/.bin/crumb',
    cwd: '..',
    url: `${baseURL}/readyz`,
    env: {
      PORT: port,
      DATA_DIR: dataDir,
      APP_ENV: 'development',
      BASE_URL: baseURL,
      // Every spec signs in from the same address; the 10-a-minute limit
      // itself is proved by the Go tests.
      AUTH_ATTEMPTS_PER_MINUTE: '1000',
      LOG_LEVEL: 'warn',
      // No balancer waits on this one server: it stops at once.
      SHUTDOWN_GRACE: '0s',
    },
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
  },
});
