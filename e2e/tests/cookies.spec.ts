import type { Cookie, Page, Response } from '@playwright/test';
import { cartCount, expect, storeCookie, storeCookies, test, todaysOffer } from './storefront';

// What Crumb keeps in cookies, seen from a real browser: the guest cart,
// the "don't show this today" choice and the cookie policy page that lists
// what this browser holds. Every test runs in its own browser context.

const CART = 'crumb_cart';
const POPUP_HIDDEN = 'crumb_popup_hidden';
const CSRF = 'crumb_csrf';
const ALL_COOKIES = [CART, POPUP_HIDDEN, 'crumb_email', 'crumb_lang', 'crumb_session', 'crumb_remember', CSRF];

const DAY = 24 * 60 * 60 * 1000;

/** The row of the cart page's table for one product, found by its name. */
function cartLine(page: Page, name: string) {
  return page.locator('table.cart-table tbody tr').filter({ has: page.getByRole('link', { name, exact: true }) });
}

/** The POST of a form to path, as the browser sent it. */
function formPost(page: Page, path: string | RegExp): Promise<Response> {
  return page.waitForResponse(
    (r) =>
      r.request().method() === 'POST' &&
      (typeof path === 'string' ? new URL(r.url()).pathname === path : path.test(new URL(r.url()).pathname)),
  );
}

/**
 * Adds a product from its page with the page's script running: the header
 * count changes and the browser stays on the product page.
 */
async function addWithScript(page: Page, slug: string, quantity: number): Promise<void> {
  await page.goto(`/products/${slug}`);
  const before = Number(await cartCount(page).textContent());
  const form = page.locator('main form[action="/cart/items"]');
  await form.getByLabel('Quantity', { exact: true }).fill(String(quantity));
  await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
  const posted = formPost(page, '/cart/items');
  await form.getByRole('button', { name: 'Add to cart' }).click();
  expect((await posted).status()).toBe(200);
  await expect(cartCount(page)).toHaveText(String(before + quantity));
  await expect(form.getByRole('status')).toHaveText('Added to your cart.');
  expect(new URL(page.url()).pathname).toBe(`/products/${slug}`);
  expect(
    await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere),
    'the page was not reloaded',
  ).toBe(true);
}

/** Adds a product from its page without script: the form posts and the browser lands on /cart. */
async function addWithoutScript(page: Page, slug: string, quantity: number): Promise<void> {
  await page.goto(`/products/${slug}`);
  const form = page.locator('main form[action="/cart/items"]');
  await form.getByLabel('Quantity', { exact: true }).fill(String(quantity));
  const posted = formPost(page, '/cart/items');
  await form.getByRole('button', { name: 'Add to cart' }).click();
  const response = await posted;
  expect(response.status(), 'the form post is answered with a redirect').toBe(303);
  expect(await response.headerValue('location')).toBe('/cart');
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
}

/** The price the product page shows, e.g. "$3.50". */
async function priceOf(page: Page, slug: string): Promise<string> {
  await page.goto(`/products/${slug}`);
  return ((await page.locator('main p.price').first().textContent()) ?? '').trim();
}

/** The browser's cookie, which must exist. */
async function mustHold(page: Page, name: string): Promise<Cookie> {
  const cookie = await storeCookie(page, name);
  expect(cookie, `the browser should hold ${name}`).toBeDefined();
  return cookie!;
}

/** Whether the browser holds the cookie, for polling. */
async function holds(page: Page, name: string): Promise<boolean> {
  return (await storeCookie(page, name)) !== undefined;
}

/** The bytes of a base64url value, as Latin-1 text (empty if it is not base64url). */
function decodedText(value: string): string {
  return /^[A-Za-z0-9_-]*$/.test(value) ? Buffer.from(value, 'base64url').toString('latin1') : '';
}

// ---------------------------------------------------------------------------
// Time zones

/** The wall-clock time in zone at instant, as if it were UTC (milliseconds). */
function wallClock(zone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const field = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return (
    Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second')) +
    (instant % 1000)
  );
}

/** How far zone's wall clock is ahead of UTC at instant. */
function utcOffset(zone: string, instant: number): number {
  return wallClock(zone, instant) - instant;
}

/**
 * The instant of the next midnight in zone after now. The offset at that
 * midnight may differ from the offset now (a DST change tonight), so it is
 * looked up at the midnight itself, twice to settle.
 */
