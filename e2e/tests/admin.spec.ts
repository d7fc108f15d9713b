import type { Browser, Page } from '@playwright/test';
import { test, expect } from './storefront';
import { addToCart, expectSignedIn, expectSignedOut, newShopper, signIn, signUp, type Shopper } from './accounts-helpers';
import { confirmEmail } from './mail';

// The back office, as the bakery's owner uses it: the development seed
// creates the owner's account beside the demo shopper's.

const OWNER = { email: 'owner@crumb.test', password: 'owner-bakes-daily' };

/** A 2x2 PNG picture, red. */
const RED_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAF0lEQVR4nGK5IyfHwMDAxAAGgAAAAP//DjIBH1uyl2oAAAAASUVORK5CYII=',
  'base64',
);

const UPLOAD = /^\/static\/uploads\/[0-9a-f]{64}\.png$/;

async function signInAsOwner(page: Page): Promise<void> {
  await page.goto('/login');
  await signIn(page, OWNER);
  await page.goto('/admin');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Today');
}

/** A new shopper signed up in a browser of their own. */
async function shopperIn(browser: Browser, name: string): Promise<{ page: Page; shopper: Shopper }> {
  const page = await (await browser.newContext()).newPage();
  const shopper = newShopper(name);
  await page.goto('/signup');
  await signUp(page, shopper);
  return { page, shopper };
}

test('a shopper never reaches the back office', async ({ page }) => {
  for (const path of ['/admin', '/admin/products', '/admin/orders']) {
    const response = await page.goto(path);
    expect(response?.status(), `a guest's ${path}`).toBe(404);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  }
  await page.goto('/signup');
  await signUp(page, newShopper('Nosy Parker'));
  for (const path of ['/admin', '/admin/customers']) {
    const response = await page.goto(path);
    expect(response?.status(), `a customer's ${path}`).toBe(404);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
    await expect(page.getByText('Back office')).toHaveCount(0);
  }
});

test('the owner adds a product with a picture, and the shop shows it fingerprinted', async ({ page }) => {
  await signInAsOwner(page);
  const unique = Date.now().toString(36);
  const name = `Opera Cake ${unique}`;
  const slug = `opera-cake-${unique}`;

  await page.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: 'Products' }).click();
  await page.getByRole('link', { name: 'Add a product' }).click();
  const form = page.locator('main form[enctype="multipart/form-data"]');
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Web address', { exact: true }).fill(slug);
  await form.getByLabel('Category', { exact: true }).selectOption({ label: 'Cakes' });
  await form.getByLabel('Price', { exact: true }).fill('32.50');
  await form.getByLabel('Stock', { exact: true }).fill('6');
  await form.getByLabel('Description', { exact: true }).fill('Almond sponge, coffee buttercream and ganache.');
  await form.getByLabel('Picture', { exact: true }).setInputFiles({ name: 'opera.png', mimeType: 'image/png', buffer: RED_PNG });
  await form.getByRole('button', { name: 'Add the product' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);

  // In the shop, as any shopper sees it.
  await page.getByRole('link', { name: 'See it in the shop' }).click();
  await expect(page).toHaveURL(new RegExp(`/products/${slug}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await expect(page.locator('main .product-info .price')).toHaveText('$32.50');
  const picture = page.getByRole('img', { name });
  const src = (await picture.getAttribute('src')) ?? '';
  expect(src).toMatch(UPLOAD);
  const served = await page.request.get(src);
  expect(served.status()).toBe(200);
  expect(served.headers()['content-type']).toBe('image/png');
  expect(served.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(Buffer.compare(await served.body(), RED_PNG)).toBe(0);
  await expect(picture).toHaveJSProperty('naturalWidth', 2);
});

test('the owner marks an order shipped, and the shopper sees it', async ({ page, browser }) => {
  const { page: shopperPage, shopper } = await shopperIn(browser, 'Shipped Sam');
  await confirmEmail(shopperPage, shopper);
  await addToCart(shopperPage, 'baguette', 1);
  await shopperPage.goto('/checkout');
  const checkout = shopperPage.locator('main form[action="/checkout"]');
  await checkout.getByLabel('Phone', { exact: true }).fill('+1 555 0100');
  await checkout.getByLabel('Address', { exact: true }).fill('1 Flour Street');
  await checkout.getByLabel('Postal code', { exact: true }).fill('10001');
  await checkout.getByRole('button', { name: 'Place order' }).click();
  await expect(shopperPage).toHaveURL(/\/orders\/CR-[2-9A-HJKMNP-Z]{10}$/);
  const number = shopperPage.url().split('/').pop()!;
  await expect(shopperPage.locator('main .status').first()).toHaveText('placed');

  await signInAsOwner(page);
  await page.goto(`/admin/orders/${number}`);
  await page.getByRole('button', { name: 'Mark paid' }).click();
  await expect(page.locator('#order-status')).toHaveText('paid');
  await page.getByRole('button', { name: 'Mark shipped' }).click();
  await expect(page.locator('#order-status')).toHaveText('shipped');
  await expect(page.getByRole('button', { name: 'Mark cancelled' })).toHaveCount(0);

  await shopperPage.reload();
  await expect(shopperPage.locator('main .status').first()).toHaveText('shipped');
  await expect(shopperPage.getByRole('button', { name: 'Cancel this order' })).toHaveCount(0);
});

test("the owner signs a shopper out everywhere, and the shopper's browser is signed out", async ({ page, browser }) => {
  const { page: shopperPage, shopper } = await shopperIn(browser, 'Revoked Rae');
  await expectSignedIn(shopperPage, shopper);

  await signInAsOwner(page);
  await page.goto('/admin/customers');
  await page.getByRole('search').getByLabel('Email or name').fill(shopper.email);
  await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: shopper.name }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(shopper.name);
  await expect(page.getByRole('region', { name: 'Signed-in browsers' }).locator('li.device')).toHaveCount(1);
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page.getByRole('status')).toHaveText('Signed out everywhere.');
  await expect(page.getByRole('region', { name: 'Signed-in browsers' }).getByText('No browser is signed in.')).toBeVisible();

  await expectSignedOut(shopperPage);
});
