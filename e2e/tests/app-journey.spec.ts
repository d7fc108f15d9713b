import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../api/schema';
import { expect, test } from './storefront';
import { newShopper } from './accounts-helpers';
import { confirmEmail, newestMailTo } from './mail';

// One shopper's whole life in the mobile app, made with the client generated
// from the API's OpenAPI document (npm run api:types), so a change of the
// document that breaks the app breaks the type check first: signing up and
// confirming the email through the mailbox, browsing, ordering and cancelling,
// managing where the account is signed in, changing the password, and signing
// out everywhere. The phone is set to Korean: every word the app shows arrives
// in Korean, while codes, types and field names are the ones the app acts on in
// any language.
//
// It buys Gingerbread Men, which no other spec orders, and cancels the order,
// so no other spec sees its stock move.

test.describe.configure({ timeout: 90_000 });

type Problem = components['schemas']['Problem'];

/** What the app gets back from one call: data on success, a problem otherwise. */
type Answer = { data?: unknown; error?: unknown; response: Response };

/** The body of a successful answer with status, in Korean (Content-Language). */
function expectOk<A extends Answer>(answer: A, status: number): NonNullable<A['data']> {
  expect(answer.response.status, JSON.stringify(answer.error)).toBe(status);
  expect(answer.response.headers.get('content-language')).toBe('ko');
  return answer.data as NonNullable<A['data']>;
}

