import type { APIRequestContext, APIResponse, Page } from '@playwright/test';
import { cartCount, expect, test } from './storefront';
import { addToCart, cartLine, newShopper, signUp, type Shopper } from './accounts-helpers';
import { confirmEmail } from './mail';

// The mobile app's JSON API (/api/v1) and the web store share one account
// and one cart: what the phone does shows in the browser, and the other way
// round. Each test signs up its own account in the browser and takes a token
// for it with Playwright's request context against the same server.
//
// All specs share one server and run in parallel: every test here works on
// its own account, and the one that places an order buys a plentiful product
// that no other spec orders, so no test depends on another's stock.

test.describe.configure({ timeout: 60_000 });

const API = '/api/v1';
const PROBLEM_JSON = /^application\/problem\+json\b/;

interface Money {
  amount: number;
  currency: string;
}

interface ApiProduct {
  id: number;
  slug: string;
  name: string;
  price: Money;
}

interface ApiCart {
  items: { product: ApiProduct; quantity: number; line_total: Money }[];
  count: number;
  subtotal: Money;
  notices: string[];
}

interface ApiOrder {
  id: string;
  status: string;
  items: { product_id: number; name: string; quantity: number; line_total: Money }[];
  total: Money;
}

/** Creates an account from the sign-up page; the browser is signed in to it. */
async function signUpInBrowser(page: Page, name: string): Promise<Shopper> {
  const shopper = newShopper(name);
  await page.goto('/signup');
  await signUp(page, shopper);
  return shopper;
}

/** Signs the app in with the shopper's email and password; returns the Authorization header. */
async function bearerFor(request: APIRequestContext, shopper: Shopper): Promise<{ Authorization: string }> {
  const response = await request.post(`${API}/auth/token`, {
    data: { email: shopper.email, password: shopper.password },
  });
  expect(response.status(), 'the app signs in with the web account').toBe(200);
  const pair = await response.json();
  expect(pair.token_type).toBe('Bearer');
  expect(typeof pair.access_token).toBe('string');
  expect(pair.access_token).not.toBe('');
  expect(typeof pair.refresh_token).toBe('string');
  expect(pair.expires_in).toBeGreaterThan(0);
  return { Authorization: `Bearer ${pair.access_token}` };
}

/** Finds one product by its exact name among the catalog's search results. */
async function productNamed(request: APIRequestContext, q: string, name: string): Promise<ApiProduct> {
  const response = await request.get(`${API}/products`, { params: { q } });
  expect(response.status()).toBe(200);
  const items: ApiProduct[] = (await response.json()).items;
  const product = items.find((p) => p.name === name);
  expect(product, `a search for "${q}" finds ${name}`).toBeDefined();
  expect(Number.isInteger(product!.id)).toBe(true);
  return product!;
}

/** A 200 answer's cart. */
async function cartOf(response: APIResponse): Promise<ApiCart> {
  expect(response.status(), await response.text()).toBe(200);
  return response.json();
}

/** Checks a cart's money: integer minor units in USD, lines that add up. */
function expectCartAddsUp(cart: ApiCart): void {
  let sum = 0;
  let count = 0;
  for (const line of cart.items) {
    expect(Number.isInteger(line.line_total.amount), `${line.product.name}'s total is in minor units`).toBe(true);
    expect(line.line_total.currency).toBe('USD');
    expect(line.line_total.amount, `${line.product.name}'s total is price × quantity`).toBe(
      line.product.price.amount * line.quantity,
    );
    sum += line.line_total.amount;
    count += line.quantity;
  }
  expect(Number.isInteger(cart.subtotal.amount), 'the subtotal is in minor units').toBe(true);
  expect(cart.subtotal).toEqual({ amount: sum, currency: 'USD' });
  expect(cart.count).toBe(count);
}

