import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../api/schema';
import { expect, test } from './storefront';
import { newShopper } from './accounts-helpers';
import { confirmEmail } from './mail';

// One shopper's whole journey through the mobile app, made with the client
// generated from the API's OpenAPI document (npm run api:types), so a change
// of the document that breaks the app breaks the type check first. The phone
// is set to Korean: every word the app shows arrives in Korean, while codes,
// types and field names are the ones the app acts on in any language.
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

test('a shopper signs up in the app, orders, cancels and signs out, in Korean', async ({ page, baseURL }, testInfo) => {
  // The app: its name in User-Agent, the phone's languages in Accept-Language,
  // and the access token of the current sign-in on every call.
  let access = '';
  const bearer: Middleware = {
    onRequest({ request }) {
      if (access) request.headers.set('Authorization', `Bearer ${access}`);
      return request;
    },
  };
  const app = createClient<paths>({
    baseUrl: baseURL,
    headers: { 'Accept-Language': 'ko-KR,ko;q=0.9,en;q=0.8', 'User-Agent': 'Crumb/1.0 (iPhone; iOS 18.1)' },
  });
  app.use(bearer);

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
  access = pair.access_token;
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

  // The shopper taps the link in the email; the app's next try goes through.
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
  const history = expectOk(await app.GET('/api/v1/orders'), 200);
  expect(history.items.map((o) => o.id)).toEqual([placed.id]);

  // The account's sign-ins: this phone is among them, and marked as this one.
  const signIns = expectOk(await app.GET('/api/v1/me/sessions'), 200);
  const current = signIns.items.filter((s) => s.current);
  expect(current).toHaveLength(1);
  expect(current[0]).toMatchObject({ kind: 'app', label: 'Crumb app' });
  expect(current[0].id).toMatch(/^app-\d+$/);

  // Cancelling: once, and only once; the refusal names the order's state in Korean.
  const cancelled = expectOk(
    await app.POST('/api/v1/orders/{id}/cancel', { params: { path: { id: placed.id } } }),
    200,
  );
  expect(cancelled).toMatchObject({ id: placed.id, status: 'cancelled' });
  const again = expectProblem(await app.POST('/api/v1/orders/{id}/cancel', { params: { path: { id: placed.id } } }), 409);
  expect(again.type).toBe('about:blank');
  expect(again.title).toBe('주문을 취소할 수 없어요');
  const shown = expectOk(await app.GET('/api/v1/orders/{id}', { params: { path: { id: placed.id } } }), 200);
  expect(shown.status).toBe('cancelled');

  // A new pair for the old refresh token: the app keeps only the newest.
  const spent = pair.refresh_token;
  pair = expectOk(await app.POST('/api/v1/auth/refresh', { body: { refresh_token: spent } }), 200);
  expect(pair.refresh_token).not.toBe(spent);
  expect(pair.access_token).not.toBe(access);
  access = pair.access_token;
  expect(expectOk(await app.GET('/api/v1/me'), 200).email).toBe(shopper.email);

  // Settings: a blank name is refused, the rule in Korean; then a new name
  // and Korean for the account.
  const blank = expectProblem(await app.PATCH('/api/v1/me', { body: { name: '   ' } }), 422);
  expect(blank.errors?.map((e) => e.field)).toEqual(['name']);
  expect(blank.errors?.[0].message).toContain('이름을 입력해 주세요');
  const renamed = expectOk(await app.PATCH('/api/v1/me', { body: { name: '김하늘 (크럼)', language: 'ko' } }), 200);
  expect(renamed).toMatchObject({ name: '김하늘 (크럼)', language: 'ko', email: shopper.email });
  expect(expectOk(await app.GET('/api/v1/me'), 200)).toMatchObject({ name: '김하늘 (크럼)', language: 'ko' });

  // Signing out ends the sign-in: its refresh token no longer works.
  const signOut = await app.POST('/api/v1/auth/revoke', { body: { refresh_token: pair.refresh_token } });
  expect(signOut.response.status).toBe(204);
  access = '';
  const after = expectProblem(await app.POST('/api/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } }), 401);
  expect(after.title).toBe('리프레시 토큰이 올바르지 않아요');
});
