import { test as base, expect, type Cookie, type Locator, type Page } from '@playwright/test';

export { expect };

/**
 * The storefront's test: the home page greets a new visitor with today's
 * offer as a modal dialog, and these tests close it, as a shopper would, when
 * it stands in the way of what they do next. Tests of the offer itself call
 * page.removeLocatorHandler(todaysOffer(page)).
 */
export const test = base.extend<{ closesTodaysOffer: void }>({
  closesTodaysOffer: [
    async ({ page }, use) => {
      await page.addLocatorHandler(todaysOffer(page), async (dialog) => {
        await dialog.getByRole('button', { name: 'Close', exact: true }).click();
      });
      await use();
    },
    { auto: true },
  ],
});

/** The home page's "Today's offer" dialog. */
export function todaysOffer(page: Page): Locator {
  return page.getByRole('dialog', { name: /today.s offer/i });
}

/** The product cards of a listing, in page order. */
export function productCards(page: Page): Locator {
  return page.locator('main article.product-card');
}

/** The link to one product, found by its name among the cards on the page. */
export function productLink(page: Page, name: string): Locator {
  return productCards(page).getByRole('link', { name, exact: true }).first();
}

/** The slugs of the products listed on the current page, in page order. */
export async function productSlugs(page: Page): Promise<string[]> {
  const slugs: string[] = [];
  for (const card of await productCards(page).all()) {
    const href = await card.locator('a[href^="/products/"]').first().getAttribute('href');
    slugs.push(href?.replace(/^\/products\//, '') ?? '');
  }
  return slugs;
}

/** A page section found by its heading, e.g. the home page's "Featured". */
export function section(page: Page, heading: string): Locator {
  return page
    .locator('section')
    .filter({ has: page.getByRole('heading', { name: heading, exact: true }) });
}

/** Searches the catalog with the search box every page carries in its header. */
export async function searchFor(page: Page, query: string): Promise<void> {
  const search = page.getByRole('search');
  await search.getByLabel('Search products').fill(query);
  await search.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/products\?(.*&)?q=/);
}

/** A price as the storefront prints it: dollars and two-digit cents. */
export const PRICE = /\$\d+\.\d{2}/;

/** The cart count in the header every page carries. */
export function cartCount(page: Page): Locator {
  return page.locator('header a[href="/cart"] #cart-count');
}

/** The cookies the browser holds for the store, as sent to the page's origin. */
export async function storeCookies(page: Page): Promise<Cookie[]> {
  return page.context().cookies(new URL(page.url()).origin);
}

/** The cookie of that name the browser holds for the store, if any. */
export async function storeCookie(page: Page, name: string): Promise<Cookie | undefined> {
  return (await storeCookies(page)).find((cookie) => cookie.name === name);
}