/** Checks that a response is an RFC 9457 problem with that status; returns its body. */
async function expectProblem(response: APIResponse, status: number): Promise<Record<string, unknown>> {
  expect(response.status(), await response.text()).toBe(status);
  expect(response.headers()['content-type']).toMatch(PROBLEM_JSON);
  const problem = await response.json();
  expect(typeof problem.type).toBe('string');
  expect(problem.type).not.toBe('');
  expect(typeof problem.title).toBe('string');
  expect(problem.title).not.toBe('');
  expect(problem.status).toBe(status);
  expect(typeof problem.detail).toBe('string');
  expect(problem.detail).not.toBe('');
  return problem;
}

/** The quantity box of one line on the web cart page. */
function webQuantity(page: Page, name: string) {
  return cartLine(page, name).getByLabel(`Quantity of ${name}`, { exact: true });
}

test('what the phone puts in the cart is in the browser cart', async ({ page, request }) => {
  const shopper = await signUpInBrowser(page, 'Pat Phone');
  await page.goto('/cart');
  await expect(page.getByRole('main').getByText('Your cart is empty.')).toBeVisible();
  await expect(cartCount(page)).toHaveText('0');

  const auth = await bearerFor(request, shopper);
  const croissant = await productNamed(request, 'croissant', 'Butter Croissant');
  const added = await cartOf(
    await request.post(`${API}/cart/items`, { headers: auth, data: { product_id: croissant.id, quantity: 2 } }),
  );
  expect(added.items.map((l) => [l.product.name, l.quantity])).toEqual([['Butter Croissant', 2]]);
  expectCartAddsUp(added);

  await page.reload();
  await expect(webQuantity(page, 'Butter Croissant')).toHaveValue('2');
  await expect(page.locator('table.cart-table tbody tr')).toHaveCount(1);
  await expect(cartCount(page)).toHaveText('2');
});

test('what the browser puts in the cart the phone sees, changes and removes', async ({ page, request }) => {
  const shopper = await signUpInBrowser(page, 'Bea Browser');
  await addToCart(page, 'macarons', 3);

  const auth = await bearerFor(request, shopper);
  const cart = await cartOf(await request.get(`${API}/cart`, { headers: auth }));
  expect(cart.items.map((l) => [l.product.slug, l.product.name, l.quantity])).toEqual([['macarons', 'Macarons', 3]]);
  expectCartAddsUp(cart);
  const macarons = cart.items[0].product;

  // The phone changes the quantity; the web shows it.
  const changed = await cartOf(
    await request.put(`${API}/cart/items/${macarons.id}`, { headers: auth, data: { quantity: 5 } }),
  );
  expect(changed.items.map((l) => [l.product.name, l.quantity])).toEqual([['Macarons', 5]]);
  expectCartAddsUp(changed);
  await page.goto('/cart');
  await expect(webQuantity(page, 'Macarons')).toHaveValue('5');
  await expect(cartLine(page, 'Macarons').locator('.line-total')).toHaveText(
    `$${((macarons.price.amount * 5) / 100).toFixed(2)}`,
  );
  await expect(cartCount(page)).toHaveText('5');

  // The phone removes the line; the web cart no longer has it.
  const removed = await cartOf(await request.delete(`${API}/cart/items/${macarons.id}`, { headers: auth }));
  expect(removed.items).toEqual([]);
  expect(removed.subtotal).toEqual({ amount: 0, currency: 'USD' });
  await page.reload();
  await expect(cartLine(page, 'Macarons')).toHaveCount(0);
  await expect(page.getByRole('main').getByText('Your cart is empty.')).toBeVisible();
  await expect(cartCount(page)).toHaveText('0');
});

