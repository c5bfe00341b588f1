import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import type { Principal } from '@mesh/server-kit';
import { dbCommands, principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { createProductModels, createProductSubgraph, type ProductModels } from '../src/module.js';
import { claimExclusive } from '../src/pricing/exclusive-claims.js';
import { redeemCoupons, releaseCoupons } from '../src/pricing/redeem-coupons.service.js';

let database: RunningDatabase;
let subgraph: TestSubgraph;
let models: ProductModels;

before(async () => {
  database = await startTestDatabase();
  subgraph = await startTestSubgraph(createProductSubgraph(), { mongoUri: database.uri, background: false });
  models = createProductModels(subgraph.connection);
});
after(async () => {
  await subgraph?.close();
  await database?.stop();
});

const CREATE = `mutation($input: CreatePromotionInput!) { createPromotion(input: $input) { id kind percent amount { minorUnits } couponCode } }`;
const PRICE_CART = `query($input: CartInput!) { priceCart(input: $input) {
  subtotal { minorUnits } discountTotal { minorUnits } total { minorUnits }
  lines { sku quantity unitListPrice { minorUnits } discountTotal { minorUnits } netAmount { minorUnits } discounts { promotionId amount { minorUnits } } }
  appliedPromotions { promotionId reason amount { minorUnits } couponCode }
  coupons { code refusal }
} }`;
type Cart = {
  priceCart: {
    subtotal: { minorUnits: string };
    discountTotal: { minorUnits: string };
    total: { minorUnits: string };
    lines: {
      sku: string;
      unitListPrice: { minorUnits: string };
      discounts: { promotionId: string; amount: { minorUnits: string } }[];
      discountTotal: { minorUnits: string };
      netAmount: { minorUnits: string };
    }[];
    appliedPromotions: { promotionId: string; reason: string; amount: { minorUnits: string }; couponCode: string | null }[];
    coupons: { code: string; refusal: string | null }[];
  };
};

const hours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
const create = (input: Record<string, unknown>, principal: Principal = principals.admin) =>
  subgraph.request<{ createPromotion: { id: string } }>(
    CREATE,
    {
      input: {
        idempotencyKey: `create-${String(input['id'])}`,
        name: String(input['id']),
        stacking: 'COMBINABLE',
        startsAt: hours(-1),
        endsAt: hours(24),
        ...input,
      },
    },
    principal,
  );
const priceCart = async (input: Record<string, unknown>) => {
  const response = await subgraph.request<Cart>(PRICE_CART, { input: { currency: 'USD', channel: 'WEB', ...input } }, principals.anonymous);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.priceCart;
};
const minor = (money: { minorUnits: string }) => Number(money.minorUnits);

describe('promotions and priceCart', () => {
  test('bad promotions are refused with stable codes and nothing is stored', async () => {
    const before = await models.promotions.countDocuments();
    const cases: [Record<string, unknown>, string][] = [
      [{ id: 'bad_pct', kind: 'PERCENT_OFF', percent: 101 }, 'PROMOTION_PERCENT_OUT_OF_RANGE'],
      [{ id: 'bad_pct0', kind: 'PERCENT_OFF', percent: 0 }, 'PROMOTION_PERCENT_OUT_OF_RANGE'],
      [{ id: 'bad_amount', kind: 'AMOUNT_OFF', amountMinor: '0', currency: 'USD' }, 'PROMOTION_AMOUNT_NOT_POSITIVE'],
      [{ id: 'bad_amount2', kind: 'FIXED_PRICE', amountMinor: '-100', currency: 'USD' }, 'PROMOTION_AMOUNT_NOT_POSITIVE'],
      [{ id: 'bad_period', kind: 'PERCENT_OFF', percent: 10, startsAt: hours(2), endsAt: hours(1) }, 'PROMOTION_PERIOD_EMPTY'],
      [{ id: 'bad_bundle', kind: 'BUNDLE_PRICE', amountMinor: '100', currency: 'USD', bundleSkus: ['SKU-0001-01'] }, 'PROMOTION_PARAMETERS_MISSING'],
    ];
    for (const [input, code] of cases) assert.equal((await create(input)).errors?.[0]?.extensions?.['code'], code, String(input['id']));
    assert.equal((await create({ id: 'no_right', kind: 'PERCENT_OFF', percent: 10 }, principals.associate)).errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal(await models.promotions.countDocuments(), before);
  });

  test('two exclusive promotions that can meet are refused; kept apart by channel they are accepted', async () => {
    assert.equal(
      (await create({ id: 'excl_web', kind: 'PERCENT_OFF', percent: 15, stacking: 'EXCLUSIVE', scope: { channels: ['MARKETPLACE'], categories: ['Home'] } }))
        .errors,
      undefined,
    );
    const clash = await create({
      id: 'excl_clash',
      kind: 'AMOUNT_OFF',
      amountMinor: '100',
      currency: 'USD',
      stacking: 'EXCLUSIVE',
      scope: { channels: ['MARKETPLACE', 'APP'] },
    });
    assert.equal(clash.errors?.[0]?.extensions?.['code'], 'PROMOTION_EXCLUSIVE_OVERLAP');
    assert.equal(clash.errors?.[0]?.extensions?.['overlapsWith'], 'excl_web');
    assert.equal(
      (await create({ id: 'excl_app', kind: 'AMOUNT_OFF', amountMinor: '100', currency: 'USD', stacking: 'EXCLUSIVE', scope: { channels: ['APP'] } })).errors,
      undefined,
    );
    assert.equal(await models.promotions.exists({ _id: 'excl_clash' }), null);
  });

  test('six exclusive promotions that can meet, created at the same instant: exactly one is accepted, the others are PROMOTION_EXCLUSIVE_OVERLAP', async () => {
    const ids = [1, 2, 3, 4, 5, 6].map((n) => `excl_race_${n}`);
    const answers = await Promise.all(
      ids.map((id, n) => create({ id, kind: 'PERCENT_OFF', percent: 5 + n, stacking: 'EXCLUSIVE', scope: { channels: ['WEB'], storeIds: ['loc_race'] } })),
    );
    const accepted = answers.filter((answer) => answer.errors === undefined);
    assert.equal(accepted.length, 1, JSON.stringify(answers.map((answer) => answer.errors?.[0]?.extensions?.['code'] ?? 'accepted')));
    const winner = accepted[0]!.data!.createPromotion.id;
    for (const answer of answers.filter((candidate) => candidate.errors)) {
      assert.equal(answer.errors?.[0]?.extensions?.['code'], 'PROMOTION_EXCLUSIVE_OVERLAP');
      assert.equal(answer.errors?.[0]?.extensions?.['overlapsWith'], winner);
    }
    assert.deepEqual(
      (await models.promotions.find({ _id: { $in: ids } }, { _id: 1 }).lean()).map((promotion) => promotion._id),
      [winner],
    );
    // Only the winner holds a claim; a repeat of its request is answered with it, not refused.
    const claims = (await models.exclusiveClaims.findOne().lean())!.claims.filter((claim) => ids.includes(claim.promotionId));
    assert.deepEqual(
      claims.map((claim) => claim.promotionId),
      [winner],
    );
    const n = ids.indexOf(winner);
    const repeat = await create({
      id: winner,
      kind: 'PERCENT_OFF',
      percent: 5 + n,
      stacking: 'EXCLUSIVE',
      scope: { channels: ['WEB'], storeIds: ['loc_race'] },
    });
    assert.equal(repeat.data?.createPromotion.id, winner, JSON.stringify(repeat.errors));
  });

  test('a claim left by a creation that died before storing its promotion stops blocking after a minute', async () => {
    const scope = { channels: ['WEB'], storeIds: ['loc_abandoned'] };
    const claimedAt = new Date(Date.now() - 61_000);
    const rule = {
      id: 'excl_died',
      name: 'died',
      kind: 'PERCENT_OFF' as const,
      scope: { channels: ['WEB' as const], storeIds: ['loc_abandoned'] },
      startsAt: new Date(Date.now() - 3600_000),
      endsAt: new Date(Date.now() + 86_400_000),
      priority: 0,
      stacking: 'EXCLUSIVE' as const,
    };
    // The real claim step of a creation, then no promotion: as if its process died right there.
    await claimExclusive(models, rule, 'create-excl_died', claimedAt);
    const blocked = await create({
      id: 'excl_fresh_clash',
      kind: 'PERCENT_OFF',
      percent: 10,
      stacking: 'EXCLUSIVE',
      scope,
      startsAt: new Date(Date.now() - 3600_000).toISOString(),
    });
    assert.equal(blocked.errors, undefined, JSON.stringify(blocked.errors));
    const claims = (await models.exclusiveClaims.findOne().lean())!.claims.map((claim) => claim.promotionId);
    assert.ok(!claims.includes('excl_died') && claims.includes('excl_fresh_clash'));
  });

  test('priceCart shows each line list price, each discount and why, and totals that add up', async () => {
    const sku = 'SKU-0010-01';
    const other = 'SKU-0011-01';
    assert.equal((await create({ id: 'pos_only', kind: 'PERCENT_OFF', percent: 50, scope: { channels: ['POS'] } })).errors, undefined);
    assert.equal((await create({ id: 'sku10_off', kind: 'AMOUNT_OFF', amountMinor: '100', currency: 'USD', scope: { skus: [sku] } })).errors, undefined);
    assert.equal(
      (
        await create({
          id: 'spend_big',
          kind: 'SPEND_THRESHOLD',
          thresholdMinor: '1',
          amountMinor: '7',
          currency: 'USD',
          scope: { skus: [sku, other] },
          priority: -1,
        })
      ).errors,
      undefined,
    );
    const cart = await priceCart({
      lines: [
        { sku, quantity: 2 },
        { sku: other, quantity: 1 },
      ],
    });
    const [first, second] = cart.lines;
    // 1.00 off each of the two units of the first line, then the 0.07 split over both lines in proportion.
    assert.deepEqual(first!.discounts[0], { promotionId: 'sku10_off', amount: { minorUnits: '200' } });
    assert.equal(first!.discounts.length + second!.discounts.length, 3);
    assert.deepEqual(
      cart.appliedPromotions.map((applied) => applied.promotionId),
      ['sku10_off', 'spend_big'],
    );
    assert.equal(minor(cart.discountTotal), 207);
    assert.equal(minor(first!.netAmount) + minor(second!.netAmount), minor(cart.total));
    assert.equal(minor(cart.subtotal) - minor(cart.discountTotal), minor(cart.total));
    assert.match(cart.appliedPromotions[1]!.reason, /^spend 0\.01 USD, save 0\.07 USD/);
  });

  test('a coupon unlocks its promotion; an unknown, ended or exhausted coupon is reported and unlocks nothing', async () => {
    const sku = 'SKU-0012-01';
    assert.equal(
      (await create({ id: 'coupon_ten', kind: 'PERCENT_OFF', percent: 10, scope: { skus: [sku] }, coupon: { code: 'Ten-Off', maxUses: 1 } })).errors,
      undefined,
    );
    assert.equal(
      (
        await create({
          id: 'coupon_old',
          kind: 'PERCENT_OFF',
          percent: 10,
          scope: { skus: [sku] },
          startsAt: hours(-48),
          endsAt: hours(-24),
          coupon: { code: 'OLD', maxUses: 5 },
        })
      ).errors,
      undefined,
    );
    const taken = await create({ id: 'coupon_dupe', kind: 'PERCENT_OFF', percent: 10, coupon: { code: 'ten-off', maxUses: 1 } });
    assert.equal(taken.errors?.[0]?.extensions?.['code'], 'COUPON_CODE_TAKEN');
    const without = await priceCart({ lines: [{ sku, quantity: 1 }] });
    const withCoupon = await priceCart({ lines: [{ sku, quantity: 1 }], couponCodes: ['ten-off', 'OLD', 'NOPE'] });
    assert.equal(minor(without.discountTotal), 0);
    assert.equal(minor(withCoupon.discountTotal), Math.round(minor(without.subtotal) / 10));
    assert.equal(withCoupon.appliedPromotions[0]?.couponCode, 'TEN-OFF');
    assert.deepEqual(withCoupon.coupons, [
      { code: 'TEN-OFF', refusal: null },
      { code: 'OLD', refusal: 'COUPON_NOT_IN_FORCE' },
      { code: 'NOPE', refusal: 'COUPON_UNKNOWN' },
    ]);
    assert.deepEqual(await redeemCoupons(models, { key: 'ord_a', codes: ['TEN-OFF'], at: new Date() }), [{ code: 'TEN-OFF', refusal: null }]);
    const exhausted = await priceCart({ lines: [{ sku, quantity: 1 }], couponCodes: ['TEN-OFF'] });
    assert.deepEqual(exhausted.coupons, [{ code: 'TEN-OFF', refusal: 'COUPON_EXHAUSTED' }]);
    assert.equal(minor(exhausted.discountTotal), 0);
  });

  test('pricing a 20-line cart costs four database commands: variants, price lists, products, promotions in force', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => ({ sku: `SKU-${String(i + 30).padStart(4, '0')}-01`, quantity: 1 + (i % 3) }));
    await priceCart({ lines });
    const before = await dbCommands(subgraph);
    const cart = await priceCart({ lines });
    const after = await dbCommands(subgraph);
    assert.equal(cart.lines.length, 20);
    assert.equal(after - before, 4);
  });

  test('an unknown SKU is NOT_FOUND and malformed carts are BAD_USER_INPUT', async () => {
    const unknown = await subgraph.request(
      PRICE_CART,
      { input: { currency: 'USD', channel: 'WEB', lines: [{ sku: 'SKU-9999-99', quantity: 1 }] } },
      principals.anonymous,
    );
    assert.equal(unknown.errors?.[0]?.extensions?.['code'], 'NOT_FOUND');
    const zero = await subgraph.request(
      PRICE_CART,
      { input: { currency: 'USD', channel: 'WEB', lines: [{ sku: 'SKU-0001-01', quantity: 0 }] } },
      principals.anonymous,
    );
    assert.equal(zero.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    const twice = await subgraph.request(
      PRICE_CART,
      {
        input: {
          currency: 'USD',
          channel: 'WEB',
          lines: [
            { sku: 'SKU-0001-01', quantity: 1 },
            { sku: 'SKU-0001-01', quantity: 1 },
          ],
        },
      },
      principals.anonymous,
    );
    assert.equal(twice.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });
});

describe('seeded promotions', () => {
  test('the weekend store sale, the loyalty-tier discount and the welcome coupon apply only where they are meant to', async () => {
    const apparel = await subgraph.request<{ products: { edges: { node: { variants: { sku: string }[] } }[] } }>(
      '{ products(first: 1, filter: { category: "Apparel" }) { edges { node { variants { sku } } } } }',
      {},
      principals.anonymous,
    );
    const sku = apparel.data!.products.edges[0]!.node.variants[0]!.sku;
    const weekend = await models.promotions.findById('promo_weekend_stores').lean();
    const saturdayNoon = new Date(weekend!.startsAt.getTime() + 12 * 3600_000).toISOString();
    const lines = [{ sku, quantity: 1 }];
    const atTill = await priceCart({ channel: 'POS', storeId: 'loc_nyc01', at: saturdayNoon, lines });
    assert.deepEqual(
      atTill.appliedPromotions.map((applied) => applied.promotionId),
      ['promo_weekend_stores'],
    );
    assert.equal(minor(atTill.discountTotal), Math.round(minor(atTill.subtotal) / 5));
    const online = await priceCart({ at: saturdayNoon, lines });
    assert.deepEqual(online.appliedPromotions, []);
    const gold = await priceCart({ tier: 'GOLD', lines });
    assert.deepEqual(
      gold.appliedPromotions.map((applied) => applied.promotionId),
      ['promo_loyalty_gold'],
    );
    const welcome = await priceCart({ customerId: 'cus_00007', couponCodes: ['welcome10'], lines });
    assert.deepEqual(
      welcome.appliedPromotions.map((applied) => applied.couponCode),
      ['WELCOME10'],
    );
    assert.deepEqual(welcome.coupons, [{ code: 'WELCOME10', refusal: null }]);
  });
});

describe('coupon limits under races', () => {
  test('150 concurrent redemptions of a coupon with 100 uses: exactly 100 succeed', async () => {
    assert.equal((await create({ id: 'race_100', kind: 'PERCENT_OFF', percent: 5, coupon: { code: 'RACE100', maxUses: 100 } })).errors, undefined);
    const outcomes = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        subgraph.request<{ redeemCoupons: { refusal: string | null }[] }>(
          'mutation($input: RedeemCouponsInput!) { redeemCoupons(input: $input) { code refusal } }',
          { input: { key: `ord_race_${i}`, customerId: `cus_${i}`, codes: ['race100'] } },
          principals.admin,
        ),
      ),
    );
    const refusals = outcomes.map((outcome) => outcome.data?.redeemCoupons[0]?.refusal);
    assert.equal(refusals.filter((refusal) => refusal === null).length, 100);
    assert.equal(refusals.filter((refusal) => refusal === 'COUPON_EXHAUSTED').length, 50);
    const coupon = await models.coupons.findById('RACE100').lean();
    assert.equal(coupon?.uses, 100);
    assert.equal(coupon?.redemptions.length, 100);
  });

  test('one customer racing 10 orders with a once-per-customer coupon gets it once; repeats of one key count once', async () => {
    assert.equal(
      (await create({ id: 'once_each', kind: 'PERCENT_OFF', percent: 5, coupon: { code: 'ONCE', maxUses: 50, perCustomerLimit: 1 } })).errors,
      undefined,
    );
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => redeemCoupons(models, { key: `ord_once_${i}`, customerId: 'cus.with.dots', codes: ['ONCE'], at: new Date() })),
    );
    assert.equal(outcomes.filter((outcome) => outcome[0]?.refusal === null).length, 1);
    assert.ok(outcomes.every((outcome) => outcome[0]?.refusal === null || outcome[0]?.refusal === 'COUPON_CUSTOMER_LIMIT'));
    const repeats = await Promise.all(
      Array.from({ length: 5 }, () => redeemCoupons(models, { key: 'ord_once_other', customerId: 'cus_other', codes: ['ONCE'], at: new Date() })),
    );
    assert.ok(repeats.every((outcome) => outcome[0]?.refusal === null));
    assert.equal((await models.coupons.findById('ONCE').lean())?.uses, 2);
    const anonymous = await redeemCoupons(models, { key: 'ord_once_anon', codes: ['ONCE'], at: new Date() });
    assert.equal(anonymous[0]?.refusal, 'COUPON_NEEDS_CUSTOMER');
  });

  test('a cancelled order gives its use back once, however often the release is repeated, and the customer may use it again', async () => {
    assert.equal(
      (await create({ id: 'give_back', kind: 'PERCENT_OFF', percent: 5, coupon: { code: 'BACK', maxUses: 1, perCustomerLimit: 1 } })).errors,
      undefined,
    );
    assert.equal((await redeemCoupons(models, { key: 'ord_back_1', customerId: 'cus_back', codes: ['BACK'], at: new Date() }))[0]?.refusal, null);
    assert.equal(
      (await redeemCoupons(models, { key: 'ord_back_2', customerId: 'cus_back2', codes: ['BACK'], at: new Date() }))[0]?.refusal,
      'COUPON_EXHAUSTED',
    );
    const released = await Promise.all([
      releaseCoupons(models, 'ord_back_1', ['BACK']),
      releaseCoupons(models, 'ord_back_1', ['BACK']),
      releaseCoupons(models, 'ord_back_1', ['back']),
    ]);
    assert.equal(
      released.reduce((a, b) => a + b, 0),
      1,
    );
    const coupon = await models.coupons.findById('BACK').lean();
    assert.equal(coupon?.uses, 0);
    assert.equal((await redeemCoupons(models, { key: 'ord_back_3', customerId: 'cus_back', codes: ['BACK'], at: new Date() }))[0]?.refusal, null);
  });

  test('redeeming two coupons where the second is refused gives the first back: all or none', async () => {
    assert.equal((await create({ id: 'pair_a', kind: 'PERCENT_OFF', percent: 5, coupon: { code: 'PAIRA', maxUses: 5 } })).errors, undefined);
    const outcome = await redeemCoupons(models, { key: 'ord_pair', codes: ['PAIRA', 'MISSING'], at: new Date() });
    assert.deepEqual(outcome, [
      { code: 'PAIRA', refusal: null },
      { code: 'MISSING', refusal: 'COUPON_UNKNOWN' },
    ]);
    assert.equal((await models.coupons.findById('PAIRA').lean())?.uses, 0);
  });
});
