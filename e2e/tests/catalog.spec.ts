import { PRICE, expect, productCards, productLink, productSlugs, searchFor, section, test } from './storefront';

const CATEGORIES = [
  ['Bread', 'bread'],
  ['Pastries', 'pastries'],
  ['Cakes', 'cakes'],
  ['Cookies & Biscuits', 'biscuits'],
  ['Tarts & Pies', 'tarts'],
  ['Savory', 'savory'],
] as const;

test('every page carries the shared header, main and footer', async ({ page }) => {
  for (const path of ['/', '/products', '/products/baguette']) {
    await page.goto(path);
    const header = page.locator('header').first();
    await expect(header.getByRole('link', { name: 'Crumb home' })).toHaveAttribute('href', '/');
    await expect(header.getByRole('navigation').first()).toBeVisible();
    await expect(page.getByRole('search').getByLabel('Search products')).toHaveAttribute('name', 'q');
    await expect(page.locator('a[href="/cart"] #cart-count')).toHaveText('0');
    await expect(page.locator('main#main')).toBeVisible();
    await expect(page.locator('footer').getByRole('link', { name: 'Cookie policy' })).toHaveAttribute(
      'href',
      '/cookies',
    );
  }
});

test('a shopper browses a category, searches and opens a product', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Crumb');

  const featured = section(page, 'Featured');
  await expect(featured.locator('article.product-card').first()).toBeVisible();
  await expect(featured.locator('article.product-card').first()).toContainText(PRICE);

  const categories = section(page, 'Shop by category');
  for (const [name, slug] of CATEGORIES) {
    await expect(categories.getByRole('link', { name, exact: true })).toHaveAttribute(
      'href',
      `/products?category=${slug}`,
    );
  }

  await categories.getByRole('link', { name: 'Bread', exact: true }).click();
  await expect(page).toHaveURL(/\/products\?category=bread$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bread');
  await expect(productCards(page)).toHaveCount(6);
  await expect(productLink(page, 'Sourdough Loaf')).toBeVisible();
  await expect(productLink(page, 'Baguette')).toBeVisible();
  const bread = await productSlugs(page);
  for (const other of ['butter-croissant', 'pain-au-chocolat', 'almond-croissant', 'carrot-cake', 'macarons']) {
    expect(bread, `the Bread listing should not show ${other}`).not.toContain(other);
  }

  await searchFor(page, 'croissant');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Results for “croissant”');
  await expect(page.getByRole('search').getByLabel('Search products')).toHaveValue('croissant');
  await expect(productLink(page, 'Butter Croissant')).toBeVisible();
  expect(await productSlugs(page)).toContain('almond-croissant');

  await productLink(page, 'Butter Croissant').click();
  await expect(page).toHaveURL(/\/products\/butter-croissant$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Butter Croissant');
  await expect(page.locator('main p.price').first()).toHaveText(PRICE);

  const addToCart = page.locator('main form[action="/cart/items"]');
  await expect(addToCart).toHaveAttribute('method', /^post$/i);
  await expect(addToCart.locator('input[type="hidden"][name="product_id"]')).toHaveValue(/^\d+$/);
  await expect(addToCart.locator('input[type="hidden"][name="_csrf"]')).toHaveValue(/.+/);
  const quantity = addToCart.getByLabel('Quantity');
  await expect(quantity).toHaveAttribute('type', 'number');
  await expect(quantity).toHaveAttribute('name', 'quantity');
  await expect(addToCart.getByRole('button', { name: 'Add to cart' })).toBeVisible();
});

test('the full listing is paginated twelve to a page', async ({ page }) => {
  await page.goto('/products');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('All products');
  await expect(productCards(page)).toHaveCount(12);
  for (const card of await productCards(page).all()) {
    await expect(card).toContainText(PRICE);
  }

  const pagination = page.getByRole('navigation', { name: 'Pagination' });
  await expect(pagination).toContainText('Page 1 of 3');
  const firstPage = await productSlugs(page);

  const next = pagination.getByRole('link', { name: 'Next' });
  await expect(next).toHaveAttribute('rel', 'next');
  await next.click();
  await expect(page).toHaveURL(/\/products\?(.*&)?page=2\b/);
  await expect(pagination).toContainText('Page 2 of 3');
  await expect(productCards(page)).toHaveCount(12);
  const secondPage = await productSlugs(page);
  expect(secondPage.filter((slug) => firstPage.includes(slug))).toEqual([]);

  const previous = pagination.getByRole('link', { name: 'Previous' });
  await expect(previous).toHaveAttribute('rel', 'prev');
  await previous.click();
  await expect(pagination).toContainText('Page 1 of 3');
  expect(await productSlugs(page)).toEqual(firstPage);
});

test('a search that finds nothing says so', async ({ page }) => {
  await page.goto('/');
  await searchFor(page, 'quinoa brick');
  await expect(page.getByText('No products match')).toBeVisible();
  await expect(productCards(page)).toHaveCount(0);
  await expect(page.getByRole('search').getByLabel('Search products')).toHaveValue('quinoa brick');
});

test('an unknown product is a helpful 404 with a way back', async ({ page }) => {
  const response = await page.goto('/products/no-such-bun');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  const back = page.getByRole('link', { name: 'Back to the shop' });
  await expect(back).toHaveAttribute('href', '/');
  await back.click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Crumb');
});
