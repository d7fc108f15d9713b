import type { Page } from '@playwright/test';
import { expect } from './storefront';
import { flash, storeOrigin } from './accounts-helpers';

// The email the store sent, read where the server leaves it: the
// development mailbox (/dev/mail: without SMTP_URL, mail stays in the
// outbox), or, when the shop sends real mail (the scaled run), the mail
// server's mailbox at CRUMB_E2E_MAILBOX_URL.

export type Mail = { text: string; links: string[] };

const mailbox = process.env.CRUMB_E2E_MAILBOX_URL;

/** The newest email to address with subject, waiting for it (a reset link is issued every few seconds). */
export async function newestMailTo(page: Page, address: string, subject: string): Promise<Mail> {
  if (mailbox) {
    let found: { subject: string; text: string } | undefined;
    await expect(async () => {
      const res = await page.request.get(`${mailbox}/messages?to=${encodeURIComponent(address)}`);
      const messages: { subject: string; text: string }[] = await res.json();
      found = messages.find((m) => m.subject === subject);
      expect(found, `an email "${subject}" to ${address}`).toBeTruthy();
    }).toPass({ timeout: 20_000 });
    return { text: found!.text, links: found!.text.match(/https?:\/\/[^\s<>"]+/g) ?? [] };
  }
  const message = page
    .locator('article.mail-message')
    .filter({ has: page.locator('.mail-to', { hasText: address }) })
    .filter({ has: page.getByRole('heading', { name: subject, exact: true }) });
  await expect(async () => {
    await page.goto('/dev/mail');
    await expect(message.first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  const links = await message.first().locator('.mail-links a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  return { text: await message.first().innerText(), links };
}

/** The subject of the email that carries the link confirming a new account's email. */
export const CONFIRM_SUBJECT = 'Confirm your email for Crumb';

/** The link of the newest "confirm your email" email to address: BASE_URL/account/verify?token=... */
export async function confirmLink(page: Page, address: string): Promise<string> {
  const mail = await newestMailTo(page, address, CONFIRM_SUBJECT);
  const href = mail.links.find((l) => l.includes('/account/verify?token='));
  expect(href, 'the link is BASE_URL/account/verify?token=...').toMatch(
    new RegExp(`^${storeOrigin(page)}/account/verify\\?token=[A-Za-z0-9_-]{43}$`),
  );
  return href!;
}

/**
 * Opens the shopper's newest "confirm your email" email and follows its
 * link, as the shopper would: the email is confirmed, and the browser
 * (signed in to the account, or to no one) lands on its account page.
 */
export async function confirmEmail(page: Page, shopper: { email: string }): Promise<void> {
  const href = await confirmLink(page, shopper.email);
  await page.goto(href);
  await expect(page).toHaveURL(/\/account$/);
  await expect(flash(page)).toHaveText('Thank you: your email address is confirmed. You can place orders now.');
  await expect(page.locator('main .email-status')).toHaveText('Email confirmed');
}
