import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';
import { newShopper, storeOrigin } from './accounts-helpers';
import { newestMailTo } from './mail';

// Crumb in Korean, seen from a Korean browser (locale ko-KR, so it sends
// Accept-Language: ko-KR): it shops, signs up, confirms its email from
// the mail and checks out without meeting an English word of the
// interface; the language switch works without JavaScript; and axe finds
// nothing serious on the Korean pages, the signed-in ones too.

/** A Korean browser closes today's offer (오늘의 추천) when it stands in the way. */
const test = base.extend<{ closesTodaysOffer: void }>({
  locale: 'ko-KR',
  closesTodaysOffer: [
    async ({ page }, use) => {
      await page.addLocatorHandler(page.getByRole('dialog', { name: '오늘의 추천' }), async (dialog) => {
        await dialog.getByRole('button', { name: '닫기', exact: true }).click();
      });
      await use();
    },
    { auto: true },
  ],
});

test.describe.configure({ timeout: 90_000 });

/** Words of the English interface that must not show on a Korean page. */
const ENGLISH = [
  'Add to cart', 'Your cart', 'Checkout', 'Place order', 'Sign in', 'Sign out', 'Create account',
  'Quantity', 'Subtotal', 'Total', 'Cart', 'Search', 'Cookie policy', 'All products', 'Featured',
];

/** The page is in Korean: <html lang="ko">, Korean in its main part, none of the English words. */
async function expectKorean(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
  const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
  expect(text, `${page.url()} has Korean`).toMatch(/[가-힣]/);
  for (const word of ENGLISH) {
    expect(text, `${page.url()} says "${word}"`).not.toContain(word);
  }
}

/** Serious and critical accessibility problems axe finds on the page. */
async function seriousProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('a Korean browser shops, signs up, confirms its email and checks out in Korean', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.headers()['content-language']).toBe('ko');
  await expectKorean(page);
  await expect(page.locator('header').getByRole('link', { name: /장바구니/ })).toBeVisible();

  // Search in Korean finds the croissants, named in Korean.
  const search = page.getByRole('search');
  await search.getByLabel('상품 검색').fill('크루아상');
  await search.getByRole('button', { name: '검색' }).click();
  await expect(page).toHaveURL(/\/products\?(.*&)?q=/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('“크루아상” 검색 결과');
  await expect(page.locator('main article.product-card').getByRole('link', { name: '버터 크루아상', exact: true })).toBeVisible();
  await expectKorean(page);

  // The product page, in Korean, and the cart.
  await page.goto('/products/cinnamon-roll');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('시나몬 롤');
  await expectKorean(page);
  const form = page.locator('main form[action="/cart/items"]');
  await form.getByLabel('수량', { exact: true }).fill('2');
  await form.getByRole('button', { name: '장바구니 담기' }).click();
  await expect(form.locator('.form-note')).toHaveText('장바구니에 담았습니다.');
  await expect(page.locator('header #cart-count')).toHaveText('2');

  await page.goto('/cart');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('장바구니');
  await expect(page.locator('table.cart-table').getByLabel('시나몬 롤 수량')).toHaveValue('2');
  await expectKorean(page);

  // Checkout asks a guest to sign in; a new account signs up in Korean.
  await page.getByRole('link', { name: '주문하기' }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Fcheckout$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('로그인');
  await expectKorean(page);
  await page.getByRole('link', { name: '회원가입' }).first().click();
  await expectKorean(page);
  const shopper = { ...newShopper('김하늘') };
  const signup = page.locator('main form[action="/signup"]');
  await signup.getByLabel('이름', { exact: true }).fill(shopper.name);
  await signup.getByLabel('이메일', { exact: true }).fill(shopper.email);
  await signup.getByLabel('비밀번호', { exact: true }).fill(shopper.password);
  await signup.getByRole('button', { name: '가입하기' }).click();
  await expect(page).not.toHaveURL(/\/signup/);

  // The confirmation mail is in Korean; its link confirms the address.
  const mail = await newestMailTo(page, shopper.email, '[Crumb] 이메일 주소를 인증해 주세요');
  expect(mail.text).toContain(`${shopper.name}님`);
  const link = mail.links.find((l) => l.startsWith(`${storeOrigin(page)}/account/verify?token=`));
  expect(link, 'the mail carries its link').toBeTruthy();
  await page.goto(link!);
  await expect(page.locator('main > .flash[role="status"]')).toHaveText('감사합니다. 이메일 인증이 끝났습니다. 이제 주문하실 수 있습니다.');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${shopper.name}님, 안녕하세요`);

  // The order, in Korean.
  await page.goto('/checkout');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('주문/결제');
  await expectKorean(page);
  expect(await seriousProblems(page), 'axe on the checkout page').toEqual([]);
  const checkout = page.locator('main form[action="/checkout"]');
  await checkout.getByLabel('받는 분').fill(shopper.name);
  await checkout.getByLabel('연락처').fill('010-1234-5678');
  await checkout.getByLabel('주소', { exact: true }).fill('서울시 마포구 빵길 1');
  await checkout.getByLabel('우편번호').fill('04001');
  await checkout.getByLabel('국가').selectOption({ label: '대한민국' });
  await checkout.getByLabel('만나서 현금 결제').check();
  await checkout.getByRole('button', { name: '주문하기' }).click();
  await expect(page).toHaveURL(/\/orders\/CR-[2-9A-HJKMNP-Z]{10}$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^주문번호 CR-/);
  await expect(page.locator('main')).toContainText('주문해 주셔서 감사합니다! 주문이 접수되었습니다.');
  await expect(page.locator('main')).toContainText('시나몬 롤');
  await expectKorean(page);
  expect(await seriousProblems(page), 'axe on the order page').toEqual([]);

  // The order's mail is in Korean too.
  const number = page.url().split('/').pop()!;
  const placed = await newestMailTo(page, shopper.email, `[Crumb] 주문이 접수되었습니다 (주문번호 ${number})`);
  expect(placed.text).toContain('시나몬 롤');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false, locale: 'en-US' });

  test('the language switch changes the page, remembers the choice and stays on the page', async ({ page }) => {
    await page.goto('/products/baguette');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    const switcher = page.locator('header form[action="/language"]');

    await switcher.getByRole('button', { name: '한국어' }).click();
    await expect(page).toHaveURL(/\/products\/baguette$/);
    await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
    await expect(page.getByRole('button', { name: '장바구니 담기' })).toBeVisible();
    const cookie = (await page.context().cookies(storeOrigin(page))).find((c) => c.name === 'crumb_lang');
    expect(cookie, 'the choice is kept in crumb_lang').toBeDefined();
    expect(cookie!.httpOnly).toBe(true);
    expect(cookie!.sameSite).toBe('Lax');
    expect(cookie!.value, 'the cookie is sealed, not the bare choice').not.toBe('ko');

    // The choice outlasts the browser's own language on the next page.
    await page.goto('/cart');
    await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('장바구니');

    await page.locator('header form[action="/language"]').getByRole('button', { name: 'English' }).click();
    await expect(page).toHaveURL(/\/cart$/);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cart');
  });
});

test('axe finds nothing serious on the Korean pages', async ({ page }) => {
  const problems: string[] = [];
  for (const path of ['/', '/products', '/products/baguette', '/cart', '/login', '/signup', '/password/forgot', '/cookies']) {
    await page.goto(path);
    await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
    problems.push(...(await seriousProblems(page)).map((p) => `${path} ${p}`));
  }
  expect(problems).toEqual([]);
});
