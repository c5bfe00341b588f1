import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allocate } from '../src/pricing/allocate.js';
import { evaluateCart, type CartLine, type CartSetting } from '../src/pricing/evaluate-cart.js';
import type { PromotionRule } from '../src/pricing/promotion-rules.js';

const at = new Date('2026-06-05T12:00:00Z');
const setting: CartSetting = { currency: 'USD', channel: 'WEB', storeId: 'loc_nyc01', tier: 'GOLD', at, couponCodes: new Set() };
const rule = (overrides: Partial<PromotionRule> & Pick<PromotionRule, 'id' | 'kind'>): PromotionRule => ({
  name: overrides.id,
  scope: {},
  startsAt: new Date('2026-06-01T00:00:00Z'),
  endsAt: new Date('2026-06-10T00:00:00Z'),
  priority: 0,
  stacking: 'COMBINABLE',
  currency: 'USD',
  ...overrides,
});
const tee: CartLine = { sku: 'TEE', category: 'Apparel', quantity: 2, unitListPriceMinor: 2000 };
const mug: CartLine = { sku: 'MUG', category: 'Home', quantity: 1, unitListPriceMinor: 1299 };
const sock: CartLine = { sku: 'SOCK', category: 'Apparel', quantity: 3, unitListPriceMinor: 500 };