/** The problem of a refused call with status, its words in Korean. */
function expectProblem(answer: Answer, status: number): Problem {
  expect(answer.response.status, JSON.stringify(answer.data)).toBe(status);
  expect(answer.response.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  expect(answer.response.headers.get('content-language')).toBe('ko');
  expect(answer.response.headers.get('vary')).toMatch(/Accept-Language/);
  const problem = answer.error as Problem;
  expect(problem.status).toBe(status);
  for (const words of [problem.title, problem.detail, ...(problem.errors ?? []).map((e) => e.message)]) {
    expect(words, 'the app shows Korean words').toMatch(/[가-힣]/);
  }
  return problem;
}

/** A 204 answer, in Korean too (Content-Language). */
function expectNoContent(answer: Answer): void {
  expect(answer.response.status, JSON.stringify(answer.error)).toBe(204);
  expect(answer.response.headers.get('content-language')).toBe('ko');
}

/**
 * The app on one device: its name in User-Agent, the phone's languages in
 * Accept-Language, and the access token of its current sign-in (session.access) on
 * every call.
 */
function appOn(baseUrl: string | undefined, device: string) {
  const session = { access: '' };
  const bearer: Middleware = {
    onRequest({ request }) {
      if (session.access) request.headers.set('Authorization', `Bearer ${session.access}`);
      return request;
    },
  };
  const api = createClient<paths>({
    baseUrl,
    headers: { 'Accept-Language': 'ko-KR,ko;q=0.9,en;q=0.8', 'User-Agent': `Crumb/1.0 (${device})` },
  });
  api.use(bearer);
  return { api, session };
}

test('a shopper lives a whole life in the app, in Korean', async ({ page, baseURL }, testInfo) => {
  const phone = appOn(baseURL, 'iPhone; iOS 18.1');
  const app = phone.api;

  const shopper = newShopper('김하늘');

  // Sign-up: a password too short is refused with the field named and the rule in Korean.
  const short = expectProblem(
    await app.POST('/api/v1/accounts', { body: { name: shopper.name, email: shopper.email, password: 'short' } }),
    422,
  );
  expect(short.type).toBe('about:blank');
  expect(short.title).toBe('입력한 내용을 확인해 주세요');
  expect(short.errors?.map((e) => e.field)).toEqual(['password']);
  expect(short.errors?.[0].message).toContain('8자 이상');

  // With a good password the app is signed in to the new account at once.
  const created = await app.POST('/api/v1/accounts', {
    body: { name: shopper.name, email: shopper.email, password: shopper.password, language: 'en' },
  });
  let pair = expectOk(created, 201);
  expect(created.response.headers.get('location')).toBe('/api/v1/me');
  expect(pair.token_type).toBe('Bearer');
  expect(pair.expires_in).toBeGreaterThan(0);
  phone.session.access = pair.access_token;
  const me = expectOk(await app.GET('/api/v1/me'), 200);
  expect(me).toMatchObject({ name: '김하늘', email: shopper.email, email_verified: false, language: 'en' });

  // The shelves, then the products of one, each with the slug the app asks by.
  const shelves = await app.GET('/api/v1/categories');
  expect(shelves.response.status).toBe(200);
  const slugs = shelves.data!.items.map((c) => c.slug);
  expect(slugs).toEqual(['bread', 'pastries', 'cakes', 'biscuits', 'tarts', 'savory']);
  for (const shelf of shelves.data!.items) expect(shelf.name, `the name of ${shelf.slug}`).not.toBe('');

  const biscuits = expectOk(
    await app.GET('/api/v1/products', { params: { query: { category: 'biscuits', per_page: 100 } } }),
    200,
  );
  expect(biscuits.total).toBe(biscuits.items.length);
  expect(biscuits.items.every((p) => p.category === 'biscuits')).toBe(true);
  const gingerbread = biscuits.items.find((p) => p.slug === 'gingerbread-man')!;
  expect(gingerbread, 'the biscuits hold the gingerbread man').toBeDefined();
  expect(gingerbread).toMatchObject({ in_stock: true, price: { amount: 300, currency: 'USD' } });
  expect(gingerbread.stock).toBeGreaterThanOrEqual(2);

  const unknownShelf = expectProblem(await app.GET('/api/v1/products', { params: { query: { category: 'no-such-shelf' } } }), 400);
  expect(unknownShelf.errors?.map((e) => e.field)).toEqual(['category']);

  // Into the cart: two of them, priced in minor units.
  const cart = expectOk(await app.POST('/api/v1/cart/items', { body: { product_id: gingerbread.id, quantity: 2 } }), 200);
  expect(cart.items.map((l) => [l.product.slug, l.quantity])).toEqual([['gingerbread-man', 2]]);
  expect(cart.count).toBe(2);
  expect(cart.subtotal).toEqual({ amount: 600, currency: 'USD' });
  expect(cart.notices).toEqual([]);

  // The order: refused until the email is confirmed, with the type the app acts on.
  const order = {
    shipping: {
      name: '김하늘',
      phone: '010-1234-5678',
      address1: '서울특별시 마포구 와우산로 21',
      address2: '3층',
      postal_code: '04050',
      country: 'KR',
    },
    payment_method: 'cod',
  } as const;
  const key = `app-${testInfo.testId}-${Date.now()}`;
  const unverified = expectProblem(
    await app.POST('/api/v1/orders', { body: order, params: { header: { 'Idempotency-Key': key } } }),
    403,
  );
  expect(unverified.type).toBe('urn:crumb:problem:email-unverified');
  expect(unverified.title).toBe('이메일 인증이 필요해요');

  // The app asks for the link again; the shopper taps it in the mailbox and
  // the app's next try goes through.
  const resent = expectOk(await app.POST('/api/v1/me/verification'), 202);
  expect(resent.email_verified).toBe(false);
  expect(resent.detail).toContain(shopper.email);
  expect(resent.detail).toMatch(/[가-힣]/);
  await page.goto('/'); // the shopper's browser, on the shop whose link the mail carries
  await confirmEmail(page, shopper);
  expect(expectOk(await app.GET('/api/v1/me'), 200).email_verified).toBe(true);
  const placedAnswer = await app.POST('/api/v1/orders', { body: order, params: { header: { 'Idempotency-Key': key } } });
  const placed = expectOk(placedAnswer, 201);
  expect(placed.id).toMatch(/^CR-[2-9A-HJKMNP-Z]{10}$/);
  expect(placedAnswer.response.headers.get('location')).toBe(`/api/v1/orders/${placed.id}`);
  expect(placed).toMatchObject({ status: 'placed', payment_method: 'cod', total: { amount: 600, currency: 'USD' } });
  expect(placed.items.map((l) => [l.product_id, l.quantity])).toEqual([[gingerbread.id, 2]]);
  expect(placed.shipping).toMatchObject(order.shipping);
  expect(expectOk(await app.GET('/api/v1/cart'), 200).items, 'the order empties the cart').toEqual([]);

  // A retry with the same key (the answer was lost on a bad network) gets
  // the same order back, and orders nothing more.
  const retried = expectOk(
    await app.POST('/api/v1/orders', { body: order, params: { header: { 'Idempotency-Key': key } } }),
    201,
  );
  expect(retried.id).toBe(placed.id);
  const history = expectOk(await app.GET('/api/v1/orders'), 200);
  expect(history.items.map((o) => o.id)).toEqual([placed.id]);
  const shelfStock = async () =>
    expectOk(await app.GET('/api/v1/products/{id}', { params: { path: { id: String(gingerbread.id) } } }), 200).stock;
  // Behind a balancer the next call may reach another instance, whose
  // catalog hears of the change a moment later (LISTEN/NOTIFY).
  await expect.poll(shelfStock, { message: 'the order takes its two from the shelf' }).toBe(gingerbread.stock - 2);

  // Cancelling: once, and only once; the two go back on the shelf, and the
  // refusal names the order's state in Korean.
  const cancelled = expectOk(
    await app.POST('/api/v1/orders/{id}/cancel', { params: { path: { id: placed.id } } }),
    200,
  );
  expect(cancelled).toMatchObject({ id: placed.id, status: 'cancelled' });
  await expect.poll(shelfStock, { message: 'the cancellation puts the two back' }).toBe(gingerbread.stock);
  const again = expectProblem(await app.POST('/api/v1/orders/{id}/cancel', { params: { path: { id: placed.id } } }), 409);
  expect(again.type).toBe('about:blank');
  expect(again.title).toBe('주문을 취소할 수 없어요');
  const shown = expectOk(await app.GET('/api/v1/orders/{id}', { params: { path: { id: placed.id } } }), 200);
  expect(shown.status).toBe('cancelled');
  expect(await shelfStock(), 'a refused cancellation returns nothing').toBe(gingerbread.stock);

  // The shopper signs in on a tablet too. The account's sign-ins: the browser
  // that followed the link, the phone and the tablet; the one the access
  // token belongs to is current.
  const tablet = appOn(baseURL, 'iPad; iPadOS 18.1');
  let tabletPair = expectOk(
    await tablet.api.POST('/api/v1/auth/token', { body: { email: shopper.email, password: shopper.password } }),
    200,
  );
  tablet.session.access = tabletPair.access_token;
  const signIns = expectOk(await app.GET('/api/v1/me/sessions'), 200);
  expect(signIns.items.map((s) => s.kind)).toEqual(['web', 'app', 'app']);
  const current = signIns.items.filter((s) => s.current);
  expect(current).toHaveLength(1);
  expect(current[0]).toMatchObject({ kind: 'app', label: 'Crumb 앱' });
  expect(current[0].id).toMatch(/^app-\d+$/);
  const onTablet = expectOk(await tablet.api.GET('/api/v1/me/sessions'), 200).items.filter((s) => s.current);
  expect(onTablet).toHaveLength(1);
  expect(onTablet[0].id).not.toBe(current[0].id);

  // From the phone, the shopper signs the tablet out: its refresh token stops
  // at once. Then the browser: it is signed out at its next request.
  expectNoContent(await app.DELETE('/api/v1/me/sessions/{id}', { params: { path: { id: onTablet[0].id } } }));
  const tabletOut = expectProblem(
    await tablet.api.POST('/api/v1/auth/refresh', { body: { refresh_token: tabletPair.refresh_token } }),
    401,
  );
  expect(tabletOut.title).toBe('리프레시 토큰이 올바르지 않아요');
  expectProblem(await app.DELETE('/api/v1/me/sessions/{id}', { params: { path: { id: onTablet[0].id } } }), 404);
  const browser = signIns.items.find((s) => s.kind === 'web')!;
  expectNoContent(await app.DELETE('/api/v1/me/sessions/{id}', { params: { path: { id: browser.id } } }));
  await page.goto('/account');
  await expect(page, 'the signed-out browser is sent to sign in').toHaveURL(/\/login\?next=%2Faccount$/);
  const left = expectOk(await app.GET('/api/v1/me/sessions'), 200);
  expect(left.items.map((s) => [s.id, s.current])).toEqual([[current[0].id, true]]);

  // A new pair for the old refresh token: the app keeps only the newest.
  const spent = pair.refresh_token;
  pair = expectOk(await app.POST('/api/v1/auth/refresh', { body: { refresh_token: spent } }), 200);
  expect(pair.refresh_token).not.toBe(spent);
  expect(pair.access_token).not.toBe(phone.session.access);
  phone.session.access = pair.access_token;
  expect(expectOk(await app.GET('/api/v1/me'), 200).email).toBe(shopper.email);

  // Settings: a blank name is refused, the rule in Korean; then a new name
  // and Korean for the account.
  const blank = expectProblem(await app.PATCH('/api/v1/me', { body: { name: '   ' } }), 422);
  expect(blank.errors?.map((e) => e.field)).toEqual(['name']);
  expect(blank.errors?.[0].message).toContain('이름을 입력해 주세요');
  const renamed = expectOk(await app.PATCH('/api/v1/me', { body: { name: '김하늘 (크럼)', language: 'ko' } }), 200);
  expect(renamed).toMatchObject({ name: '김하늘 (크럼)', language: 'ko', email: shopper.email });
  expect(expectOk(await app.GET('/api/v1/me'), 200)).toMatchObject({ name: '김하늘 (크럼)', language: 'ko' });

  // A new password: the current one must be right and the new one follow
  // the rules, each refusal naming its field in Korean.
  const newPassword = 'walnut-and-rye-at-dawn-7';
  const wrong = expectProblem(
    await app.PUT('/api/v1/me/password', { body: { current_password: 'not-my-password-1', new_password: newPassword } }),
    403,
  );
  expect(wrong.errors?.map((e) => e.field)).toEqual(['current_password']);
  const weak = expectProblem(
    await app.PUT('/api/v1/me/password', { body: { current_password: shopper.password, new_password: 'short' } }),
    422,
  );
  expect(weak.errors?.map((e) => e.field)).toEqual(['new_password']);
  const before = pair;
  pair = expectOk(
    await app.PUT('/api/v1/me/password', { body: { current_password: shopper.password, new_password: newPassword } }),
    200,
  );
  expect(pair.refresh_token).not.toBe(before.refresh_token);
  // The new pair works; the old tokens are refused at once.
  expectProblem(await app.GET('/api/v1/me'), 401);
  expectProblem(await app.POST('/api/v1/auth/refresh', { body: { refresh_token: before.refresh_token } }), 401);
  phone.session.access = pair.access_token;
  expect(expectOk(await app.GET('/api/v1/me'), 200).email).toBe(shopper.email);
  // The account is told, in its language now Korean.
  const changedMail = await newestMailTo(page, shopper.email, '[Crumb] 비밀번호가 변경되었습니다');
  expect(changedMail.text).toMatch(/[가-힣]/);
  // The old password signs in nowhere; the new one does, on the tablet.
  expectProblem(
    await tablet.api.POST('/api/v1/auth/token', { body: { email: shopper.email, password: shopper.password } }),
    401,
  );
  tabletPair = expectOk(
    await tablet.api.POST('/api/v1/auth/token', { body: { email: shopper.email, password: newPassword } }),
    200,
  );

  // Refreshing goes on as before with the new pair.
  pair = expectOk(await app.POST('/api/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } }), 200);
  phone.session.access = pair.access_token;
  expect(expectOk(await app.GET('/api/v1/me/sessions'), 200).items.map((s) => s.kind)).toEqual(['app', 'app']);

  // Signing out everywhere ends every sign-in, this one included: the access
  // token is refused at once, and no refresh token works.
  expectNoContent(await app.DELETE('/api/v1/me/sessions'));
  const after = expectProblem(await app.GET('/api/v1/me'), 401);
  expect(after.title).toBe('액세스 토큰이 올바르지 않아요');
  phone.session.access = '';
  for (const token of [pair.refresh_token, tabletPair.refresh_token]) {
    const refused = expectProblem(await app.POST('/api/v1/auth/refresh', { body: { refresh_token: token } }), 401);
    expect(refused.title).toBe('리프레시 토큰이 올바르지 않아요');
  }
});
