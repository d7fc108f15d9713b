import type { BrowserContext, Cookie, Locator, Page, Response } from '@playwright/test';
import { expect } from './storefront';

// Helpers for the account specs: signing up, in and out through the real
// forms, and reading the cookies a context holds.
//
// Sign-up and sign-in are rate limited on the server to 10 POSTs a minute
// per IP for each of /signup and /login (and 10 per account). Every test
// run shares one IP, so each call to signUp or signIn below spends one of
// those attempts: keep the count in accounts.spec.ts in mind when adding
// calls.

/** A password the store accepts: long enough and not a common one. */
export const PASSWORD = 'rye-and-butter-42';

/** The seeded demo account. Tests only sign it in and out of their own browser. */
export const DEMO = { name: 'Demo Shopper', email: 'demo@crumb.test', password: 'fresh-bread-daily' };

export const SESSION = 'crumb_session';
export const REMEMBER = 'crumb_remember';
export const EMAIL = 'crumb_email';
export const CART = 'crumb_cart';

const DAY = 24 * 60 * 60 * 1000;

export interface Shopper {
  name: string;
  email: string;
  password: string;
}

/** A new shopper with an email no other test (or earlier run) uses. */
export function newShopper(name = 'Robin Baker'): Shopper {
  const unique = `${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
  return { name, email: `shopper-${unique}@example.com`, password: PASSWORD };
}

/** The POST to path that the next form submission sends. */
function nextPost(page: Page, path: string): Promise<Response> {
  return page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path);
}

function notRateLimited(response: Response, what: string): void {
  expect(
    response.status(),
    `${what} was rate limited (429): too many sign-in or sign-up POSTs in one minute`,
  ).not.toBe(429);
}

/**
 * Fills and sends the sign-up form of the page the browser is on. One POST
 * to /signup. Waits until the browser has left the sign-up page.
 */
export async function signUp(page: Page, shopper: Shopper, options: { keepSignedIn?: boolean } = {}): Promise<Response> {
  const form = page.locator('main form[action="/signup"]');
  await form.getByLabel('Name', { exact: true }).fill(shopper.name);
  await form.getByLabel('Email', { exact: true }).fill(shopper.email);
  await form.getByLabel('Password', { exact: true }).fill(shopper.password);
  await form.getByLabel('Keep me signed in on this device').setChecked(options.keepSignedIn ?? false);
  const posted = nextPost(page, '/signup');
  await form.getByRole('button', { name: 'Create account' }).click();
  const response = await posted;
  notRateLimited(response, 'sign-up');
  expect(response.status(), 'a sign-up is answered with a redirect').toBe(303);
  await expect(page).not.toHaveURL(/\/signup(\?|$)/);
  return response;
}

/**
 * Fills and sends the sign-in form of the page the browser is on. One POST
 * to /login. Returns the POST's response; the caller checks the outcome.
 */
export async function submitSignIn(
  page: Page,
  credentials: { email: string; password: string },
  options: { keepSignedIn?: boolean; rememberEmail?: boolean } = {},
): Promise<Response> {
  const form = loginForm(page);
  await form.getByLabel('Email', { exact: true }).fill(credentials.email);
  await form.getByLabel('Password', { exact: true }).fill(credentials.password);
  await form.getByLabel('Keep me signed in on this device').setChecked(options.keepSignedIn ?? false);
  await form.getByLabel('Remember my email').setChecked(options.rememberEmail ?? false);
  const posted = nextPost(page, '/login');
  await form.getByRole('button', { name: 'Sign in', exact: true }).click();
  const response = await posted;
  notRateLimited(response, 'sign-in');
  return response;
}

/**
 * Signs in with the sign-in form of the page the browser is on and waits
 * until the browser has left the sign-in page. One POST to /login.
 */
export async function signIn(
  page: Page,
  credentials: { email: string; password: string },
  options: { keepSignedIn?: boolean; rememberEmail?: boolean } = {},
): Promise<Response> {
  const response = await submitSignIn(page, credentials, options);
  expect(response.status(), 'a successful sign-in is answered with a redirect').toBe(303);
  await expect(page).not.toHaveURL(/\/login(\?|$)/);
  return response;
}

/** Signs out with the header's button; the store sends the browser home. */
export async function signOut(page: Page): Promise<void> {
  const posted = nextPost(page, '/logout');
  await page.locator('header').getByRole('button', { name: 'Sign out', exact: true }).click();
  expect((await posted).status()).toBe(303);
  await expect(page).toHaveURL(/\/$/);
  await expect(signInLink(page)).toBeVisible();
}

/** The sign-in form of /login. */
export function loginForm(page: Page): Locator {
  return page.locator('main form[action="/login"]');
}

/** The header's "Sign in" link, shown to guests. */
export function signInLink(page: Page): Locator {
  return page.locator('header').getByRole('link', { name: 'Sign in', exact: true });
}

/** The header's "Account" link, shown when signed in. */
export function accountLink(page: Page): Locator {
  return page.locator('header').getByRole('link', { name: /^Account\b/ });
}

/** The cart count in the header. */
export function headerCartCount(page: Page): Locator {
  return page.locator('header a[href="/cart"] #cart-count');
}

/** The one-time message shown at the top of the page after a redirect. */
export function flash(page: Page): Locator {
  return page.locator('main > .flash[role="status"]');
}

/**
 * Opens /account and checks that this browser is signed in as the shopper:
 * the greeting, and the header's account link and sign-out button.
 */
export async function expectSignedIn(page: Page, shopper: { name: string }): Promise<void> {
  const response = await page.goto('/account');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Hello, ${shopper.name}`);
  await expect(accountLink(page)).toBeVisible();
  await expect(page.locator('header').getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
}

