import type { Locator, Page, Response, TestInfo } from '@playwright/test';
import { cartCount, expect, test } from './storefront';
import { addToCart, flash, newShopper, signUp, type Shopper } from './accounts-helpers';
import { confirmEmail } from './mail';

// Checkout in a real browser: the guest who is asked to sign in on the way,
// a new account that confirms its email from the mail before its first
// order, the order and its confirmation, a double click and a resubmitted
// form, the form's own errors, and orders that only their owner can see.
//
// All specs share one server and run in parallel, so stock is always read
// before and compared after, and every test orders products that no other
// test (in this file or another) puts in a cart. A repeated run (with
// --repeat-each) takes the next product of the test's own list, so up to
// three copies of one test never share a shelf either. Tests that order a
// low-stock product cancel the order at the end, which puts the stock back.

// These tests walk through whole flows, several pages and sign-ups each.
test.describe.configure({ timeout: 90_000 });

interface Product {
  slug: string;
  name: string;
}

/** Low-stock cakes and pies ("Only N left"), one list per test that watches stock. */
const JOURNEY_PRODUCTS: Product[] = [
  { slug: 'chocolate-fudge-cake', name: 'Chocolate Fudge Cake' },
  { slug: 'carrot-cake', name: 'Carrot Cake' },
  { slug: 'pecan-pie', name: 'Pecan Pie' },
];
const DOUBLE_SUBMIT_PRODUCTS: Product[] = [
  { slug: 'red-velvet-cake', name: 'Red Velvet Cake' },
  { slug: 'fruit-tart', name: 'Fresh Fruit Tart' },
  { slug: 'quiche-lorraine', name: 'Quiche Lorraine' },
];
/** Plentiful products for tests that do not watch the shelf. */
const CIABATTA: Product = { slug: 'ciabatta', name: 'Ciabatta' };
const CHEESE_SCONE: Product = { slug: 'cheese-scone', name: 'Cheese Scone' };
const EGG_TART: Product = { slug: 'egg-tart', name: 'Egg Tart' };
const FOCACCIA: Product = { slug: 'focaccia', name: 'Rosemary Focaccia' };

/** This run's product from a test's own list. */
function pick(products: Product[], testInfo: TestInfo): Product {
  return products[testInfo.repeatEachIndex % products.length];
}

const ORDER_NUMBER = /^CR-[2-9A-HJKMNP-Z]{10}$/;
const ORDER_PATH = /\/orders\/(CR-[2-9A-HJKMNP-Z]{10})$/;

/** A price as printed ("$38.00") in cents. */
function cents(price: string): number {
  const match = /^\$(\d+)\.(\d{2})$/.exec(price.trim());
  expect(match, `"${price}" is a price`).not.toBeNull();
  return Number(match![1]) * 100 + Number(match![2]);
}

/** Cents as the store prints them. */
function money(amount: number): string {
  return `$${Math.floor(amount / 100)}.${String(amount % 100).padStart(2, '0')}`;
}

/** Opens the product's page and reads its price. */
async function priceOf(page: Page, product: Product): Promise<number> {
  await page.goto(`/products/${product.slug}`);
  return cents((await page.locator('main .product-info p.price').textContent()) ?? '');
}

/** Opens the product's page and reads its stock, which must show as "Only N left". */
async function stockOf(page: Page, product: Product): Promise<number> {
  const response = await page.goto(`/products/${product.slug}`);
  expect(response?.status()).toBe(200);
  const stock = page.locator('main .product-info p.stock');
  await expect(stock, `${product.name} shows how many are left`).toHaveText(/^Only \d+ left$/);
  return Number(/\d+/.exec((await stock.textContent()) ?? '')![0]);
}

/**
 * Creates an account from the sign-up page and confirms its email by the
 * mailed link, as a shopper would before a first order; the browser lands
 * on /account.
 */
async function signUpFresh(page: Page, name: string): Promise<Shopper> {
  const shopper = newShopper(name);
  await page.goto('/signup');
  await signUp(page, shopper);
  await expect(page).toHaveURL(/\/account$/);
  await confirmEmail(page, shopper);
  return shopper;
}