/** A deterministic generator (mulberry32), so a failing mix can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('allocate', () => {
  test('splits an amount in proportion, in whole units that add up exactly, never above a weight', () => {
    assert.deepEqual(allocate(100, [1, 1, 1]), [34, 33, 33]);
    assert.deepEqual(allocate(1000, [2000, 1299, 1500]), [417, 271, 312]);
    const next = random(7);
    for (let round = 0; round < 500; round++) {
      const weights = Array.from({ length: 1 + Math.floor(next() * 8) }, () => Math.floor(next() * 100_000));
      const sum = weights.reduce((a, b) => a + b, 0);
      const total = Math.floor(next() * (sum + 1));
      const shares = allocate(total, weights);
      assert.equal(
        shares.reduce((a, b) => a + b, 0),
        sum === 0 ? 0 : total,
      );
      shares.forEach((share, i) => assert.ok(share >= 0 && share <= weights[i]!));
    }
  });
});

describe('evaluateCart: the one pricing rule', () => {
  test('percentage off applies to the eligible category only, rounded to the minor unit', () => {
    const cart = evaluateCart([tee, mug], setting, [rule({ id: 'apparel20', kind: 'PERCENT_OFF', percent: 20, scope: { categories: ['Apparel'] } })]);
    assert.deepEqual(
      cart.lines.map((line) => line.netAmountMinor),
      [3200, 1299],
    );
    assert.equal(cart.discountMinor, 800);
    assert.equal(cart.applied[0]?.reason, '20% off 1 line(s)');
  });

  test('amount off per unit and fixed price never take a line below zero', () => {
    const off = evaluateCart([tee, sock], setting, [rule({ id: 'off6', kind: 'AMOUNT_OFF', amountMinor: 600 })]);
    assert.deepEqual(
      off.lines.map((line) => line.netAmountMinor),
      [2800, 0],
    );
    const fixed = evaluateCart([tee, mug], setting, [rule({ id: 'fixed', kind: 'FIXED_PRICE', amountMinor: 1500 })]);
    assert.deepEqual(
      fixed.lines.map((line) => line.netAmountMinor),
      [3000, 1299],
    );
  });

  test('buy 2 get 1 frees the cheapest units of each full group', () => {
    const cart = evaluateCart([tee, sock], setting, [
      rule({ id: 'b2g1', kind: 'BUY_X_GET_Y', buyQuantity: 2, getQuantity: 1, scope: { categories: ['Apparel'] } }),
    ]);
    // Units: 2000, 2000, 500, 500, 500 -> one full group of 3; the cheapest unit (a sock) is free.
    assert.deepEqual(
      cart.lines.map((line) => line.discountMinor),
      [0, 500],
    );
  });

  test('a bundle price applies once per complete bundle and is split over its lines', () => {
    const cart = evaluateCart([tee, mug], setting, [rule({ id: 'bundle', kind: 'BUNDLE_PRICE', bundleSkus: ['TEE', 'MUG'], amountMinor: 2500 })]);
    // One bundle (one mug): 2000 + 1299 - 2500 = 799 off, split over what is left of the two lines.
    assert.equal(cart.discountMinor, 799);
    assert.equal(
      cart.lines.reduce((sum, line) => sum + line.netAmountMinor, 0),
      cart.totalMinor,
    );
    assert.equal(evaluateCart([tee], setting, [rule({ id: 'bundle', kind: 'BUNDLE_PRICE', bundleSkus: ['TEE', 'MUG'], amountMinor: 2500 })]).discountMinor, 0);
  });

  test('a spend threshold applies from the threshold up, split over the lines in proportion', () => {
    const spend = rule({ id: 'spend', kind: 'SPEND_THRESHOLD', thresholdMinor: 5299, amountMinor: 1000 });
    assert.equal(evaluateCart([tee, mug], setting, [spend]).discountMinor, 1000);
    const under = evaluateCart([tee, { ...mug, unitListPriceMinor: 1298 }], setting, [spend]);
    assert.equal(under.discountMinor, 0);
    assert.deepEqual(
      evaluateCart([tee, mug], setting, [spend]).lines.map((line) => line.discountMinor),
      [755, 245],
    );
  });

  test('an exclusive promotion of higher priority applies alone; a lower one never joins combinable ones', () => {
    const exclusive = rule({ id: 'excl', kind: 'PERCENT_OFF', percent: 30, priority: 10, stacking: 'EXCLUSIVE' });
    const combinable = rule({ id: 'comb', kind: 'PERCENT_OFF', percent: 10, priority: 5 });
    const alone = evaluateCart([tee], setting, [combinable, exclusive]);
    assert.deepEqual(
      alone.applied.map((applied) => applied.promotionId),
      ['excl'],
    );
    const lower = evaluateCart([tee], setting, [combinable, { ...exclusive, priority: 1 }]);
    assert.deepEqual(
      lower.applied.map((applied) => applied.promotionId),
      ['comb'],
    );
    // Combinable ones stack, each on what the one before left: 4000 -10% = 3600, -10% = 3240.
    const stacked = evaluateCart([tee], setting, [combinable, { ...combinable, id: 'comb2' }]);
    assert.equal(stacked.totalMinor, 3240);
  });

  test('scope, period, currency and coupon decide whether a promotion is a candidate', () => {
    const base = rule({ id: 'p', kind: 'PERCENT_OFF', percent: 10 });
    const price = (promotion: PromotionRule, over: Partial<CartSetting> = {}) => evaluateCart([tee], { ...setting, ...over }, [promotion]).discountMinor;
    assert.equal(price({ ...base, scope: { channels: ['POS'] } }), 0);
    assert.equal(price({ ...base, scope: { channels: ['POS', 'WEB'] } }), 400);
    assert.equal(price({ ...base, scope: { storeIds: ['loc_bos01'] } }), 0);
    assert.equal(price({ ...base, scope: { tiers: ['GOLD'] } }), 400);
    assert.equal(price({ ...base, scope: { tiers: ['GOLD'] } }, { tier: 'SILVER' }), 0);
    assert.equal(price(base, { at: new Date('2026-06-10T00:00:00Z') }), 0);
    assert.equal(price({ ...base, kind: 'AMOUNT_OFF', amountMinor: 100 }, { currency: 'EUR' }), 0);
    assert.equal(price({ ...base, couponCode: 'SAVE10' }), 0);
    assert.equal(price({ ...base, couponCode: 'SAVE10' }, { couponCodes: new Set(['SAVE10']) }), 400);
  });

  test('a seeded random mix of carts and promotions: lines add up to the total exactly, no line below zero, same input same answer', () => {
    const next = random(17);
    const kinds = ['PERCENT_OFF', 'AMOUNT_OFF', 'FIXED_PRICE', 'BUY_X_GET_Y', 'BUNDLE_PRICE', 'SPEND_THRESHOLD'] as const;
    const skus = ['A', 'B', 'C', 'D', 'E', 'F'];
    for (let round = 0; round < 300; round++) {
      const lines = skus
        .filter(() => next() < 0.6)
        .map((sku) => ({
          sku,
          category: sku < 'D' ? 'Apparel' : 'Home',
          quantity: 1 + Math.floor(next() * 5),
          unitListPriceMinor: 1 + Math.floor(next() * 20_000),
        }));
      if (lines.length === 0) continue;
      const promotions = Array.from({ length: Math.floor(next() * 5) }, (_, i) =>
        rule({
          id: `p${i}`,
          kind: kinds[Math.floor(next() * kinds.length)]!,
          percent: 1 + Math.floor(next() * 100),
          amountMinor: 1 + Math.floor(next() * 5000),
          thresholdMinor: Math.floor(next() * 40_000),
          buyQuantity: 1 + Math.floor(next() * 3),
          getQuantity: 1 + Math.floor(next() * 2),
          bundleSkus: ['A', 'B'],
          priority: Math.floor(next() * 3),
          stacking: next() < 0.3 ? 'EXCLUSIVE' : 'COMBINABLE',
          scope: next() < 0.5 ? { categories: ['Apparel'] } : {},
        }),
      );
      const cart = evaluateCart(lines, setting, promotions);
      assert.equal(
        cart.lines.reduce((sum, line) => sum + line.netAmountMinor, 0),
        cart.totalMinor,
      );
      assert.equal(cart.subtotalMinor - cart.discountMinor, cart.totalMinor);
      assert.equal(
        cart.applied.reduce((sum, applied) => sum + applied.amountMinor, 0),
        cart.discountMinor,
      );
      for (const line of cart.lines) {
        assert.ok(Number.isSafeInteger(line.netAmountMinor) && line.netAmountMinor >= 0);
        assert.equal(
          line.discounts.reduce((sum, discount) => sum + discount.amountMinor, 0),
          line.discountMinor,
        );
      }
      assert.deepEqual(evaluateCart(lines, setting, [...promotions].reverse()), cart);
    }
  });
});
