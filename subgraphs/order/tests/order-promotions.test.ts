import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { retailDataset } from '@mesh/seed-data';
import { openConsumerProbe } from '@mesh/events';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import { customerSubgraph } from '@mesh/customer-subgraph';
import { inventorySubgraph } from '@mesh/inventory-subgraph';
import { ledgerSubgraph } from '@mesh/ledger-subgraph';
import { PRODUCT_ORDER_EVENTS_CONSUMER, createProductModels, productSubgraph, returnUnplacedUses, startCouponSweeper } from '@mesh/product-subgraph';
import { createJobLease, createLogger, secretKey } from '@mesh/server-kit';
import { TEST_INTERNAL_SECRET, principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { createOrderSubgraph } from '../src/module.js';
import type { OrderLineRecord, OrderRecord } from '../src/models/order.model.js';
import { redeemOrderCoupons } from '../src/clients/product-client.js';
import { lineRefund } from '../src/returns/return-rules.js';
import { eventually, stockedAtWarehouse, USD_WAREHOUSE } from './order-test-helpers.js';

let database: RunningDatabase;
let nats: TestNatsServer;
let product: TestSubgraph;
let inventory: TestSubgraph;
let ledger: TestSubgraph;
let customers: TestSubgraph;
let orders: TestSubgraph;

const dataset = retailDataset();
const LOCATION = USD_WAREHOUSE;
// Not Apparel: the seeded weekend sale (Apparel at the tills, exclusive) would change the till's
// prices on weekends, and these tests state the promotions they price with.
const apparel = new Set(
  dataset.variants
    .filter((variant) => dataset.products.find((product) => product.id === variant.productId)?.category === 'Apparel')
    .map((variant) => variant.sku),
);
const stocked = stockedAtWarehouse(20, (sku) => apparel.has(sku));
const sku = (index: number): string => stocked[index]!;
const CUSTOMER = 'cus_00001';
// A GOLD member of the seeded loyalty programme (the customer domain's record; the order domain asks it).
const GOLD = dataset.customers.find((customer) => customer.loyaltyTier === 'GOLD')!.id;
const NO_TIER = dataset.customers.find((customer) => customer.loyaltyTier === 'NONE')!.id;

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  __typename
  ... on OrderPlaced { order { id status totals { subtotal { minorUnits } discount { minorUnits } tax { minorUnits } total { minorUnits } } promotions { promotionId couponCode amount { minorUnits } } } }
  ... on OrderRejected { order { id status } reason }
} }`;
type Placed = {
  placeOrder: {
    __typename: string;
    order: {
      id: string;
      status: string;
      totals?: Record<'subtotal' | 'discount' | 'tax' | 'total', { minorUnits: string }>;
      promotions?: { promotionId: string; couponCode: string | null; amount: { minorUnits: string } }[];
    };
    reason?: string;
  };
};
const PRICE_CART = `query($input: CartInput!) { priceCart(input: $input) {
  subtotal { minorUnits } discountTotal { minorUnits } total { minorUnits }
  lines { sku quantity unitListPrice { minorUnits } discountTotal { minorUnits } netAmount { minorUnits } }
  appliedPromotions { promotionId }
} }`;
type Minor = { minorUnits: string };
type Cart = {
  priceCart: {
    subtotal: Minor;
    discountTotal: Minor;
    total: Minor;
    lines: { sku: string; quantity: number; unitListPrice: Minor; discountTotal: Minor; netAmount: Minor }[];
    appliedPromotions: { promotionId: string }[];
  };
};
const SYNC = `mutation($storeId: ID!, $transactions: [PosTransactionInput!]!) { syncPosTransactions(storeId: $storeId, transactions: $transactions) {
  results { outcome rejection reason order { id totals { subtotal { minorUnits } discount { minorUnits } total { minorUnits } } promotions { promotionId amount { minorUnits } } } }
} }`;
type SyncResult = {
  syncPosTransactions: {
    results: {
      outcome: string;
      rejection: string | null;
      reason: string | null;
      order: { id: string; totals: Record<'subtotal' | 'discount' | 'total', Minor>; promotions: { promotionId: string }[] } | null;
    }[];
  };
};
const STORE = 'loc_nyc01'; // the test associate's store
let tillSequence = 0;
const taxOf = (net: number) => Math.round((net * 800) / 10_000);

/** A till transaction priced as an offline till with the same rules would price it: from priceCart (POS) at `at`. */
function tillSale(cart: Cart['priceCart'], at: string, promotionIds = cart.appliedPromotions.map((applied) => applied.promotionId)) {
  tillSequence += 1;
  const paid = cart.lines.reduce((sum, line) => sum + Number(line.netAmount.minorUnits) + taxOf(Number(line.netAmount.minorUnits)), 0);
  return {
    localId: `till-${randomUUID()}`,
    deviceId: 'till-promo',
    sequence: tillSequence,
    occurredAt: at,
    currency: 'USD',
    lines: cart.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPriceMinor: line.unitListPrice.minorUnits,
      discountMinor: line.discountTotal.minorUnits,
    })),
    payment: { method: 'CARD', amountMinor: String(paid) },
    promotionIds,
  };
}
const syncTill = async (transactions: unknown[]) => {
  const response = await orders.request<SyncResult>(SYNC, { storeId: STORE, transactions }, principals.associate);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.syncPosTransactions.results;
};
const CREATE = `mutation($input: CreatePromotionInput!) { createPromotion(input: $input) { id } }`;

const hours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
async function promote(input: Record<string, unknown>): Promise<void> {
  const response = await product.request(
    CREATE,
    {
      input: {
        idempotencyKey: randomUUID(),
        name: `Promotion ${String(input['id'])}`,
        stacking: 'COMBINABLE',
        startsAt: hours(-1),
        endsAt: hours(24),
        ...input,
      },
    },
    principals.admin,
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
}
const place = (lines: { sku: string; quantity: number }[], couponCodes?: string[], key: string = randomUUID(), customerId = CUSTOMER) =>
  orders.request<Placed>(
    PLACE,
    {
      input: {
        idempotencyKey: key,
        channel: 'WEB',
        customerId,
        currency: 'USD',
        lines,
        fulfillment: { type: 'SHIP', locationId: LOCATION },
        ...(couponCodes ? { couponCodes } : {}),
      },
    },
    principals.customer(customerId),
  );
const priceCart = async (lines: { sku: string; quantity: number }[], setting: { channel?: string; storeId?: string; at?: string; tier?: string } = {}) => {
  const response = await product.request<Cart>(
    PRICE_CART,
    { input: { currency: 'USD', channel: 'WEB', storeId: LOCATION, lines, ...setting } },
    principals.anonymous,
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.priceCart;
};
const orderDocs = () => orders.connection.model<OrderRecord>('Order');
const coupons = () => product.connection.model<{ _id: string; uses: number; redemptions: { key: string; awaitingOrder?: boolean }[] }>('Coupon');
type Entry = { source: { type: string }; postedAt: Date; lines: { accountCode: string; debitMinor: bigint; creditMinor: bigint }[] };
const entries = () => ledger.connection.model<Entry>('JournalEntry');

before(async () => {
  [database, nats] = await Promise.all([startTestDatabase(), startNatsServer()]);
  [product, customers] = await Promise.all([
    startTestSubgraph(productSubgraph, { mongoUri: database.uri, natsUrl: nats.url }),
    startTestSubgraph(customerSubgraph, { mongoUri: database.uri, natsUrl: nats.url, background: false }),
  ]);
  [inventory, ledger, orders] = await Promise.all([
    startTestSubgraph(inventorySubgraph, { mongoUri: database.uri, natsUrl: nats.url }),
    startTestSubgraph(ledgerSubgraph, { mongoUri: database.uri, natsUrl: nats.url }),
    startTestSubgraph(createOrderSubgraph({ productUrl: product.url, customerUrl: customers.url, decisionWaitMs: 15_000 }), {
      mongoUri: database.uri,
      natsUrl: nats.url,
    }),
  ]);
});
after(async () => {
  await Promise.all([orders?.close(), inventory?.close(), ledger?.close(), product?.close(), customers?.close()]);
  await Promise.all([database?.stop(), nats?.stop()]);
});

describe('promotions in placed orders and in the books', () => {
  test('placeOrder prices as priceCart does, stores the applied promotions, and the ledger posts revenue gross with a contra account per promotion', async () => {
    await promote({ id: 'order_pct', kind: 'PERCENT_OFF', percent: 15, scope: { skus: [sku(0)] } });
    await promote({
      id: 'order_spend',
      kind: 'SPEND_THRESHOLD',
      thresholdMinor: '1',
      amountMinor: '333',
      currency: 'USD',
      scope: { skus: [sku(0), sku(1)] },
      priority: -1,
    });
    const lines = [
      { sku: sku(0), quantity: 3 },
      { sku: sku(1), quantity: 1 },
    ];
    const preview = await priceCart(lines);
    const response = await place(lines);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const placed = response.data!.placeOrder;
    assert.equal(placed.order.status, 'CONFIRMED');
    assert.equal(placed.order.totals?.subtotal.minorUnits, preview.total.minorUnits);
    assert.equal(placed.order.totals?.discount.minorUnits, preview.discountTotal.minorUnits);
    assert.deepEqual(
      placed.order.promotions?.map((promotion) => promotion.promotionId),
      ['order_pct', 'order_spend'],
    );
    const stored = (await orderDocs().findById(placed.order.id).lean())!;
    assert.deepEqual(
      stored.lines.map((line) => line.unitPriceMinor * line.quantity - (line.discountMinor ?? 0)),
      preview.lines.map((line) => Number(line.netAmount.minorUnits)),
    );
    const discount = stored.promotions!.reduce((sum, promotion) => sum + promotion.amountMinor, 0);
    assert.equal(discount, Number(preview.discountTotal.minorUnits));

    const shipped = await orders.request(
      `mutation($orderId: ID!, $key: String!) { shipOrder(orderId: $orderId, idempotencyKey: $key) { status } }`,
      { orderId: stored._id, key: randomUUID() },
      principals.associate,
    );
    assert.equal(shipped.errors, undefined, JSON.stringify(shipped.errors));
    const capture = await eventually('the capture entry', () => entries().findOne({ orderId: stored._id, 'source.type': 'ORDER_CAPTURED' }).lean());
    const amountOn = (code: string, side: 'debitMinor' | 'creditMinor') =>
      capture.lines.filter((line) => line.accountCode === code).reduce((sum, line) => sum + BigInt(line[side]), 0n);
    assert.equal(amountOn('1100', 'debitMinor'), BigInt(stored.totals.totalMinor));
    assert.equal(amountOn('4000', 'creditMinor'), BigInt(stored.totals.subtotalMinor + discount));
    assert.equal(amountOn('2100', 'creditMinor'), BigInt(stored.totals.taxMinor));
    for (const promotion of stored.promotions!) assert.equal(amountOn(`4200-${promotion.promotionId}`, 'debitMinor'), BigInt(promotion.amountMinor));
    // Every entry of this order balances, the cost of goods included.
    const all = await eventually('both entries', async () => {
      const found = await entries().find({ orderId: stored._id }).lean();
      return found.length >= 2 ? found : null;
    });
    for (const entry of all) {
      const debits = entry.lines.reduce((sum, line) => sum + BigInt(line.debitMinor), 0n);
      const credits = entry.lines.reduce((sum, line) => sum + BigInt(line.creditMinor), 0n);
      assert.equal(debits, credits, entry.source.type);
    }
    const accounts = ledger.connection.model<{ _id: string; type: string; name: string }>('Account');
    assert.deepEqual(await accounts.findById('4200-order_pct').lean(), { _id: '4200-order_pct', name: 'Discounts: Promotion order_pct', type: 'REVENUE' });
    // Reconciliation shows what each promotion cost that day in this channel and store.
    const day = capture.postedAt.toISOString().slice(0, 10);
    const report = await ledger.request<{
      reconciliation: { groups: { channel: string; location: { id: string }; discounts: { promotionId: string; amount: { minorUnits: string } }[] }[] };
    }>(
      'query($date: String!) { reconciliation(date: $date, currency: USD) { groups { channel location { id } discounts { promotionId amount { minorUnits } } } } }',
      { date: day },
      principals.admin,
    );
    assert.equal(report.errors, undefined, JSON.stringify(report.errors));
    const group = report.data!.reconciliation.groups.find((candidate) => candidate.channel === 'WEB' && candidate.location.id === LOCATION);
    assert.deepEqual(
      group?.discounts,
      stored.promotions!.map((promotion) => ({ promotionId: promotion.promotionId, amount: { minorUnits: String(promotion.amountMinor) } })),
    );
  });

  test('a GOLD member gets the tier price and the tier promotion alike through priceCart with the tier, placeOrder and the till', async () => {
    const tierPrice = await product.request(
      `mutation($input: SchedulePriceInput!) { schedulePrice(input: $input) { effectiveFrom } }`,
      { input: { idempotencyKey: randomUUID(), sku: sku(12), currency: 'USD', tier: 'GOLD', amountMinor: '777' } },
      principals.admin,
    );
    assert.equal(tierPrice.errors, undefined, JSON.stringify(tierPrice.errors));
    await promote({ id: 'tier_gold_amount', kind: 'AMOUNT_OFF', amountMinor: '40', currency: 'USD', scope: { skus: [sku(12), sku(13)], tiers: ['GOLD'] } });
    const lines = [
      { sku: sku(12), quantity: 2 },
      { sku: sku(13), quantity: 1 },
    ];
    const forGold = await priceCart(lines, { tier: 'GOLD' });
    const forNobody = await priceCart(lines);
    assert.equal(forGold.lines[0]!.unitListPrice.minorUnits, '777');
    assert.ok(forGold.appliedPromotions.some((applied) => applied.promotionId === 'tier_gold_amount'));
    assert.notEqual(forGold.total.minorUnits, forNobody.total.minorUnits);

    const gold = await place(lines, undefined, randomUUID(), GOLD);
    assert.equal(gold.errors, undefined, JSON.stringify(gold.errors));
    assert.equal(gold.data!.placeOrder.order.totals?.subtotal.minorUnits, forGold.total.minorUnits);
    assert.equal(gold.data!.placeOrder.order.totals?.discount.minorUnits, forGold.discountTotal.minorUnits);
    assert.ok(gold.data!.placeOrder.order.promotions?.some((promotion) => promotion.promotionId === 'tier_gold_amount'));
    const stored = (await orderDocs().findById(gold.data!.placeOrder.order.id).lean())!;
    assert.equal(stored.lines[0]!.unitPriceMinor, 777);
    // The same basket for a customer without a tier: no tier price, no tier promotion.
    const plain = await place(lines, undefined, randomUUID(), NO_TIER);
    assert.equal(plain.data?.placeOrder.order.totals?.subtotal.minorUnits, forNobody.total.minorUnits, JSON.stringify(plain.errors));

    // The till: the GOLD member's card scanned, priced as an offline till with the same rules prices it.
    const at = new Date().toISOString();
    const atTill = await priceCart(lines, { channel: 'POS', storeId: STORE, at, tier: 'GOLD' });
    assert.ok(atTill.appliedPromotions.some((applied) => applied.promotionId === 'tier_gold_amount'));
    const [recorded] = await syncTill([{ ...tillSale(atTill, at), customerId: GOLD }]);
    assert.equal(recorded?.outcome, 'RECORDED', recorded?.reason ?? '');
    assert.equal(recorded?.order?.totals.subtotal.minorUnits, atTill.total.minorUnits);
    // The same card at a till that left the member's prices out is told so.
    const untiered = await priceCart(lines, { channel: 'POS', storeId: STORE, at });
    const [mismatch] = await syncTill([{ ...tillSale(untiered, at), customerId: GOLD }]);
    assert.equal(mismatch?.rejection, 'PRICING_MISMATCH');
    if (forGold.appliedPromotions.map((applied) => applied.promotionId).join() === atTill.appliedPromotions.map((applied) => applied.promotionId).join()) {
      assert.equal(atTill.total.minorUnits, forGold.total.minorUnits);
    }
  });

  test('a used-up coupon refuses the order and writes nothing; a cancelled order gives its use back', async () => {
    await promote({
      id: 'order_coupon',
      kind: 'AMOUNT_OFF',
      amountMinor: '100',
      currency: 'USD',
      scope: { skus: [sku(2)] },
      coupon: { code: 'ONE-ONLY', maxUses: 1 },
    });
    const first = await place([{ sku: sku(2), quantity: 1 }], ['one-only']);
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    assert.equal(first.data?.placeOrder.order.promotions?.[0]?.couponCode, 'ONE-ONLY');
    assert.equal(first.data?.placeOrder.order.totals?.discount.minorUnits, '100');
    const key = randomUUID();
    const second = await place([{ sku: sku(2), quantity: 1 }], ['ONE-ONLY'], key);
    assert.equal(second.errors?.[0]?.extensions?.['code'], 'COUPON_REFUSED');
    assert.equal(second.errors?.[0]?.extensions?.['refusal'], 'COUPON_EXHAUSTED');
    assert.equal(await orderDocs().countDocuments({ idempotencyKey: key }), 0);
    const cancel = await orders.request(
      `mutation($orderId: ID!, $key: String!) { cancelOrder(orderId: $orderId, reason: CUSTOMER_REQUEST, idempotencyKey: $key) { status } }`,
      { orderId: first.data!.placeOrder.order.id, key: randomUUID() },
      principals.customer(CUSTOMER),
    );
    assert.equal(cancel.errors, undefined, JSON.stringify(cancel.errors));
    await eventually('the coupon use to come back', async () => (await coupons().findById('ONE-ONLY').lean())?.uses === 0);
    const third = await place([{ sku: sku(2), quantity: 1 }], ['ONE-ONLY']);
    assert.equal(third.errors, undefined, JSON.stringify(third.errors));
    assert.equal((await coupons().findById('ONE-ONLY').lean())?.uses, 1);
  });

  test('a coupon use taken by a placement that died before storing its order goes back once, even with two sweepers; a placed order keeps its use', async () => {
    await promote({ id: 'sweep_coupon', kind: 'PERCENT_OFF', percent: 5, coupon: { code: 'SWEEP-5', maxUses: 10 } });
    const placed = await place([{ sku: sku(14), quantity: 1 }], ['SWEEP-5']);
    assert.equal(placed.errors, undefined, JSON.stringify(placed.errors));
    const placedId = placed.data!.placeOrder.order.id;
    // Its order.order-placed confirms the use: no sweep gives it back.
    await eventually('the placed order to confirm its use', async () => {
      const redemption = (await coupons().findById('SWEEP-5').lean())?.redemptions.find((candidate) => candidate.key === placedId);
      return redemption !== undefined && redemption.awaitingOrder === undefined;
    });
    // ... as every earlier order's did (the product domain has caught up), so what the sweeps count below is this test's.
    const probe = await openConsumerProbe(nats.url);
    try {
      await eventually('the product domain to settle the order events', async () => (await probe.backlog(PRODUCT_ORDER_EVENTS_CONSUMER, 'order')) === 0);
    } finally {
      await probe.close();
    }
    // Placements that die between their first step (the order service redeeming, exactly as placeOrder
    // does) and storing the order: their uses are taken, and no order with their ids ever appears.
    const dead = [1, 2, 3].map(() => `ord_${randomUUID()}`);
    for (const orderId of dead) {
      const [taken] = await redeemOrderCoupons(
        product.url,
        secretKey(TEST_INTERNAL_SECRET),
        { orderId, customerId: CUSTOMER, codes: ['SWEEP-5'] },
        randomUUID(),
      );
      assert.equal(taken?.refusal, null);
    }
    assert.equal((await coupons().findById('SWEEP-5').lean())?.uses, 4);
    const models = createProductModels(product.connection);
    const logger = createLogger('coupon-sweep-test', { LOG_LEVEL: 'silent' });
    const sweeper = () =>
      startCouponSweeper(models, {
        intervalMs: 600_000,
        timeoutMs: 60_000,
        logger,
        lease: createJobLease(product.connection, { job: 'product.coupon-sweeper' }),
      });
    const [first, second] = [sweeper(), sweeper()];
    try {
      // Within the timeout nothing goes back: the orders might still be on their way.
      assert.deepEqual(await Promise.all([first.runOnce(), second.runOnce()]), [0, 0]);
      const later = new Date(Date.now() + 61_000);
      const returned = await Promise.all([first.runOnce(later), second.runOnce(later)]);
      assert.equal(returned[0] + returned[1], 3, JSON.stringify(returned));
      assert.deepEqual(await Promise.all([first.runOnce(later), second.runOnce(later)]), [0, 0]);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    const coupon = (await coupons().findById('SWEEP-5').lean())!;
    assert.equal(coupon.uses, 1);
    assert.deepEqual(
      coupon.redemptions.map((redemption) => redemption.key),
      [placedId],
    );
    // Without the lease too (two replicas' passes side by side), each use goes back exactly once.
    const more = [1, 2, 3, 4].map(() => `ord_${randomUUID()}`);
    for (const orderId of more) await redeemOrderCoupons(product.url, secretKey(TEST_INTERNAL_SECRET), { orderId, codes: ['SWEEP-5'] }, randomUUID());
    const passes = await Promise.all([1, 2, 3].map(() => returnUnplacedUses(models, new Date(Date.now() + 1000))));
    assert.equal(
      passes.reduce((sum, count) => sum + count, 0),
      4,
      JSON.stringify(passes),
    );
    assert.equal((await coupons().findById('SWEEP-5').lean())?.uses, 1);
  });

  test('an order rejected for stock gives its coupon use back', async () => {
    await promote({ id: 'order_coupon_rejected', kind: 'PERCENT_OFF', percent: 10, coupon: { code: 'BACK-AGAIN', maxUses: 5 } });
    // 1,000 units: more than any seeded stock level holds.
    const rejected = await place([{ sku: sku(3), quantity: 1000 }], ['BACK-AGAIN']);
    assert.equal(rejected.errors, undefined, JSON.stringify(rejected.errors));
    assert.equal(rejected.data?.placeOrder.__typename, 'OrderRejected');
    await eventually('the coupon use to come back', async () => (await coupons().findById('BACK-AGAIN').lean())?.uses === 0);
  });

  test('an order rejected without a coupon costs the product domain nothing: its event says so and is skipped without a claim', async () => {
    const rejected = await place([{ sku: sku(4), quantity: 1000 }]);
    assert.equal(rejected.data?.placeOrder.__typename, 'OrderRejected', JSON.stringify(rejected.errors));
    const orderId = rejected.data!.placeOrder.order.id;
    await eventually(
      'the rejection to be published',
      async () => (await orderDocs().countDocuments({ _id: orderId, 'pendingEvents.0': { $exists: true } })) === 0,
    );
    const probe = await openConsumerProbe(nats.url);
    try {
      await eventually('the product domain to settle the order events', async () => (await probe.backlog(PRODUCT_ORDER_EVENTS_CONSUMER, 'order')) === 0);
    } finally {
      await probe.close();
    }
    const claims = await product.connection
      .collection<{ _id: string }>('processed_events')
      .find({ consumer: PRODUCT_ORDER_EVENTS_CONSUMER }, { projection: { _id: 1 } })
      .toArray();
    assert.deepEqual(
      claims.filter((claim) => claim._id.includes(orderId)),
      [],
      'no claim for the order without a coupon',
    );
  });

  test('a till batch claiming a promotion that was not in force, or a wrong discount, is reported per transaction; a matching one records its promotions', async () => {
    await promote({ id: 'till_pct', kind: 'PERCENT_OFF', percent: 25, scope: { skus: [sku(10)] }, startsAt: hours(-2), endsAt: hours(-1) });
    await promote({ id: 'till_amount', kind: 'AMOUNT_OFF', amountMinor: '50', currency: 'USD', scope: { skus: [sku(11)] }, startsAt: hours(-3) });
    const lines = [
      { sku: sku(10), quantity: 2 },
      { sku: sku(11), quantity: 1 },
    ];
    const during = hours(-1.5);
    const now = new Date().toISOString();
    const then = await priceCart(lines, { channel: 'POS', storeId: STORE, at: during });
    const current = await priceCart(lines, { channel: 'POS', storeId: STORE, at: now });
    assert.deepEqual(then.appliedPromotions.map((applied) => applied.promotionId).sort(), ['till_amount', 'till_pct']);
    // Priced as it was an hour and a half ago, but sold now: till_pct had ended.
    const stale = tillSale(then, now);
    const wrongDiscount = tillSale(current, now);
    wrongDiscount.lines[1]!.discountMinor = '60';
    const right = tillSale(current, now);
    const inItsTime = tillSale(then, during);
    const results = await syncTill([stale, wrongDiscount, right, inItsTime]);
    assert.deepEqual(
      results.map((result) => result.rejection),
      ['PRICING_MISMATCH', 'PRICING_MISMATCH', null, null],
    );
    assert.match(results[0]!.reason!, /not applicable at .*: till_pct/);
    assert.match(results[1]!.reason!, /discount 50, till 60/);
    assert.equal(
      await orderDocs().countDocuments({ idempotencyKey: { $in: [stale, wrongDiscount].map((sale) => `pos:${STORE}:till-promo:${sale.localId}`) } }),
      0,
    );
    assert.equal(results[2]!.order!.totals.subtotal.minorUnits, current.total.minorUnits);
    assert.deepEqual(results[3]!.order!.promotions.map((promotion) => promotion.promotionId).sort(), ['till_amount', 'till_pct']);
    assert.equal(results[3]!.order!.totals.discount.minorUnits, then.discountTotal.minorUnits);
  });

  test('a seeded random mix of baskets: priceCart, placeOrder and a till upload of the same basket at the same time give identical totals', async () => {
    await promote({ id: 'mix_b2g1', kind: 'BUY_X_GET_Y', buyQuantity: 2, getQuantity: 1, scope: { skus: [sku(4), sku(5), sku(6)] } });
    await promote({ id: 'mix_bundle', kind: 'BUNDLE_PRICE', bundleSkus: [sku(7), sku(8)], amountMinor: '1000', currency: 'USD' });
    await promote({ id: 'mix_fixed', kind: 'FIXED_PRICE', amountMinor: '999', currency: 'USD', scope: { skus: [sku(9)] }, priority: 5 });
    let state = 42;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    let compared = 0;
    const tillOrders: { id: string; discount: bigint }[] = [];
    for (let round = 0; round < 8; round++) {
      const lines = [4, 5, 6, 7, 8, 9].filter(() => next() < 0.6).map((index) => ({ sku: sku(index), quantity: 1 + Math.floor(next() * 3) }));
      if (lines.length === 0) continue;
      const preview = await priceCart(lines);
      const response = await place(lines);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const totals = response.data!.placeOrder.order.totals!;
      assert.equal(totals.subtotal.minorUnits, preview.total.minorUnits, `round ${round}`);
      assert.equal(totals.discount.minorUnits, preview.discountTotal.minorUnits, `round ${round}`);
      const at = new Date().toISOString();
      const atTill = await priceCart(lines, { channel: 'POS', storeId: STORE, at });
      const [result] = await syncTill([tillSale(atTill, at)]);
      assert.equal(result?.outcome, 'RECORDED', result?.reason ?? '');
      assert.equal(result?.order?.totals.subtotal.minorUnits, atTill.total.minorUnits, `round ${round}`);
      tillOrders.push({ id: result!.order!.id, discount: BigInt(atTill.discountTotal.minorUnits) });
      // The same promotions in force for both channels (the seeded store weekend sale is POS only): the same total.
      const ids = (cart: Cart['priceCart']) => cart.appliedPromotions.map((applied) => applied.promotionId).join(',');
      if (ids(atTill) === ids(preview)) {
        assert.equal(atTill.total.minorUnits, preview.total.minorUnits, `round ${round}`);
        compared += 1;
      }
    }
    assert.ok(compared > 0);
    // The till sales are in the books: revenue gross, each discount on its promotion's account, balanced.
    for (const till of tillOrders) {
      const capture = await eventually(`the capture of till order ${till.id}`, () =>
        entries().findOne({ orderId: till.id, 'source.type': 'ORDER_CAPTURED' }).lean(),
      );
      const sum = (side: 'debitMinor' | 'creditMinor', match: (code: string) => boolean = () => true) =>
        capture.lines.filter((line) => match(line.accountCode)).reduce((total, line) => total + BigInt(line[side]), 0n);
      assert.equal(sum('debitMinor'), sum('creditMinor'));
      assert.equal(
        sum('debitMinor', (code) => code.startsWith('4200-')),
        till.discount,
      );
    }
  });
});

describe('returns of discounted lines', () => {
  test('a partial return refunds the discounted price of what came back, and all returns add up to the line total', () => {
    const line: OrderLineRecord = { lineNumber: 1, sku: 'X', quantity: 3, unitPriceMinor: 1000, discountMinor: 301, taxMinor: 216, lineTotalMinor: 2915 };
    const first = lineRefund(line, 0, 1);
    assert.equal(first.refundMinor - first.taxMinor, 899);
    const rest = lineRefund(line, 1, 2);
    assert.equal(first.refundMinor + rest.refundMinor, line.lineTotalMinor);
    const undiscounted = lineRefund({ ...line, discountMinor: undefined, taxMinor: 240, lineTotalMinor: 3240 }, 0, 1);
    assert.equal(undiscounted.refundMinor - undiscounted.taxMinor, 1000);
  });
});