/** The notice that an account must confirm its email before ordering. */
function unconfirmed(page: Page): Locator {
  return page.locator('main #email-unconfirmed');
}

/** The checkout page's delivery form. */
function checkoutForm(page: Page): Locator {
  return page.locator('main form.checkout-form');
}

interface Delivery {
  name: string;
  phone: string;
  address1: string;
  address2: string;
  postalCode: string;
  country: string;
  payment: 'Cash on delivery' | 'Bank transfer (details on the confirmation)';
}

const DELIVERY: Delivery = {
  name: 'Robin Baker',
  phone: '+1 555 0100',
  address1: '1 Flour Street',
  address2: 'Flat 3',
  postalCode: '10001',
  country: 'United States',
  payment: 'Cash on delivery',
};

/** Fills the delivery form of the checkout page the browser is on. */
async function fillDelivery(page: Page, delivery: Delivery): Promise<void> {
  const form = checkoutForm(page);
  await form.getByLabel('Full name', { exact: true }).fill(delivery.name);
  await form.getByLabel('Phone', { exact: true }).fill(delivery.phone);
  await form.getByLabel('Address', { exact: true }).fill(delivery.address1);
  await form.getByLabel('Apartment, suite (optional)', { exact: true }).fill(delivery.address2);
  await form.getByLabel('Postal code', { exact: true }).fill(delivery.postalCode);
  await form.getByLabel('Country', { exact: true }).selectOption({ label: delivery.country });
  await form.getByLabel(delivery.payment, { exact: true }).check();
}

/** The next POST to /checkout. */
function checkoutPost(page: Page): Promise<Response> {
  return page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/checkout');
}

/** Clicks "Place order" and waits for the confirmation page; returns the order number. */
async function placeOrder(page: Page): Promise<string> {
  const posted = checkoutPost(page);
  await checkoutForm(page).getByRole('button', { name: 'Place order' }).click();
  const response = await posted;
  expect(response.status(), 'a placed order is answered with a redirect').toBe(303);
  await expect(page).toHaveURL(ORDER_PATH);
  return ORDER_PATH.exec(page.url())![1];
}

/** The order page's status, e.g. "placed". */
function orderStatus(page: Page): Locator {
  return page.locator('main .page-head .status');
}

/** The order page's list of items. */
function orderItems(page: Page): Locator {
  return page.getByRole('region', { name: 'Items' });
}

/** Cancels the order from its page and waits for the cancelled status. */
async function cancelOrder(page: Page, number: string): Promise<void> {
  await page.goto(`/orders/${number}`);
  await page.getByRole('button', { name: 'Cancel this order' }).click();
  await expect(page).toHaveURL(new RegExp(`/orders/${number}$`));
  await expect(orderStatus(page)).toHaveText('cancelled');
  await expect(page.getByRole('button', { name: 'Cancel this order' })).toHaveCount(0);
}

/** The links to orders on /orders, by order number. */
function orderLinks(page: Page): Locator {
  return page.locator('main ul.order-list').getByRole('link');
}

