import { expect, test } from './storefront';
import {
  REMEMBER,
  closeBrowserSession,
  cookieOf,
  expectSignedIn,
  expectSignedOut,
  flash,
  loginForm,
  mustHaveCookie,
  newShopper,
  signIn,
  signUp,
  storeOrigin,
} from './accounts-helpers';
import { newestMailTo } from './mail';

// A forgotten password in a real browser: ask for a link, read the email,
// follow the link, choose a new password. The device that was kept signed
// in elsewhere is signed out, and the address counts as confirmed: the link
// reached it. The email is read where the server leaves it (see mail.ts):
// the development mailbox (/dev/mail: without SMTP_URL, mail stays in the
// outbox), or, when the shop sends real mail (the scaled run), the mail
// server's mailbox at CRUMB_E2E_MAILBOX_URL.
//
// POSTs: 1 to /signup, 1 to /login, 1 to /password/forgot, 1 to /password/reset.

test.describe.configure({ timeout: 90_000 });

test('a forgotten password: the emailed link sets a new one and signs out the remembered device', async ({
  browser,
  page,
}) => {
  const shopper = newShopper('Robin Forgetful');

  // Another device, kept signed in.
  const device = await browser.newContext();
  const devicePage = await device.newPage();
  await devicePage.goto('/signup');
  await signUp(devicePage, shopper, { keepSignedIn: true });
  await mustHaveCookie(device, storeOrigin(devicePage), REMEMBER);

  // This browser has forgotten the password.
  await page.goto('/login');
  await loginForm(page).getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/password\/forgot$/);
  await page.getByLabel('Email', { exact: true }).fill(shopper.email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your email');
  await expect(page.locator('main').getByRole('status')).toContainText(`If an account uses ${shopper.email}`);

  // The email.
  const mail = await newestMailTo(page, shopper.email, 'Reset your Crumb password');
  expect(mail.text).toContain('The link works once, until');
  const href = mail.links.find((l) => l.includes('/password/reset?token='));
  expect(href, 'the link is BASE_URL/password/reset?token=...').toMatch(
    new RegExp(`^${storeOrigin(page)}/password/reset\\?token=[A-Za-z0-9_-]{43}$`),
  );
  const shown = (await page.goto(href!))!;
  expect(shown.status()).toBe(200);
  expect(shown.headers()['referrer-policy'], 'the reset page sends no referrer').toBe('no-referrer');

  // A new password, by the sign-up rules.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Choose a new password');
  await page.getByLabel('New password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page.locator('.field-error')).toContainText('at least 8');
  const newPassword = 'sesame-bagel-sunday-9';
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(flash(page)).toContainText('Your password is changed');
  await expect(page.locator('main .email-status'), 'following the reset link confirmed the email').toHaveText('Email confirmed');
  await expectSignedIn(page, shopper);

  // The link worked once.
  await page.goto(href!);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('This link no longer works');
  await expect(page.getByRole('button', { name: 'Send me a link' })).toBeVisible();

  // The remembered device is signed out, even once its browser restarts.
  await expectSignedOut(devicePage);
  await closeBrowserSession(device);
  await expectSignedOut(devicePage);
  expect(await cookieOf(device, storeOrigin(devicePage), REMEMBER), 'the remember-me cookie is cleared').toBeUndefined();

  // The "password changed" email, and the new password works on the other device.
  expect((await newestMailTo(page, shopper.email, 'Your Crumb password was changed')).text).toContain(
    'every browser, remembered device and app signed in to it was signed out',
  );
  await devicePage.goto('/login');
  await signIn(devicePage, { email: shopper.email, password: newPassword });
  await expectSignedIn(devicePage, shopper);
  await device.close();
});
