import type { Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { cartCount, expect, storeCookies, test, todaysOffer } from './storefront';
import { newShopper, signUp } from './accounts-helpers';

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

  // Nothing is left, and the page landed on starts nothing again.
  expect((await storeCookies(page)).filter((c) => CRUMB.test(c.name))).toEqual([]);
  await expect(page.locator('#my-cookies tbody tr:has(code)')).toHaveCount(0);
  await page.goto('/cart');
  await expect(page.getByText('Your cart is empty')).toBeVisible();
});

test('a shopper reads what the account holds, downloads it and deletes the account', async ({ page }) => {
  const shopper = newShopper('Leaving Baker');
  const email = shopper.email;
  await page.goto('/signup');
  await signUp(page, shopper);
  await page.goto('/account');
  await page.getByRole('link', { name: 'Your data' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('What Crumb keeps about you');
  await expect(page.locator('dl.facts')).toContainText(email);

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download my data' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^crumb-data-\d{4}-\d{2}-\d{2}\.json$/);
  const data = JSON.parse(await readFile(await file.path(), 'utf8'));
  expect(data.account.email).toBe(email);

  const form = page.locator('#delete-account');
  await form.getByLabel('Your password').fill('not my password');
  await form.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.locator('#delete-account')).toContainText('That is not your password');
  await page.locator('#delete-account').getByLabel('Your password').fill(shopper.password);
  await page.locator('#delete-account').getByRole('button', { name: 'Delete my account' }).click();
  await expect(page).toHaveURL(/\/account\/deleted$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your account is deleted');
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login/);
});