/** Opens /account and checks that this browser is sent to sign in first. */
export async function expectSignedOut(page: Page): Promise<void> {
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  await expect(signInLink(page)).toBeVisible();
}

/** The store's origin, as the tests reach it. */
export function storeOrigin(page: Page): string {
  return new URL(page.url()).origin;
}

/** The cookie of that name the context holds for the store, if any. */
export async function cookieOf(context: BrowserContext, origin: string, name: string): Promise<Cookie | undefined> {
  return (await context.cookies(origin)).find((cookie) => cookie.name === name);
}

/** The cookie of that name, which the context must hold. */
export async function mustHaveCookie(context: BrowserContext, origin: string, name: string): Promise<Cookie> {
  const cookie = await cookieOf(context, origin, name);
  expect(cookie, `the browser should hold ${name}`).toBeDefined();
  return cookie!;
}

/** Checks the session cookie: HttpOnly and gone when the browser closes (no expiry). */
export function expectSessionCookie(cookie: Cookie): void {
  expect(cookie.httpOnly, `${cookie.name} is HttpOnly`).toBe(true);
  expect(cookie.sameSite, `${cookie.name} is SameSite=Lax`).toBe('Lax');
  expect(cookie.expires, `${cookie.name} ends with the browser`).toBe(-1);
}

/** Checks the remember-me cookie: HttpOnly and kept for 30 days. */
export function expectRememberCookie(cookie: Cookie): void {
  expect(cookie.httpOnly, `${cookie.name} is HttpOnly`).toBe(true);
  expect(cookie.sameSite, `${cookie.name} is SameSite=Lax`).toBe('Lax');
  expect(Math.abs(cookie.expires * 1000 - (Date.now() + 30 * DAY)), `${cookie.name} lasts 30 days`).toBeLessThan(
    5 * 60_000,
  );
}

/**
 * What closing the browser does to the store's cookies: the session cookie
 * (no expiry) is gone, the rest stay.
 */
export async function closeBrowserSession(context: BrowserContext): Promise<void> {
  await context.clearCookies({ name: SESSION });
}

/** Adds a product to the cart from its page, as a shopper would, and waits for the header count. */
export async function addToCart(page: Page, slug: string, quantity: number): Promise<void> {
  await page.goto(`/products/${slug}`);
  const before = Number(await headerCartCount(page).textContent());
  const form = page.locator('main form[action="/cart/items"]');
  await form.getByLabel('Quantity', { exact: true }).fill(String(quantity));
  await form.getByRole('button', { name: 'Add to cart' }).click();
  await expect(headerCartCount(page)).toHaveText(String(before + quantity));
}

/** One line of the cart page's table, found by the product's name. */
export function cartLine(page: Page, name: string): Locator {
  return page.locator('table.cart-table tbody tr').filter({ has: page.getByRole('link', { name, exact: true }) });
}