function nextMidnight(zone: string, now: number): number {
  const today = new Date(wallClock(zone, now));
  const midnightWall = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1);
  let instant = midnightWall - utcOffset(zone, now);
  for (let i = 0; i < 2; i++) instant = midnightWall - utcOffset(zone, instant);
  return instant;
}

// ---------------------------------------------------------------------------
// The guest cart outlives the browser

test('a guest cart survives the browser closing', async ({ browser, context, page }) => {
  const baguettePrice = await priceOf(page, 'baguette');
  const macaronsPrice = await priceOf(page, 'macarons');

  await addWithScript(page, 'baguette', 2);
  await addWithScript(page, 'macarons', 1);
  await expect(cartCount(page)).toHaveText('3');

  const cart = await mustHold(page, CART);
  expect(cart.httpOnly, `${CART} is HttpOnly`).toBe(true);
  expect(cart.sameSite).toBe('Lax');
  expect(cart.path).toBe('/');
  expect(cart.expires, `${CART} outlives the browser`).toBeGreaterThan(0);
  expect(Math.abs(cart.expires * 1000 - (Date.now() + 30 * DAY)), 'expires in 30 days').toBeLessThan(60_000);
  for (const secret of ['Baguette', 'Macarons', baguettePrice, macaronsPrice, baguettePrice.replace('$', '')]) {
    expect(cart.value.toLowerCase(), `${CART} must not carry "${secret}"`).not.toContain(secret.toLowerCase());
    expect(decodedText(cart.value).toLowerCase(), `${CART} must not carry "${secret}"`).not.toContain(
      secret.toLowerCase(),
    );
  }

  // Closing the browser drops every cookie that has no expiry; keep only the others.
  const state = await context.storageState();
  await context.close();
  const reopened = await browser.newContext({
    storageState: { ...state, cookies: state.cookies.filter((cookie) => cookie.expires > 0) },
  });
  try {
    const again = await reopened.newPage();
    await again.goto('/cart');
    await expect(cartCount(again)).toHaveText('3');
    await expect(cartLine(again, 'Baguette').getByLabel('Quantity of Baguette')).toHaveValue('2');
    await expect(cartLine(again, 'Baguette')).toContainText(baguettePrice);
    await expect(cartLine(again, 'Macarons').getByLabel('Quantity of Macarons')).toHaveValue('1');
    await expect(cartLine(again, 'Macarons')).toContainText(macaronsPrice);
    await expect(again.locator('table.cart-table tbody tr')).toHaveCount(2);
  } finally {
    await reopened.close();
  }
});