test('an order placed from the phone, sent twice with one Idempotency-Key, is one order on the web', async ({
  page,
  request,
}, testInfo) => {
  const shopper = await signUpInBrowser(page, 'Olly Order');
  const auth = await bearerFor(request, shopper);
  const roll = await productNamed(request, 'sausage roll', 'Sausage Roll');
  await cartOf(await request.post(`${API}/cart/items`, { headers: auth, data: { product_id: roll.id, quantity: 1 } }));
  await page.goto('/cart');
  await expect(webQuantity(page, 'Sausage Roll')).toHaveValue('1');

  const key = `e2e-${testInfo.testId}-${testInfo.repeatEachIndex}-${Date.now()}`;
  const order = {
    headers: { ...auth, 'Idempotency-Key': key },
    data: {
      shipping: {
        name: shopper.name,
        phone: '+1 555 0100',
        address1: '1 Flour Street',
        address2: 'Flat 3',
        postal_code: '10001',
        country: 'US',
      },
      payment_method: 'cod',
    },
  };
  // A new account confirms its email before its first order, on the web as in the app.
  const unconfirmed = await expectProblem(await request.post(`${API}/orders`, order), 403);
  expect(unconfirmed.type).toBe('urn:crumb:problem:email-unverified');
  expect((await (await request.get(`${API}/me`, { headers: auth })).json()).email_verified).toBe(false);
  await confirmEmail(page, shopper);
  expect((await (await request.get(`${API}/me`, { headers: auth })).json()).email_verified).toBe(true);

  const first = await request.post(`${API}/orders`, order);
  expect(first.status(), await first.text()).toBe(201);
  const placed: ApiOrder = await first.json();
  expect(placed.id).toMatch(/^CR-[2-9A-HJKMNP-Z]{10}$/);
  expect(placed.status).toBe('placed');
  expect(placed.items.map((l) => [l.product_id, l.name, l.quantity])).toEqual([[roll.id, 'Sausage Roll', 1]]);
  expect(first.headers()['location']).toBe(`${API}/orders/${placed.id}`);

  // A retry of the same request, as after a lost answer: the same order.
  const retry = await request.post(`${API}/orders`, order);
  expect(retry.status(), await retry.text()).toBe(201);
  expect((await retry.json()).id, 'the retry answers with the same order').toBe(placed.id);

  const history = await request.get(`${API}/orders`, { headers: auth });
  expect(history.status()).toBe(200);
  expect(((await history.json()).items as ApiOrder[]).map((o) => o.id), 'one order, not two').toEqual([placed.id]);

  // The web shows the order for this account, and the cart it emptied.
  await page.goto('/orders');
  const rows = page.locator('main ul.order-list li.order-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.getByRole('link')).toHaveText(placed.id);
  await expect(rows.locator('.status')).toHaveText('placed');
  await expect(cartCount(page)).toHaveText('0');
  await page.goto('/cart');
  await expect(page.getByRole('main').getByText('Your cart is empty.')).toBeVisible();
  await expect(cartCount(page)).toHaveText('0');
  expect((await cartOf(await request.get(`${API}/cart`, { headers: auth }))).items).toEqual([]);
});

test('API errors are problem+json: no token, and a quantity of 0', async ({ page, request }) => {
  const unsigned = await request.get(`${API}/cart`);
  await expectProblem(unsigned, 401);
  expect(unsigned.headers()['www-authenticate']).toMatch(/^Bearer\b/);

  const forged = await request.get(`${API}/cart`, { headers: { Authorization: 'Bearer not-a-token' } });
  await expectProblem(forged, 401);
  expect(forged.headers()['www-authenticate']).toMatch(/^Bearer\b.*error="invalid_token"/);

  const shopper = await signUpInBrowser(page, 'Zed Zero');
  const auth = await bearerFor(request, shopper);
  const croissant = await productNamed(request, 'croissant', 'Butter Croissant');
  const zero = await request.post(`${API}/cart/items`, {
    headers: auth,
    data: { product_id: croissant.id, quantity: 0 },
  });
  const problem = await expectProblem(zero, 422);
  const errors = problem.errors as { field: string; message: string }[];
  expect(Array.isArray(errors), 'the problem lists the fields at fault').toBe(true);
  expect(errors.map((e) => e.field)).toEqual(['quantity']);
  expect(errors[0].message).not.toBe('');

  // Nothing was added.
  expect((await cartOf(await request.get(`${API}/cart`, { headers: auth }))).items).toEqual([]);
});
