import type { Page } from '@playwright/test';
import { cartCount, expect, storeCookies, test, todaysOffer } from './storefront';

// /cookies/mine: what this browser holds, in words, and forgetting it.

const CRUMB = /^(__Host-)?crumb_/;

/** Adds quantity of a product from its page, without waiting on script. */
async function add(page: Page, slug: string, quantity: number): Promise<void> {
  await page.goto(`/products/${slug}`);
  const before = Number(await cartCount(page).textContent());
  const form = page.locator('main form[action="/cart/items"]');
  await form.getByLabel('Quantity', { exact: true }).fill(String(quantity));
  await form.getByRole('button', { name: 'Add to cart' }).click();
  await expect(cartCount(page)).toHaveText(String(before + quantity));
}

/** The row of /cookies/mine for one cookie. */
function row(page: Page, name: string) {
  return page.locator('#my-cookies tbody tr').filter({ has: page.locator('code', { hasText: name }) });
}

test('a guest reads what the browser holds in words, then forgets the browser', async ({ page }) => {
  await add(page, 'baguette', 2);
  await add(page, 'macarons', 1);
  await page.removeLocatorHandler(todaysOffer(page));
  await page.goto('/');
  await expect(todaysOffer(page)).toBeVisible();
  await todaysOffer(page).getByRole('button', { name: "Don't show this today" }).click();
  await expect(todaysOffer(page)).toBeHidden();

  await page.getByRole('contentinfo').getByRole('link', { name: 'What this browser holds' }).click();
  await expect(page).toHaveURL(/\/cookies\/mine$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('What this browser holds');
  await expect(row(page, 'crumb_cart')).toContainText('Baguette × 2');
  await expect(row(page, 'crumb_cart')).toContainText('Macarons × 1');
  await expect(row(page, 'crumb_popup_hidden')).toContainText("Today's offer stays hidden until");
  await expect(row(page, 'crumb_csrf')).toBeVisible();
  const held = (await storeCookies(page)).filter((c) => CRUMB.test(c.name));
  expect(held.length).toBeGreaterThanOrEqual(3);
  const html = await page.content();
  for (const cookie of held) {
    expect(html, `the page must not show the value of ${cookie.name}`).not.toContain(cookie.value);
  }

  const forgotten = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/cookies/forget');
  await page.getByRole('button', { name: 'Forget this browser' }).click();
  const answer = await forgotten;
  expect(answer.status()).toBe(303);
  expect(await answer.headerValue('clear-site-data')).toBe('"cookies", "storage"');
  await expect(page).toHaveURL(/\/cookies\/mine\?forgot=/);
  const notice = page.locator('#forgotten');
  await expect(notice).toContainText('This browser has forgotten Crumb.');
  for (const cookie of held) {
    await expect(notice.locator('code', { hasText: cookie.name })).toBeVisible();
  }

  // Nothing of before is left: the page landed on holds at most a new,
  // empty form-token secret, which the forms of every page need.
  const left = (await storeCookies(page)).filter((c) => CRUMB.test(c.name));
  for (const cookie of left) {
    expect(cookie.name, 'only a form-token secret may be started again').toBe('crumb_csrf');
    expect(held.map((c) => c.value), 'and it is a new one').not.toContain(cookie.value);
  }
  await expect(page.locator('#my-cookies tbody tr:has(code)')).toHaveCount(0);
  await page.goto('/cart');
  await expect(page.getByText('Your cart is empty')).toBeVisible();
});
