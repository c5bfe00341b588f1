import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { retailDataset } from '@mesh/seed-data';
import { openConsumerProbe, type ConsumerProbe } from '@mesh/events';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import { inventorySubgraph } from '@mesh/inventory-subgraph';
import { ledgerSubgraph } from '@mesh/ledger-subgraph';
import { productSubgraph } from '@mesh/product-subgraph';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { Principal } from '@mesh/server-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { createOrderSubgraph } from '../src/module.js';
import type { OrderRecord } from '../src/models/order.model.js';
import { errorCode } from './order-harness.js';
import { eventually } from './order-test-helpers.js';

let database: RunningDatabase;
let nats: TestNatsServer;
let product: TestSubgraph;
let inventory: TestSubgraph;
let orders: TestSubgraph;
let ledger: TestSubgraph;
let probe: ConsumerProbe;

const dataset = retailDataset();
const STORE = 'loc_nyc01'; // the test associate's store
const stocked = dataset.stockLevels
  .filter((level) => level.locationId === STORE && level.onHand >= 20)
  .map((level) => level.sku)
  .filter((sku) => dataset.variants.find((variant) => variant.sku === sku)?.unitCosts.some((cost) => cost.currency === 'USD'));
const sku = (index: number): string => stocked[index]!;
const unitCost = (skuId: string) => dataset.variants.find((variant) => variant.sku === skuId)!.unitCosts.find((cost) => cost.currency === 'USD')!.amountMinor;

const SYNC = `mutation($storeId: ID!, $transactions: [PosTransactionInput!]!) { syncPosTransactions(storeId: $storeId, transactions: $transactions) {
  storeId
  results { localId deviceId sequence outcome rejection reason order { id channel status placedAt correlationId customer { id } fulfillment { type location { id } } totals { subtotal { minorUnits } tax { minorUnits } total { minorUnits } } payment { authorized { minorUnits } captured { minorUnits } } statusHistory { status } } }
  devices { deviceId highestContiguousSequence highestSequence missingSequences }
} }`;

interface SyncResult {
  storeId: string;
  results: {
    localId: string;
    deviceId: string;
    sequence: number;
    outcome: 'RECORDED' | 'ALREADY_RECORDED' | 'REJECTED';
    rejection: string | null;
    reason: string | null;
    order: null | {
      id: string;
      channel: string;
      status: string;
      placedAt: string;
      correlationId: string;
      customer: { id: string } | null;
      fulfillment: { type: string; location: { id: string } };
      totals: { subtotal: { minorUnits: string }; tax: { minorUnits: string }; total: { minorUnits: string } };
      payment: { authorized: { minorUnits: string }; captured: { minorUnits: string } };
      statusHistory: { status: string }[];
    };
  }[];
  devices: { deviceId: string; highestContiguousSequence: number; highestSequence: number; missingSequences: number[] }[];
}

interface Line {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
}
interface Txn {
  localId: string;
  deviceId: string;
  sequence: number;
  occurredAt: string;
  customerId?: string;
  currency: 'USD';
  lines: { sku: string; quantity: number; unitPriceMinor: string }[];
  payment: { method: string; amountMinor: string };
}

const totalOf = (lines: Line[]) =>
  lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity + Math.round((line.unitPriceMinor * line.quantity * 800) / 10_000), 0);

/** A till transaction whose payment equals its total (unless `paid` says otherwise). */
function txn(deviceId: string, sequence: number, lines: Line[], options: { customerId?: string; paid?: number; localId?: string } = {}): Txn {
  return {
    localId: options.localId ?? `${deviceId}-${sequence}`,
    deviceId,
    sequence,
    occurredAt: new Date(Date.UTC(2025, 0, 10, 9, sequence)).toISOString(),
    ...(options.customerId ? { customerId: options.customerId } : {}),
    currency: 'USD',
    lines: lines.map((line) => ({ sku: line.sku, quantity: line.quantity, unitPriceMinor: String(line.unitPriceMinor) })),
    payment: { method: 'CARD', amountMinor: String(options.paid ?? totalOf(lines)) },
  };
}