// ---------------------------------------------------------------------------
// The cart without JavaScript

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the cart is added to, changed and emptied with plain forms', async ({ page }) => {
    await addWithoutScript(page, 'baguette', 2);
    await expect(cartLine(page, 'Baguette').getByLabel('Quantity of Baguette')).toHaveValue('2');
    await expect(cartCount(page)).toHaveText('2');

    await addWithoutScript(page, 'macarons', 1);
    await expect(page.locator('table.cart-table tbody tr')).toHaveCount(2);
    await expect(cartCount(page)).toHaveText('3');

    // Change one line's quantity.
    const baguette = cartLine(page, 'Baguette');
    await baguette.getByLabel('Quantity of Baguette').fill('5');
    let posted = formPost(page, /^\/cart\/items\/\d+$/);
    await baguette.getByRole('button', { name: 'Update' }).click();
    expect((await posted).status()).toBe(303);
    await expect(page).toHaveURL(/\/cart$/);
    await expect(cartLine(page, 'Baguette').getByLabel('Quantity of Baguette')).toHaveValue('5');
    await expect(cartLine(page, 'Macarons').getByLabel('Quantity of Macarons')).toHaveValue('1');
    await expect(cartCount(page)).toHaveText('6');
    await expect(page.locator('table.cart-table tfoot')).toContainText('6 items');

    // Remove one line, then the other.
    posted = formPost(page, /^\/cart\/items\/\d+$/);
    await page.getByRole('button', { name: 'Remove Macarons' }).click();
    expect((await posted).status()).toBe(303);
    await expect(cartLine(page, 'Macarons')).toHaveCount(0);
    await expect(cartLine(page, 'Baguette')).toHaveCount(1);
    await expect(cartCount(page)).toHaveText('5');

    await page.getByRole('button', { name: 'Remove Baguette' }).click();
    await expect(page).toHaveURL(/\/cart$/);
    await expect(page.getByText('Your cart is empty')).toBeVisible();
    await expect(page.locator('table.cart-table')).toHaveCount(0);
    await expect(cartCount(page)).toHaveText('0');
  });

  test('an invalid quantity is refused with a message and the cart is left as it was', async ({ page }) => {
    await addWithoutScript(page, 'baguette', 2);
    const before = (await mustHold(page, CART)).value;

    for (const quantity of ['0', '100']) {
      await page.goto('/products/macarons');
      const form = page.locator('main form[action="/cart/items"]');
      // The browser would refuse these itself; take the limits off as a hand-made request would.
      await form.getByLabel('Quantity', { exact: true }).evaluate((input: HTMLInputElement, value) => {
        input.removeAttribute('min');
        input.removeAttribute('max');
        input.value = value;
      }, quantity);
      const posted = formPost(page, '/cart/items');
      await form.getByRole('button', { name: 'Add to cart' }).click();
      const response = await posted;
      expect(response.status(), `quantity ${quantity} is refused`).toBe(422);

      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
      const alert = page.getByRole('alert');
      await expect(alert).toBeVisible();
      await expect(alert).toContainText(/quantity/i);
      await expect(alert).toContainText(/1 to 99/);

      await expect(cartLine(page, 'Baguette').getByLabel('Quantity of Baguette')).toHaveValue('2');
      await expect(cartLine(page, 'Macarons')).toHaveCount(0);
      await expect(cartCount(page)).toHaveText('2');
      expect((await mustHold(page, CART)).value, 'the cart cookie is not rewritten').toBe(before);
    }

    // The same from the cart page's own quantity field.
    const baguette = cartLine(page, 'Baguette');
    await baguette.getByLabel('Quantity of Baguette').evaluate((input: HTMLInputElement) => {
      input.removeAttribute('min');
      input.removeAttribute('max');
      input.value = '100';
    });
    const posted = formPost(page, /^\/cart\/items\/\d+$/);
    await baguette.getByRole('button', { name: 'Update' }).click();
    expect((await posted).status()).toBe(422);
    await expect(page.getByRole('alert')).toContainText(/quantity/i);
    await expect(cartLine(page, 'Baguette').getByLabel('Quantity of Baguette')).toHaveValue('2');
    await expect(cartCount(page)).toHaveText('2');
    expect((await mustHold(page, CART)).value).toBe(before);

    await page.goto('/cart');
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(cartLine(page, 'Baguette').getByLabel('Quantity of Baguette')).toHaveValue('2');
  });
});

// ---------------------------------------------------------------------------
// "Don't show this today"

/**
 * Where keyboard focus is: on a control inside today's offer, on nothing in
 * the page (the body: Chromium hands focus to its own toolbar between two
 * rounds through a modal dialog), or on something outside the offer.
 */
type Focus = { where: 'offer' | 'browser' | 'outside'; label: string };
function focusNow(page: Page): Promise<Focus> {
  return page.evaluate(() => {
    const offer = document.getElementById('todays-offer');
    const active = document.activeElement;
    const label = active ? `${active.tagName.toLowerCase()} "${(active.textContent ?? '').trim().slice(0, 40)}"` : '';
    if (offer && active && offer.contains(active)) return { where: 'offer' as const, label };
    if (!active || active === document.body || active === document.documentElement) return { where: 'browser' as const, label };
    return { where: 'outside' as const, label };
  });
}

/** Whether keyboard focus is inside today's offer. */
async function focusInsideOffer(page: Page): Promise<boolean> {
  return (await focusNow(page)).where === 'offer';
}

/** Opens the home page and waits until today's offer is shown as a modal dialog. */
async function openOffer(page: Page): Promise<void> {
  const offer = todaysOffer(page);
  await expect(offer).toBeVisible();
  await expect.poll(() => offer.evaluate((d) => d.matches(':modal')), { message: 'the offer is modal' }).toBe(true);
  await expect.poll(() => focusInsideOffer(page), { message: 'focus moves into the offer' }).toBe(true);
}

