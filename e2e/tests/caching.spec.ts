import type { CDPSession, Page } from '@playwright/test';
import { expect, section, test } from './storefront';

// What Crumb leaves to the HTTP cache: fingerprinted assets are fresh for a
// year and never refetched; HTML is always revalidated with its ETag.

const STYLESHEET = /^\/static\/css\/app\.[0-9a-f]{8,}\.css$/;

/** One request as Chromium's network layer saw it. */
interface Seen {
  url: string;
  type?: string;
  /** The headers that went on the wire; absent when nothing went out. */
  sentHeaders?: Record<string, string>;
  servedFromCache: boolean;
  fromDiskCache?: boolean;
  status?: number;
}

/** Records every request of a page through the DevTools protocol, in order. */
class NetworkLog {
  private readonly seen = new Map<string, Seen>();
  private readonly order: string[] = [];

  static async attach(page: Page): Promise<NetworkLog> {
    const log = new NetworkLog();
    const cdp: CDPSession = await page.context().newCDPSession(page);
    cdp.on('Network.requestWillBeSent', (e) => {
      if (!log.seen.has(e.requestId)) log.order.push(e.requestId);
      log.seen.set(e.requestId, { url: e.request.url, type: e.type, servedFromCache: false });
    });
    cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
      log.entry(e.requestId).sentHeaders = lowerCaseKeys(e.headers);
    });
    cdp.on('Network.requestServedFromCache', (e) => {
      log.entry(e.requestId).servedFromCache = true;
    });
    cdp.on('Network.responseReceived', (e) => {
      const entry = log.entry(e.requestId);
      entry.fromDiskCache = e.response.fromDiskCache;
      entry.status = e.response.status;
    });
    await cdp.send('Network.enable');
    return log;
  }

  private entry(requestId: string): Seen {
    let entry = this.seen.get(requestId);
    if (!entry) {
      entry = { url: '', servedFromCache: false };
      this.seen.set(requestId, entry);
      this.order.push(requestId);
    }
    return entry;
  }

  /** A position in the log, to look only at what happened after it. */
  mark(): number {
    return this.order.length;
  }

  /** The requests since a mark whose path matches. */
  since(mark: number, path: RegExp | string): Seen[] {
    return this.order
      .slice(mark)
      .map((id) => this.seen.get(id)!)
      .filter((entry) => {
        if (!entry.url) return false;
        const { pathname } = new URL(entry.url);
        return typeof path === 'string' ? pathname === path : path.test(pathname);
      });
  }
}

function lowerCaseKeys(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

function fromCache(entry: Seen): boolean {
  return entry.servedFromCache || entry.fromDiskCache === true;
}

test('the stylesheet is fingerprinted, cached for a year and not fetched again', async ({ page }) => {
  const log = await NetworkLog.attach(page);

  const stylesheetResponse = page.waitForResponse((r) => STYLESHEET.test(new URL(r.url()).pathname));
  await page.goto('/');
  const stylesheet = await stylesheetResponse;
  const href = await page.locator('head link[rel="stylesheet"][href*="/static/css/app."]').getAttribute('href');
  expect(href).toMatch(STYLESHEET);
  expect(new URL(stylesheet.url()).pathname).toBe(href);

  expect(stylesheet.status()).toBe(200);
  const cacheControl = stylesheet.headers()['cache-control'] ?? '';
  expect(cacheControl).toContain('immutable');
  expect(cacheControl).toContain('max-age=31536000');

  const firstView = log.since(0, STYLESHEET);
  expect(firstView.length, 'the first view loads the stylesheet').toBeGreaterThan(0);
  expect(firstView.every(fromCache), 'the first view fetches the stylesheet from the server').toBe(false);

  // A second page view, reached as a shopper would: by following a link.
  const mark = log.mark();
  await section(page, 'Shop by category').getByRole('link', { name: 'Bread', exact: true }).click();
  await expect(page).toHaveURL(/\/products\?category=bread$/);
  await page.waitForLoadState('load');

  const secondView = log.since(mark, STYLESHEET);
  expect(secondView.length, 'the second view uses the stylesheet too').toBeGreaterThan(0);
  for (const entry of secondView) {
    expect(fromCache(entry), `${entry.url} should come from the browser cache`).toBe(true);
    expect(entry.sentHeaders, `${entry.url} should not go to the network`).toBeUndefined();
  }
});

test('HTML is revalidated with its ETag on every view', async ({ page }) => {
  const log = await NetworkLog.attach(page);

  const home = await page.goto('/');
  expect(home?.status()).toBe(200);
  const etag = home?.headers()['etag'];
  expect(etag, 'the home page carries an ETag').toBeTruthy();
  expect(home?.headers()['cache-control'] ?? '').not.toContain('immutable');

  await section(page, 'Shop by category').getByRole('link', { name: 'Bread', exact: true }).click();
  await expect(page).toHaveURL(/\/products\?category=bread$/);

  // Back home by a link: the browser holds a copy of "/" but must ask the server first.
  const mark = log.mark();
  await page.locator('header').getByRole('link', { name: 'Crumb home' }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.waitForLoadState('load');

  const revisit = log.since(mark, '/').filter((entry) => entry.type === 'Document');
  expect(revisit).toHaveLength(1);
  const [document] = revisit;
  expect(fromCache(document), 'the page must not be taken from the cache unasked').toBe(false);
  expect(document.sentHeaders, 'the browser asks the server').toBeDefined();
  expect(document.sentHeaders?.['if-none-match'], 'the browser revalidates with the ETag').toBe(etag);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Crumb');
});