async function sync(transactions: Txn[], storeId = STORE, principal: Principal = principals.associate) {
  const response = await orders.request<{ syncPosTransactions: SyncResult }>(SYNC, { storeId, transactions }, principal);
  return response;
}
async function syncOk(transactions: Txn[]): Promise<SyncResult> {
  const response = await sync(transactions);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.syncPosTransactions;
}

const orderDocs = () => orders.connection.model<OrderRecord>('Order');
const levels = () => inventory.connection.collection('stock_levels');
const movements = () => inventory.connection.collection('stock_movements');
async function onHand(skus: string[]): Promise<Map<string, number>> {
  const rows = await levels()
    .find({ locationId: STORE, sku: { $in: skus } })
    .toArray();
  return new Map(rows.map((row) => [row['sku'] as string, row['onHand'] as number]));
}

/**
 * Resolves once inventory and the ledger have handled every event of these orders, for checks that
 * nothing more arrives later (which a fixed pause proves only on a quiet machine): the relay has
 * published them all (none is left on the orders), then both consumers have settled everything in
 * the order stream (nothing left to deliver, nothing unacknowledged).
 */
async function untilHandled(orderIds: readonly string[]): Promise<void> {
  await eventually(
    "the relay to publish the orders' events",
    async () => (await orderDocs().countDocuments({ _id: { $in: [...orderIds] }, 'pendingEvents.0': { $exists: true } })) === 0,
  );
  const settled = async (consumer: string) => (await probe.backlog(consumer, 'order')) === 0;
  await eventually(
    'inventory and the ledger to settle the order events',
    async () => (await settled('inventory-order-events')) && (await settled('ledger-orders')),
  );
}

before(async () => {
  [database, nats] = await Promise.all([startTestDatabase(), startNatsServer()]);
  product = await startTestSubgraph(productSubgraph, { mongoUri: database.uri, natsUrl: nats.url });
  [inventory, ledger, orders] = await Promise.all([
    startTestSubgraph(inventorySubgraph, { mongoUri: database.uri, natsUrl: nats.url, dbName: `test_inventory_${randomUUID().slice(0, 8)}` }),
    startTestSubgraph(ledgerSubgraph, { mongoUri: database.uri, natsUrl: nats.url, dbName: `test_ledger_${randomUUID().slice(0, 8)}` }),
    startTestSubgraph(createOrderSubgraph({ productUrl: product.url, relayIntervalMs: 100 }), { mongoUri: database.uri, natsUrl: nats.url }),
  ]);
  probe = await openConsumerProbe(nats.url);
});
after(async () => {
  await probe?.close();
  await Promise.all([orders?.close(), inventory?.close(), ledger?.close(), product?.close()]);
  await Promise.all([database?.stop(), nats?.stop()]);
});

