import { expect, test } from './storefront';
import {
  CART,
  DEMO,
  EMAIL,
  REMEMBER,
  SESSION,
  accountLink,
  addToCart,
  cartLine,
  closeBrowserSession,
  cookieOf,
  expectRememberCookie,
  expectSessionCookie,
  expectSignedIn,
  expectSignedOut,
  flash,
  headerCartCount,
  loginForm,
  mustHaveCookie,
  newShopper,
  signIn,
  signInLink,
  signOut,
  signUp,
  storeOrigin,
  submitSignIn,
} from './accounts-helpers';

// Accounts in a real browser: signing up, in and out, "keep me signed in"
// and its rotating cookie, a stolen copy of that cookie, the guest cart
// merged at sign-in, the devices page, the remembered email, and where a
// sign-in may send the browser. Every test uses its own browser contexts.
//
// The server allows 10 POSTs a minute per IP to /login and, separately, 10
// to /signup, and the whole suite comes from 127.0.0.1. This file sends
// 4 to /signup and 7 to /login (3 of them for the demo account), noted at
// each test; keep the totals in view when adding sign-ins.

// These tests walk through whole flows, several pages each.
test.describe.configure({ timeout: 90_000 });

const FIREFOX_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

// POSTs: 1 to /signup, 1 to /login.
test('"keep me signed in" outlives the browser, and "remember my email" outlives signing out', async ({
  context,
  page,
}) => {
  const shopper = newShopper('Robin Keeper');
  await page.goto('/signup');
  await signUp(page, shopper);
  await expectSignedIn(page, shopper);
  await signOut(page);

  await page.goto('/login');
  await signIn(page, shopper, { keepSignedIn: true, rememberEmail: true });
  await expect(page).toHaveURL(/\/account$/);
  const origin = storeOrigin(page);

  const firstSession = await mustHaveCookie(context, origin, SESSION);
  expectSessionCookie(firstSession);
  const firstRemember = await mustHaveCookie(context, origin, REMEMBER);
  expectRememberCookie(firstRemember);
  expect(firstRemember.value, 'the remember-me cookie does not show the email').not.toContain(shopper.email);
  await mustHaveCookie(context, origin, EMAIL);

  // Signed in with the password just now: no password needed to sign out elsewhere.
  await page.goto('/account/security');
  await expect(page.getByLabel('Your password')).toHaveCount(0);

  // The browser closes: the session cookie is gone, the remember-me cookie stays.
  await closeBrowserSession(context);
  expect(await cookieOf(context, origin, SESSION)).toBeUndefined();
  await expectSignedIn(page, shopper);

  const resumedSession = await mustHaveCookie(context, origin, SESSION);
  expectSessionCookie(resumedSession);
  expect(resumedSession.value, 'a new session id').not.toBe(firstSession.value);
  const rotated = await mustHaveCookie(context, origin, REMEMBER);
  expectRememberCookie(rotated);
  expect(rotated.value, 'the remember-me cookie is rotated when used').not.toBe(firstRemember.value);

  // The devices page knows this browser was kept signed in, and asks for the
  // password before signing out everything else.
  await page.goto('/account/security');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Devices and sessions');
  // (The session whose cookie went with the closed browser may still be
  // listed until it times out; this browser's own entry is the new one.)
  const thisBrowser = page
    .locator('section')
    .filter({ has: page.getByRole('heading', { name: 'Signed-in browsers' }) })
    .getByRole('listitem')
    .filter({ hasText: 'This browser' });
  await expect(thisBrowser).toHaveCount(1);
  await expect(thisBrowser).toContainText('Kept signed in');
  const devices = page
    .locator('section')
    .filter({ has: page.getByRole('heading', { name: 'Devices that keep you signed in' }) });
  await expect(devices.getByRole('listitem')).toHaveCount(1);
  await expect(devices.getByRole('listitem')).toContainText('This device');
  await expect(page.getByLabel('Your password')).toBeVisible();

  // Signing out forgets this device: closing the browser now leaves it signed out.
  await signOut(page);
  expect(await cookieOf(context, origin, REMEMBER), 'sign-out drops the remember-me cookie').toBeUndefined();
  await closeBrowserSession(context);
  await expectSignedOut(page);

  // The email is remembered across the sign-out, until the shopper says otherwise.
  await page.goto('/login');
  const form = loginForm(page);
  await expect(form.getByLabel('Email', { exact: true })).toHaveValue(shopper.email);
  await expect(form.getByLabel('Password', { exact: true })).toHaveValue('');
  await expect(form.getByLabel('Remember my email')).toBeChecked();
  const forget = page.getByRole('button', { name: 'Not you? Forget this email' });
  await forget.click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(form.getByLabel('Email', { exact: true })).toHaveValue('');
  await expect(form.getByLabel('Remember my email')).not.toBeChecked();
  await expect(forget).toHaveCount(0);
  expect(await cookieOf(context, origin, EMAIL), 'the remembered email is forgotten').toBeUndefined();
});