for (const zone of ['Asia/Seoul', 'America/New_York']) {
  test.describe(`in ${zone}`, () => {
    test.use({ timezoneId: zone });

    test(`"Don't show this today" hides the offer until midnight in ${zone}`, async ({ page }) => {
      await page.removeLocatorHandler(todaysOffer(page));
      const offer = todaysOffer(page);

      await page.goto('/');
      await openOffer(page);
      const offerName = ((await offer.locator('strong').first().textContent()) ?? '').trim();

      // The keyboard stays in the dialog: no control of the page behind it
      // ever takes focus, and every control of the dialog is reached in turn.
      const reached = new Set<string>();
      for (const key of [...Array(8).fill('Tab'), ...Array(5).fill('Shift+Tab')]) {
        await page.keyboard.press(key);
        const focus = await focusNow(page);
        expect(focus.where, `after ${key}, focus is on ${focus.label}`).not.toBe('outside');
        if (focus.where === 'offer') reached.add(focus.label);
      }
      expect([...reached].sort()).toEqual(
        [`a "See ${offerName}"`, 'button "Close"', `button "Don't show this today"`].sort(),
      );
      if (zone === 'Asia/Seoul') {
        await page.keyboard.press('Escape');
        await expect(offer).toBeHidden();
        await page.reload();
        await openOffer(page);
      }

      // "Close" hides it for this view only.
      await offer.getByRole('button', { name: 'Close', exact: true }).click();
      await expect(offer).toBeHidden();
      expect(await storeCookie(page, POPUP_HIDDEN)).toBeUndefined();
      await page.reload();
      await openOffer(page);

      // "Don't show this today" hides it without leaving the page.
      let navigations = 0;
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations++;
      });
      await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
      const posted = formPost(page, '/popup/dismiss');
      const clickedAt = Date.now();
      await offer.getByRole('button', { name: "Don't show this today" }).click();
      const response = await posted;
      expect(response.ok()).toBe(true);
      expect(new URLSearchParams(response.request().postData() ?? '').get('tz'), 'the page sends its time zone').toBe(zone);
      await expect(offer).toBeHidden();
      await expect(page.locator('#live-status')).toHaveText(/hidden until midnight/i);
      expect(navigations, 'no page navigation').toBe(0);
      expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
      expect(new URL(page.url()).pathname).toBe('/');
      const doneAt = Date.now();

      const hidden = await mustHold(page, POPUP_HIDDEN);
      expect(hidden.httpOnly).toBe(true);
      expect(hidden.sameSite).toBe('Lax');
      expect(hidden.path).toBe('/');
      // Midnight as it was when the button was clicked (the two differ only if midnight fell in between).
      const expected = [nextMidnight(zone, clickedAt), nextMidnight(zone, doneAt)];
      const expires = hidden.expires * 1000;
      expect(
        Math.min(...expected.map((midnight) => Math.abs(expires - midnight))),
        `${POPUP_HIDDEN} expires at the next midnight in ${zone} (${new Date(expected[0]).toISOString()}), ` +
          `not ${new Date(expires).toISOString()}`,
      ).toBeLessThanOrEqual(5_000);

      for (let i = 0; i < 3; i++) {
        await page.reload();
        await expect(page.getByRole('heading', { level: 1 })).toContainText('Crumb');
        await expect(page.locator('#todays-offer')).toHaveCount(0);
        expect(await page.content()).not.toContain('todays-offer');
      }

      // Forgetting the choice brings the offer back.
      await page.context().clearCookies({ name: POPUP_HIDDEN });
      expect(await storeCookie(page, POPUP_HIDDEN)).toBeUndefined();
      expect(await storeCookie(page, CSRF), 'only that cookie is cleared').toBeDefined();
      await page.reload();
      await openOffer(page);
    });
  });
}

// ---------------------------------------------------------------------------
// Tampering