describe('syncing a store POS batch', () => {
  test('a batch uploaded three times, out of order and interrupted, records and decrements each sale once', async () => {
    const skus = [sku(0), sku(1), sku(2), sku(3)];
    const batch = [
      txn('till-1', 1, [{ sku: skus[0]!, quantity: 1, unitPriceMinor: 1500 }]),
      txn(
        'till-1',
        2,
        [
          { sku: skus[1]!, quantity: 2, unitPriceMinor: 999 },
          { sku: skus[0]!, quantity: 1, unitPriceMinor: 1200 },
        ],
        { customerId: 'cus_00007' },
      ),
      txn('till-1', 3, [{ sku: skus[2]!, quantity: 3, unitPriceMinor: 250 }]),
      txn('till-1', 4, [{ sku: skus[3]!, quantity: 1, unitPriceMinor: 0 }]),
      txn('till-2', 1, [{ sku: skus[1]!, quantity: 1, unitPriceMinor: 999 }]),
      txn('till-2', 2, [
        { sku: skus[2]!, quantity: 2, unitPriceMinor: 300 },
        { sku: skus[3]!, quantity: 2, unitPriceMinor: 4000 },
      ]),
    ];
    const sold = new Map<string, number>();
    for (const transaction of batch) for (const line of transaction.lines) sold.set(line.sku, (sold.get(line.sku) ?? 0) + line.quantity);
    const before = await onHand(skus);

    // Interrupted: only a shuffled part arrives.
    const first = await syncOk([batch[4]!, batch[2]!, batch[0]!]);
    assert.deepEqual(
      first.results.map((result) => [result.localId, result.outcome]),
      [
        ['till-2-1', 'RECORDED'],
        ['till-1-3', 'RECORDED'],
        ['till-1-1', 'RECORDED'],
      ],
    );
    assert.deepEqual(
      first.devices.find((device) => device.deviceId === 'till-1'),
      { deviceId: 'till-1', highestContiguousSequence: 1, highestSequence: 3, missingSequences: [2] },
    );
    // Then the whole batch, reversed.
    const second = await syncOk([...batch].reverse());
    assert.deepEqual(
      second.results.map((result) => [result.localId, result.outcome]),
      [
        ['till-2-2', 'RECORDED'],
        ['till-2-1', 'ALREADY_RECORDED'],
        ['till-1-4', 'RECORDED'],
        ['till-1-3', 'ALREADY_RECORDED'],
        ['till-1-2', 'RECORDED'],
        ['till-1-1', 'ALREADY_RECORDED'],
      ],
    );
    assert.deepEqual(
      second.devices.sort((a, b) => a.deviceId.localeCompare(b.deviceId)),
      [
        { deviceId: 'till-1', highestContiguousSequence: 4, highestSequence: 4, missingSequences: [] },
        { deviceId: 'till-2', highestContiguousSequence: 2, highestSequence: 2, missingSequences: [] },
      ],
    );
    // And once more whole: nothing new.
    const third = await syncOk(batch);
    assert.ok(third.results.every((result) => result.outcome === 'ALREADY_RECORDED'));
    const idOf = (result: SyncResult['results'][number]) => [result.localId, result.order?.id];
    assert.deepEqual(third.results.map(idOf), [...second.results].reverse().map(idOf));
    assert.deepEqual(
      first.results.map(idOf),
      first.results.map((result) => [result.localId, third.results.find((other) => other.localId === result.localId)?.order?.id]),
    );

    // One order per sale, as the till recorded it.
    const stored = await orderDocs()
      .find({ idempotencyKey: { $regex: `^pos:${STORE}:till-` } })
      .lean();
    assert.equal(stored.length, 6);
    const anonymous = third.results[0]!.order!;
    assert.equal(anonymous.channel, 'POS');
    assert.equal(anonymous.status, 'COMPLETED');
    assert.equal(anonymous.customer, null);
    assert.deepEqual(anonymous.fulfillment, { type: 'CARRY_OUT', location: { id: STORE } });
    assert.deepEqual(
      anonymous.statusHistory.map((change) => change.status),
      ['PLACED', 'COMPLETED'],
    );
    assert.equal(anonymous.placedAt, batch[0]!.occurredAt);
    assert.equal(anonymous.totals.total.minorUnits, '1620');
    assert.equal(anonymous.payment.captured.minorUnits, '1620');
    assert.equal(anonymous.payment.authorized.minorUnits, '1620');
    const loyalty = third.results[1]!.order!;
    assert.equal(loyalty.customer?.id, 'cus_00007');
    assert.deepEqual([loyalty.totals.subtotal.minorUnits, loyalty.totals.tax.minorUnits, loyalty.totals.total.minorUnits], ['3198', '256', '3454']);
    assert.notEqual(loyalty.correlationId, anonymous.correlationId);
    const loyaltyDoc = stored.find((order) => order._id === loyalty.id)!;
    assert.equal(loyaltyDoc.idempotencyKey, `pos:${STORE}:till-1:till-1-2`);
    assert.deepEqual(
      loyaltyDoc.lines.map((line) => [line.sku, line.unitCostMinor]),
      [
        [skus[1], unitCost(skus[1]!)],
        [skus[0], unitCost(skus[0]!)],
      ],
    );

    // Stock left once: one SALE movement per (order, SKU), on hand down by exactly what was sold.
    const expectedMovements = stored.reduce((sum, order) => sum + new Set(order.lines.map((line) => line.sku)).size, 0);
    const sales = () => movements().countDocuments({ type: 'SALE', orderId: { $in: stored.map((order) => order._id) }, status: 'APPLIED' });
    await eventually('every SALE movement', async () => (await sales()) === expectedMovements);
    await untilHandled(stored.map((order) => order._id));
    assert.equal(await sales(), expectedMovements);
    assert.equal(await inventory.connection.collection('reservations').countDocuments({ orderId: { $in: stored.map((order) => order._id) } }), 0);
    const after = await onHand(skus);
    for (const skuId of skus) assert.equal(after.get(skuId), before.get(skuId)! - sold.get(skuId)!, `on hand of ${skuId}`);

    // The ledger posted the sale and its cost of goods, once each, for the anonymous sale too.
    const entries = () => ledger.connection.collection('journal_entries').find({ orderId: anonymous.id }).toArray();
    // Every event of the sales was handled above: the entries are all there is.
    await eventually('the anonymous sale posted', async () => (await entries()).length === 2);
    const posted = await entries();
    assert.deepEqual(posted.map((entry) => (entry['source'] as { type: string }).type).sort(), ['ORDER_CAPTURED', 'ORDER_FULFILLED']);
    assert.ok(posted.every((entry) => entry['customerId'] === undefined && entry['correlationId'] === anonymous.correlationId));
  });

  test('three concurrent uploads of the same batch record each transaction once', async () => {
    const skus = [sku(4), sku(5)];
    const batch = Array.from({ length: 8 }, (_, index) => txn('till-race', index + 1, [{ sku: skus[index % 2]!, quantity: 1, unitPriceMinor: 1000 + index }]));
    const before = await onHand(skus);
    const uploads = await Promise.all([syncOk(batch), syncOk([...batch].reverse()), syncOk(batch)]);
    for (const transaction of batch) {
      const outcomes = uploads.map((upload) => upload.results.find((result) => result.localId === transaction.localId)!);
      assert.equal(outcomes.filter((result) => result.outcome === 'RECORDED').length, 1, transaction.localId);
      assert.equal(outcomes.filter((result) => result.outcome === 'ALREADY_RECORDED').length, 2, transaction.localId);
      assert.equal(new Set(outcomes.map((result) => result.order?.id)).size, 1);
    }
    assert.equal(await orderDocs().countDocuments({ idempotencyKey: { $regex: `^pos:${STORE}:till-race:` } }), 8);
    for (const upload of uploads) {
      const device = upload.devices.find((candidate) => candidate.deviceId === 'till-race');
      assert.equal(device?.highestSequence, 8);
      assert.deepEqual(device?.missingSequences, []);
    }
    const orderIds = (
      await orderDocs()
        .find({ idempotencyKey: { $regex: `^pos:${STORE}:till-race:` } }, { _id: 1 })
        .lean()
    ).map((order) => order._id);
    await eventually('eight SALE movements', async () => (await movements().countDocuments({ orderId: { $in: orderIds }, status: 'APPLIED' })) === 8);
    await untilHandled(orderIds);
    assert.equal(await movements().countDocuments({ orderId: { $in: orderIds } }), 8);
    const after = await onHand(skus);
    for (const skuId of skus) assert.equal(after.get(skuId), before.get(skuId)! - 4);
  });

  test('bad transactions are REJECTED with their code while the rest of the batch is RECORDED', async () => {
    const good = txn('till-mixed', 1, [{ sku: sku(6), quantity: 1, unitPriceMinor: 700 }]);
    const unknown = txn('till-mixed', 2, [{ sku: 'SKU-9999-99', quantity: 1, unitPriceMinor: 700 }]);
    const underpaid = txn('till-mixed', 3, [{ sku: sku(6), quantity: 2, unitPriceMinor: 700 }], { paid: 1400 });
    const malformed = {
      ...txn('till-mixed', 4, [{ sku: sku(6), quantity: 1, unitPriceMinor: 700 }]),
      lines: [{ sku: sku(6), quantity: 0, unitPriceMinor: '700' }],
    };
    const alsoGood = txn('till-mixed', 5, [{ sku: sku(7), quantity: 1, unitPriceMinor: 10 }]);
    const result = await syncOk([good, unknown, underpaid, malformed, alsoGood]);
    assert.deepEqual(
      result.results.map((entry) => [entry.localId, entry.outcome, entry.rejection, entry.order === null]),
      [
        ['till-mixed-1', 'RECORDED', null, false],
        ['till-mixed-2', 'REJECTED', 'UNKNOWN_SKU', true],
        ['till-mixed-3', 'REJECTED', 'PAYMENT_MISMATCH', true],
        ['till-mixed-4', 'REJECTED', 'INVALID_TRANSACTION', true],
        ['till-mixed-5', 'RECORDED', null, false],
      ],
    );
    assert.match(result.results[2]!.reason!, /payment 1400 does not equal the total 1512/);
    assert.equal(await orderDocs().countDocuments({ idempotencyKey: { $regex: `^pos:${STORE}:till-mixed:` } }), 2);
    // Rejected transactions were received all the same: the store need not resend them.
    assert.deepEqual(result.devices, [{ deviceId: 'till-mixed', highestContiguousSequence: 5, highestSequence: 5, missingSequences: [] }]);

    // The same localId with different content is a CONFLICT; the first recording stands.
    const changed = {
      ...good,
      lines: [{ ...good.lines[0]!, quantity: 2 }],
      payment: { method: 'CARD', amountMinor: String(totalOf([{ sku: sku(6), quantity: 2, unitPriceMinor: 700 }])) },
    };
    const conflict = await syncOk([changed]);
    assert.equal(conflict.results[0]!.outcome, 'REJECTED');
    assert.equal(conflict.results[0]!.rejection, 'CONFLICT');
    const first = await orderDocs()
      .findOne({ idempotencyKey: `pos:${STORE}:till-mixed:till-mixed-1` })
      .lean();
    assert.equal(first?.lines[0]?.quantity, 1);
    assert.equal((await syncOk([good])).results[0]!.outcome, 'ALREADY_RECORDED');
  });

  test('sequence gaps per device are reported until the missing transactions arrive', async () => {
    const line = [{ sku: sku(8), quantity: 1, unitPriceMinor: 100 }];
    const gappy = await syncOk([txn('till-gap', 7, line), txn('till-gap', 2, line), txn('till-gap', 5, line), txn('till-gap', 1, line)]);
    assert.deepEqual(gappy.devices, [{ deviceId: 'till-gap', highestContiguousSequence: 2, highestSequence: 7, missingSequences: [3, 4, 6] }]);
    const filled = await syncOk([txn('till-gap', 4, line), txn('till-gap', 3, line)]);
    assert.deepEqual(filled.devices, [{ deviceId: 'till-gap', highestContiguousSequence: 5, highestSequence: 7, missingSequences: [6] }]);
  });

  test('only store staff may sync, an associate only for their own store, and a bad batch writes nothing', async () => {
    const batch = [txn('till-access', 1, [{ sku: sku(9), quantity: 1, unitPriceMinor: 100 }])];
    assert.equal(errorCode(await sync(batch, STORE, principals.anonymous)), 'UNAUTHENTICATED');
    assert.equal(errorCode(await sync(batch, STORE, principals.customer('cus_00001'))), 'FORBIDDEN');
    assert.equal(errorCode(await sync(batch, 'loc_bos01', principals.associate)), 'FORBIDDEN');
    assert.equal(errorCode(await sync(batch, STORE, principals.analyst)), 'FORBIDDEN');
    assert.equal(errorCode(await sync([], STORE)), 'BAD_USER_INPUT');
    assert.equal(
      errorCode(
        await sync(
          Array.from({ length: 501 }, (_, index) => txn('till-access', index + 1, [{ sku: sku(9), quantity: 1, unitPriceMinor: 100 }])),
          STORE,
        ),
      ),
      'BAD_USER_INPUT',
    );
    assert.equal(await orderDocs().countDocuments({ idempotencyKey: { $regex: ':till-access:' } }), 0);
    assert.equal(await orders.connection.collection('pos_devices').countDocuments({ deviceId: 'till-access' }), 0);
    // An admin's token names no store: any store.
    const byAdmin = await sync(batch, 'loc_bos01', principals.admin);
    assert.equal(byAdmin.data?.syncPosTransactions.results[0]?.outcome, 'RECORDED', JSON.stringify(byAdmin.errors));
  });
});