test('a guest signs up on the way to checkout, pays by bank transfer, and cancels', async ({ page }, testInfo) => {
  const cake = pick(JOURNEY_PRODUCTS, testInfo);
  const cakePrice = await priceOf(page, cake);
  const breadPrice = await priceOf(page, CIABATTA);
  const total = money(2 * cakePrice + breadPrice);
  const stockBefore = await stockOf(page, cake);
  expect(stockBefore, `this run needs 2 of ${cake.name} on the shelf`).toBeGreaterThanOrEqual(2);

  // As a guest: two cakes and a loaf, then to the cart and on to checkout.
  await addToCart(page, cake.slug, 2);
  await addToCart(page, CIABATTA.slug, 1);
  await page.goto('/cart');
  await page.getByRole('main').getByRole('link', { name: 'Checkout', exact: true }).click();

  // Checkout asks for an account first; creating one keeps the way back.
  await expect(page).toHaveURL(/\/login\?next=%2Fcheckout$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page).toHaveURL(/\/signup\?next=(%2[fF]|\/)checkout$/);
  const shopper = newShopper('Robin Baker');
  await signUp(page, shopper);

  // Back on checkout with the guest cart brought along.
  await expect(page).toHaveURL(/\/checkout$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Checkout');
  await expect(flash(page)).toHaveText('3 items from your earlier visit were added to your cart.');
  const summary = page.getByRole('region', { name: 'Your order' });
  await expect(summary.locator('ul.summary li')).toHaveCount(2);
  await expect(summary.locator('ul.summary li').filter({ hasText: `2 × ${cake.name}` })).toContainText(
    money(2 * cakePrice),
  );
  await expect(summary.locator('ul.summary li').filter({ hasText: `1 × ${CIABATTA.name}` })).toContainText(
    money(breadPrice),
  );
  await expect(summary.locator('.summary-total')).toContainText('Total (3 items)');
  await expect(summary.locator('.summary-total strong')).toHaveText(total);
  await expect(cartCount(page)).toHaveText('3');

  // A new account confirms its email first: the link in the mail, then back.
  await expect(unconfirmed(page)).toContainText('Please confirm your email address before your first order.');
  await expect(checkoutForm(page)).toHaveCount(0);
  await confirmEmail(page, shopper);
  await page.goto('/checkout');
  await expect(unconfirmed(page)).toHaveCount(0);
  await expect(summary.locator('.summary-total strong')).toHaveText(total);

  // The order, paid by bank transfer.
  await fillDelivery(page, { ...DELIVERY, payment: 'Bank transfer (details on the confirmation)' });
  const number = await placeOrder(page);
  expect(number).toMatch(ORDER_NUMBER);

  // The confirmation.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Order ${number}`);
  await expect(orderStatus(page)).toHaveText('placed');
  const thanks = page.locator('main .alert[role="status"]').filter({ hasText: 'Thank you' });
  await expect(thanks).toContainText(`Please transfer ${total}`);
  await expect(thanks).toContainText(`with reference ${number}`);
  await expect(orderItems(page).locator('ul.summary li')).toHaveCount(2);
  await expect(orderItems(page).locator('ul.summary li').filter({ hasText: `2 × ${cake.name}` })).toContainText(
    money(2 * cakePrice),
  );
  await expect(orderItems(page).locator('ul.summary li').filter({ hasText: `1 × ${CIABATTA.name}` })).toContainText(
    money(breadPrice),
  );
  await expect(orderItems(page).locator('.summary-total strong')).toHaveText(total);
  const delivery = page.getByRole('region', { name: 'Delivery' });
  await expect(delivery.locator('address')).toContainText(DELIVERY.address1);
  await expect(delivery).toContainText('Payment: Bank transfer');
  await expect(page.getByRole('button', { name: 'Cancel this order' })).toBeVisible();
  await expect(cartCount(page), 'the cart is empty after the order').toHaveText('0');

  // The order history lists it.
  await page.goto('/orders');
  await expect(orderLinks(page)).toHaveText([number]);
  await expect(page.locator('main li.order-row').filter({ hasText: number }).locator('.status')).toHaveText('placed');
  await expect(cartCount(page)).toHaveText('0');
  await orderLinks(page).filter({ hasText: number }).click();
  await expect(page).toHaveURL(new RegExp(`/orders/${number}$`));

  // The shelf: two fewer cakes, and back again once the order is cancelled.
  expect(await stockOf(page, cake), 'the stock went down by the quantity ordered').toBe(stockBefore - 2);
  await cancelOrder(page, number);
  await expect(page.locator('main .alert[role="status"]').filter({ hasText: 'Thank you' })).toHaveCount(0);
  await page.goto('/orders');
  await expect(page.locator('main li.order-row').filter({ hasText: number }).locator('.status')).toHaveText(
    'cancelled',
  );
  expect(await stockOf(page, cake), 'cancelling puts the stock back').toBe(stockBefore);
});

test('a new account confirms its email from the mail before its first order', async ({ page }) => {
  const shopper = newShopper('Cora Confirm');
  await page.goto('/signup');
  await signUp(page, shopper);
  await addToCart(page, FOCACCIA.slug, 1);

  // Checkout says so plainly, offers the link again, and has nothing to place.
  const refused = await page.goto('/checkout');
  expect(refused?.status()).toBe(200);
  await expect(unconfirmed(page)).toContainText('Please confirm your email address before your first order.');
  await expect(unconfirmed(page)).toContainText(`Follow the link we emailed to ${shopper.email}`);
  await expect(page.getByRole('button', { name: 'Place order' })).toHaveCount(0);
  const summary = page.getByRole('region', { name: 'Your order' });
  await expect(summary.locator('ul.summary li')).toHaveText([new RegExp(`^1 × ${FOCACCIA.name}`)]);

  // The link again, on request; the answer comes back to checkout.
  await unconfirmed(page).getByRole('button', { name: 'Send the link again' }).click();
  await expect(page).toHaveURL(/\/checkout$/);
  await expect(flash(page)).toContainText(`We are sending a new link to ${shopper.email}.`);
  await expect(unconfirmed(page)).toBeVisible();

  // The email, opened where the shop leaves it; its link confirms the address.
  await confirmEmail(page, shopper);

  // Now the order goes through, with the cart kept all along.
  await page.goto('/checkout');
  await expect(unconfirmed(page)).toHaveCount(0);
  await expect(summary.locator('ul.summary li')).toHaveText([new RegExp(`^1 × ${FOCACCIA.name}`)]);
  await fillDelivery(page, { ...DELIVERY, name: shopper.name });
  const number = await placeOrder(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Order ${number}`);
  await expect(orderStatus(page)).toHaveText('placed');
  await page.goto('/orders');
  await expect(orderLinks(page)).toHaveText([number]);
});

/** The fields the checkout form would send, in order. */
async function formFields(form: Locator): Promise<[string, string][]> {
  return form.evaluate((element: HTMLFormElement) =>
    [...new FormData(element)].map(([name, value]): [string, string] => [name, String(value)]),
  );
}

/**
 * Sends those fields again from the page the browser is on, as a form post
 * to /checkout: what resubmitting the same form does.
 */
async function resubmitCheckout(page: Page, fields: [string, string][]): Promise<Response> {
  const posted = checkoutPost(page);
  await page.evaluate((fields) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = '/checkout';
    for (const [name, value] of fields) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  }, fields);
  return posted;
}

test('a double click and a resubmitted form place one order', async ({ page }, testInfo) => {
  const pie = pick(DOUBLE_SUBMIT_PRODUCTS, testInfo);
  const stockBefore = await stockOf(page, pie);
  expect(stockBefore, `this run needs 1 of ${pie.name} on the shelf`).toBeGreaterThanOrEqual(1);

  await signUpFresh(page, 'Dee Double');
  await addToCart(page, pie.slug, 1);
  await page.goto('/checkout');
  await fillDelivery(page, DELIVERY);
  const fields = await formFields(checkoutForm(page));
  expect(fields.find(([name]) => name === 'checkout_token')?.[1]).toMatch(/^[0-9a-f]{16,64}$/);

  // Two quick clicks on "Place order".
  const posts: Response[] = [];
  const onResponse = (r: Response) => {
    if (r.request().method() === 'POST' && new URL(r.url()).pathname === '/checkout') posts.push(r);
  };
  page.on('response', onResponse);
  await checkoutForm(page).getByRole('button', { name: 'Place order' }).dblclick();
  await expect(page).toHaveURL(ORDER_PATH);
  page.off('response', onResponse);
  const number = ORDER_PATH.exec(page.url())![1];
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Order ${number}`);
  await expect(orderStatus(page)).toHaveText('placed');
  for (const response of posts) {
    expect(response.status(), 'every submit is answered with the order').toBe(303);
    expect(await response.headerValue('location')).toBe(`/orders/${number}`);
  }

  // Back to checkout, where the cart is now empty, and the same form sent again.
  await page.goBack();
  await expect(page).toHaveURL(/\/checkout$/);
  await expect(page.getByRole('main').getByText('Your cart is empty.')).toBeVisible();
  const again = await resubmitCheckout(page, fields);
  expect(again.status(), 'the same checkout token gives the same order').toBe(303);
  expect(await again.headerValue('location')).toBe(`/orders/${number}`);
  await expect(page).toHaveURL(new RegExp(`/orders/${number}$`));
  await expect(orderStatus(page)).toHaveText('placed');

  // One order, one line, and the shelf went down once.
  await page.goto('/orders');
  await expect(orderLinks(page)).toHaveText([number]);
  await expect(page.locator('main li.order-row')).toHaveCount(1);
  await expect(page.locator('main li.order-row')).toContainText('1 item');
  expect(await stockOf(page, pie), 'the stock went down once').toBe(stockBefore - 1);

  // Put the stock back for the tests that follow.
  await cancelOrder(page, number);
  expect(await stockOf(page, pie)).toBe(stockBefore);
});

test('a checkout form with errors stays on checkout and keeps what was typed', async ({ page }) => {
  await signUpFresh(page, 'Val Idate');
  await addToCart(page, CHEESE_SCONE.slug, 1);
  await page.goto('/checkout');
  const form = checkoutForm(page);
  await fillDelivery(page, {
    ...DELIVERY,
    name: 'Val Idate',
    phone: 'call me',
    address1: '',
    address2: 'Flat 3',
    postalCode: 'SW1A 1AA',
    country: 'United Kingdom',
    payment: 'Bank transfer (details on the confirmation)',
  });

  const posted = checkoutPost(page);
  await form.getByRole('button', { name: 'Place order' }).click();
  expect((await posted).status(), 'invalid details are answered with the form again').toBe(422);
  await expect(page).toHaveURL(/\/checkout$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Checkout');

  // What is wrong, said once at the top and next to each field.
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Please fix the fields marked below.');
  await expect(form.locator('.field-error')).toHaveText([/phone number/, /street address/]);
  await expect(form.getByLabel('Phone', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Address', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Full name', { exact: true })).not.toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Postal code', { exact: true })).not.toHaveAttribute('aria-invalid', 'true');

  // What was typed is still there.
  await expect(form.getByLabel('Full name', { exact: true })).toHaveValue('Val Idate');
  await expect(form.getByLabel('Phone', { exact: true })).toHaveValue('call me');
  await expect(form.getByLabel('Address', { exact: true })).toHaveValue('');
  await expect(form.getByLabel('Apartment, suite (optional)', { exact: true })).toHaveValue('Flat 3');
  await expect(form.getByLabel('Postal code', { exact: true })).toHaveValue('SW1A 1AA');
  await expect(form.getByLabel('Country', { exact: true })).toHaveValue('GB');
  await expect(form.getByLabel('Bank transfer (details on the confirmation)', { exact: true })).toBeChecked();

  // Nothing was ordered and the cart is as it was.
  const summary = page.getByRole('region', { name: 'Your order' });
  await expect(summary.locator('ul.summary li')).toHaveText([new RegExp(`^1 × ${CHEESE_SCONE.name}`)]);
  await expect(cartCount(page)).toHaveText('1');
  await page.goto('/orders');
  await expect(page.getByRole('main').getByText('You have no orders yet.')).toBeVisible();
});

test("another account's order is not found", async ({ page, browser }) => {
  await signUpFresh(page, 'Owen Owner');
  await addToCart(page, EGG_TART.slug, 1);
  await page.goto('/checkout');
  await fillDelivery(page, DELIVERY);
  const number = await placeOrder(page);

  const other = await browser.newContext();
  try {
    const otherPage = await other.newPage();
    await signUpFresh(otherPage, 'Nosy Neighbour');
    const response = await otherPage.goto(`/orders/${number}`);
    expect(response?.status(), "someone else's order is a 404").toBe(404);
    await expect(otherPage.getByRole('heading', { level: 1 })).toHaveText('Page not found');
    await expect(otherPage.getByRole('main')).not.toContainText(number);
    await expect(otherPage.getByRole('button', { name: 'Cancel this order' })).toHaveCount(0);
    await otherPage.goto('/orders');
    await expect(otherPage.getByRole('main').getByText('You have no orders yet.')).toBeVisible();
  } finally {
    await other.close();
  }

  // The owner still has it.
  const response = await page.goto(`/orders/${number}`);
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Order ${number}`);
  await expect(orderStatus(page)).toHaveText('placed');
});