test('a tampered cart cookie is dropped: the cart is empty, never an error', async ({ page }) => {
  await addWithScript(page, 'baguette', 1);
  const original = await mustHold(page, CART);

  /** Replaces the cart cookie's value, keeping its name, domain, path and flags. */
  async function overwriteCart(value: string): Promise<void> {
    await page.context().addCookies([{ ...original, value }]);
    expect((await mustHold(page, CART)).value).toBe(value);
  }

  async function expectEmptyCartAndCookieCleared(what: string, reload = false): Promise<void> {
    const response = await page.goto('/cart');
    expect(response?.status(), `${what}: the cart page loads`).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
    await expect(page.getByText('Your cart is empty')).toBeVisible();
    await expect(cartCount(page)).toHaveText('0');
    const setCookies = (await response!.headersArray())
      .filter((h) => h.name.toLowerCase() === 'set-cookie')
      .flatMap((h) => h.value.split('\n'))
      .filter((line) => line.startsWith(`${CART}=`));
    expect(setCookies, `${what}: the response clears ${CART}`).toHaveLength(1);
    expect(setCookies[0]).toMatch(/^crumb_cart=;|expires=Thu, 01 Jan 1970|max-age=(0|-\d+)/i);
    await expect.poll(() => holds(page, CART), { message: `${what}: ${CART} is cleared` }).toBe(false);
    if (reload) {
      const reloaded = await page.reload();
      expect(reloaded?.status()).toBeLessThan(400);
      await expect(page.getByText('Your cart is empty')).toBeVisible();
      expect(await holds(page, CART), `${what}: ${CART} stays cleared`).toBe(false);
    }
  }

  const value = original.value;
  const middle = Math.floor(value.length / 2);
  await overwriteCart(value.slice(0, middle) + (value[middle] === 'A' ? 'B' : 'A') + value.slice(middle + 1));
  await expectEmptyCartAndCookieCleared('one character flipped', true);

  // Another cookie's sealed value does not work as a cart.
  await overwriteCart((await mustHold(page, CSRF)).value);
  await expectEmptyCartAndCookieCleared(`${CSRF}'s value`);

  // The untouched value still works: nothing but the change itself was refused.
  await overwriteCart(value);
  await page.goto('/cart');
  await expect(cartLine(page, 'Baguette').getByLabel('Quantity of Baguette')).toHaveValue('1');
  await expect(cartCount(page)).toHaveText('1');

  for (const garbage of ['garbage', 'AQ', '!!!!', 'x'.repeat(2000)]) {
    await overwriteCart(garbage);
    await expectEmptyCartAndCookieCleared(`"${garbage.slice(0, 12)}"`);
  }
});

// ---------------------------------------------------------------------------
// The cookie policy page

test('/cookies lists exactly what this browser holds, and can forget it', async ({ page }) => {
  await page.removeLocatorHandler(todaysOffer(page));
  await addWithScript(page, 'baguette', 2);
  await page.goto('/');
  await openOffer(page);
  const dismissed = formPost(page, '/popup/dismiss');
  await todaysOffer(page).getByRole('button', { name: "Don't show this today" }).click();
  expect((await dismissed).ok()).toBe(true);
  await expect(todaysOffer(page)).toBeHidden();

  const response = await page.goto('/cookies');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cookie policy');

  const held = await storeCookies(page);
  expect(held.map((c) => c.name).sort()).toEqual([CART, CSRF, POPUP_HIDDEN].sort());

  const rows = page.locator('#held-cookies tbody tr:has(code)');
  await expect(rows).toHaveCount(held.length);
  const listed = new Map<string, number>();
  for (const row of await rows.all()) {
    const name = (await row.locator('code').first().textContent())?.trim() ?? '';
    const size = (await row.locator('td').first().textContent())?.trim() ?? '';
    expect(size).toMatch(/^\d+ bytes$/);
    listed.set(name, Number.parseInt(size, 10));
  }
  expect([...listed.keys()].sort()).toEqual(held.map((c) => c.name).sort());
  for (const cookie of held) {
    expect(listed.get(cookie.name), `size of ${cookie.name}`).toBe(cookie.name.length + cookie.value.length);
  }

  const html = await page.content();
  const body = await response!.text();
  for (const cookie of held) {
    expect(html, `the page must not show the value of ${cookie.name}`).not.toContain(cookie.value);
    expect(body, `the page must not send the value of ${cookie.name}`).not.toContain(cookie.value);
  }

  const policy = page.locator('table.policy-table:not(#held-cookies) tbody th code');
  expect((await policy.allTextContents()).map((t) => t.trim()).sort()).toEqual([...ALL_COOKIES].sort());

  // Forget this browser.
  const forgotten = formPost(page, '/cookies/forget');
  await page.getByRole('button', { name: 'Forget this browser' }).click();
  expect((await forgotten).status()).toBe(303);
  await expect(page).toHaveURL(/\/cookies\/mine\?forgot=/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('What this browser holds');
  await expect(page.locator('#my-cookies tbody tr:has(code)')).toHaveCount(0);
  await expect(page.locator('#my-cookies')).toContainText('This browser holds no Crumb cookies right now.');

  const left = await storeCookies(page);
  for (const name of ALL_COOKIES.filter((n) => n !== CSRF)) {
    expect(left.map((c) => c.name), `${name} is forgotten`).not.toContain(name);
  }
  // The page landed on may start a fresh form token; nothing else.
  expect(left.filter((c) => c.name !== CSRF).map((c) => c.name)).toEqual([]);

  await page.goto('/cart');
  await expect(page.getByText('Your cart is empty')).toBeVisible();
  await expect(cartCount(page)).toHaveText('0');
  await page.goto('/');
  await openOffer(page);
});