// POSTs: 1 to /signup, 1 to /login.
test('a stolen "keep me signed in" cookie signs nobody in and signs the account out everywhere', async ({
  browser,
  context,
  page,
}) => {
  const shopper = newShopper('Sam Stolen');
  await page.goto('/signup');
  await signUp(page, shopper, { keepSignedIn: true });
  await expectSignedIn(page, shopper);
  const origin = storeOrigin(page);
  const original = await mustHaveCookie(context, origin, REMEMBER);

  // Someone copies the cookie to another browser...
  const thief = await browser.newContext();
  try {
    await thief.addCookies([original]);

    // ...while the shopper keeps using theirs: each return rotates it, and
    // two rotations leave the copy neither current nor just replaced.
    let latest = original.value;
    for (let visit = 1; visit <= 2; visit++) {
      await closeBrowserSession(context);
      await expectSignedIn(page, shopper);
      const rotated = await mustHaveCookie(context, origin, REMEMBER);
      expect(rotated.value, `the cookie is rotated on return ${visit}`).not.toBe(latest);
      latest = rotated.value;
    }

    // The copy is refused...
    const thiefPage = await thief.newPage();
    await expectSignedOut(thiefPage);
    expect(await cookieOf(thief, origin, SESSION), 'no session for the copy').toBeUndefined();
    expect(await cookieOf(thief, origin, REMEMBER), 'the copy is dropped').toBeUndefined();
  } finally {
    await thief.close();
  }

  // ...and, since either browser may be the thief's, the shopper is signed out too.
  await expectSignedOut(page);
  expect(await cookieOf(context, origin, REMEMBER), 'the remember-me cookie is dropped').toBeUndefined();

  // Signing in again tells the shopper what happened and where to look.
  await signIn(page, shopper);
  await expect(page).toHaveURL(/\/account$/);
  await expect(flash(page)).toContainText('Check your devices and sessions');
  await expect(flash(page)).toContainText('signed you out everywhere');

  await page.goto('/account/security');
  const browsers = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Signed-in browsers' }) });
  await expect(browsers.getByRole('listitem'), 'only the new sign-in remains').toHaveCount(1);
  await expect(page.getByText('No device keeps you signed in.')).toBeVisible();

  // The warning is shown once.
  await page.goto('/account');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Hello, ${shopper.name}`);
  await expect(flash(page)).toHaveCount(0);
});

// POSTs: 1 to /signup, 1 to /login.
test('the guest cart joins the account at sign-up and sign-in, and leaves the device at sign-out', async ({
  context,
  page,
}) => {
  await addToCart(page, 'baguette', 2);
  await addToCart(page, 'macarons', 1);
  await expect(headerCartCount(page)).toHaveText('3');
  const origin = storeOrigin(page);
  await mustHaveCookie(context, origin, CART);

  // From the sign-in page on the way to the cart, the shopper creates an account.
  const shopper = newShopper('Casey Cart');
  await page.goto('/login?next=/cart');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page).toHaveURL(/\/signup\?next=(%2[fF]|\/)cart$/);
  await signUp(page, shopper);

  await expect(page).toHaveURL(/\/cart$/);
  await expect(flash(page)).toHaveText('3 items from your earlier visit were added to your cart.');
  await expect(cartLine(page, 'Baguette').getByLabel('Quantity of Baguette')).toHaveValue('2');
  await expect(cartLine(page, 'Macarons').getByLabel('Quantity of Macarons')).toHaveValue('1');
  await expect(page.locator('table.cart-table tbody tr')).toHaveCount(2);
  await expect(headerCartCount(page)).toHaveText('3');
  expect(await cookieOf(context, origin, CART), 'the guest cart cookie is cleared').toBeUndefined();

  // Signing out leaves no cart on the device.
  await signOut(page);
  await page.goto('/cart');
  await expect(page.getByText('Your cart is empty.')).toBeVisible();
  await expect(headerCartCount(page)).toHaveText('0');
  expect(await cookieOf(context, origin, CART)).toBeUndefined();

  // As a guest again, one more baguette; signing in adds it to the saved cart.
  await addToCart(page, 'baguette', 1);
  await page.goto('/login?next=/cart');
  await signIn(page, shopper);
  await expect(page).toHaveURL(/\/cart$/);
  await expect(flash(page)).toHaveText('1 item from your earlier visit was added to your cart.');
  await expect(cartLine(page, 'Baguette').getByLabel('Quantity of Baguette')).toHaveValue('3');
  await expect(cartLine(page, 'Macarons').getByLabel('Quantity of Macarons')).toHaveValue('1');
  await expect(page.locator('table.cart-table tbody tr')).toHaveCount(2);
  await expect(headerCartCount(page)).toHaveText('4');
  expect(await cookieOf(context, origin, CART)).toBeUndefined();

  // The flash is shown once; the cart stays.
  await page.reload();
  await expect(flash(page)).toHaveCount(0);
  await expect(headerCartCount(page)).toHaveText('4');
});

// POSTs: 1 to /signup, 1 to /login.
test('a session signed out from the devices page stops working; this one carries on', async ({ browser, page }) => {
  const shopper = newShopper('Dana Devices');
  await page.goto('/signup');
  await signUp(page, shopper);

  const other = await browser.newContext({ userAgent: FIREFOX_ON_LINUX });
  try {
    const otherPage = await other.newPage();
    await otherPage.goto('/login');
    await signIn(otherPage, shopper);
    await expectSignedIn(otherPage, shopper);

    await page.goto('/account/security');
    const browsers = page
      .locator('section')
      .filter({ has: page.getByRole('heading', { name: 'Signed-in browsers' }) })
      .getByRole('listitem');
    await expect(browsers).toHaveCount(2);
    const here = browsers.filter({ hasText: 'This browser' });
    const there = browsers.filter({ hasNotText: 'This browser' });
    await expect(here).toHaveCount(1);
    await expect(here.getByRole('button', { name: /^Sign out/ })).toHaveCount(0);
    await expect(there).toHaveCount(1);
    await expect(there).toContainText('Firefox on Linux');

    await there.getByRole('button', { name: 'Sign out Firefox on Linux' }).click();
    await expect(page).toHaveURL(/\/account\/security$/);
    await expect(browsers).toHaveCount(1);
    await expect(browsers).toContainText('This browser');

    await expectSignedOut(otherPage);
    await expect(otherPage.locator('header')).not.toContainText('Account');
  } finally {
    await other.close();
  }

  await expectSignedIn(page, shopper);
});

// POSTs: 2 to /login, for the demo account.
test('a sign-in never sends the browser to another site', async ({ page }) => {
  for (const next of ['//evil.example/x', 'https://evil.example/']) {
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    const origin = storeOrigin(page);
    const hidden = loginForm(page).locator('input[type="hidden"][name="next"]');
    await expect(hidden, `the form does not carry ${next} on`).toHaveValue('');

    // A crafted form could send it anyway: the server must refuse it too.
    await hidden.evaluate((input, value) => ((input as HTMLInputElement).value = value), next);
    const response = await signIn(page, DEMO);
    expect(await response.headerValue('location'), `after next=${next}`).toBe('/account');
    await expect(page).toHaveURL(`${origin}/account`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Hello, ${DEMO.name}`);
    await signOut(page);
  }

  // Local paths are kept (no sign-in needed to see it).
  await page.goto('/login?next=/cart');
  await expect(loginForm(page).locator('input[type="hidden"][name="next"]')).toHaveValue('/cart');
  for (const next of ['/\\evil.example/x', 'javascript:alert(1)', 'evil.example']) {
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    await expect(loginForm(page).locator('input[type="hidden"][name="next"]'), `next=${next}`).toHaveValue('');
  }
});

// POSTs: 1 to /login, for the demo account (a wrong password).
test('a wrong password keeps the shopper on the sign-in page with the email filled in', async ({ context, page }) => {
  await page.goto('/login');
  const response = await submitSignIn(page, { email: DEMO.email, password: 'not-the-right-password' });
  expect(response.status()).toBe(422);
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('alert')).toHaveText('The email or password is wrong. Check them and try again.');
  const form = loginForm(page);
  await expect(form.getByLabel('Email', { exact: true })).toHaveValue(DEMO.email);
  await expect(form.getByLabel('Password', { exact: true })).toHaveValue('');
  await expect(signInLink(page)).toBeVisible();
  await expect(accountLink(page)).toHaveCount(0);
  expect(await cookieOf(context, storeOrigin(page), REMEMBER)).toBeUndefined();
  await expectSignedOut(page);
});
