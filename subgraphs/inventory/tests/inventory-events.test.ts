import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEnvelope } from '@mesh/events';
import { retailDataset } from '@mesh/seed-data';
import type { TestSubgraph } from '@mesh/test-kit';
import type { InventoryModels } from '../src/module.js';
import { commitReservation } from '../src/services/commit-reservation.service.js';
import { releaseReservation } from '../src/services/release-reservation.service.js';
import { reserveStock, type ReserveStockInput } from '../src/services/reserve-stock.service.js';
import { untilAllReceived, untilOrderEventsHandled, waitFor, type EventWatcher, startInventoryEventBed, type InventoryEventBed } from './event-fixtures.js';
import { principals } from '@mesh/test-kit';
import { errorCode, record, setLevel, storedLevel, type MovementInput } from './inventory-fixtures.js';

let bed: InventoryEventBed;
let subgraph: TestSubgraph;
let models: InventoryModels;
let watcher: EventWatcher;
let run = 0;
const lineage = { correlationId: 'corr-reservations' };
const HOUR = 3600_000;
const variants = retailDataset().variants;
/** The seed catalog's unit cost of a SKU in a currency, in minor units. */
const seedUnitCost = (sku: string, currency: 'USD' | 'EUR') =>
  variants.find((variant) => variant.sku === sku)!.unitCosts.find((cost) => cost.currency === currency)!.amountMinor;

before(async () => {
  bed = await startInventoryEventBed({ relayIntervalMs: 50, expiryIntervalMs: 100 });
  ({ subgraph, models, watcher } = bed);
});
after(() => bed?.close());

const reserve = (input: Partial<ReserveStockInput> & Pick<ReserveStockInput, 'lines' | 'locationId'>) => {
  run += 1;
  return reserveStock(models, lineage, { key: `test:${run}`, orderId: `ord_test_${run}`, ttlMs: HOUR, ...input });
};

describe('reserving stock', () => {
  test('1,000 concurrent reservations of 1 against 100 units: exactly 100 held, 900 rejected, available never below zero', async () => {
    const sku = 'SKU-0020-01';
    const locationId = 'loc_nyc01';
    await setLevel(subgraph, sku, locationId, { onHand: 100, reserved: 0, safetyStock: 0 });
    const outcomes = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        reserveStock(models, lineage, { key: `race:${i}`, orderId: `ord_race_${i}`, locationId, lines: [{ sku, quantity: 1 }], ttlMs: HOUR }),
      ),
    );
    const held = outcomes.filter((outcome) => outcome.kind === 'held');
    const rejected = outcomes.filter((outcome) => outcome.kind === 'rejected');
    assert.equal(held.length, 100);
    assert.equal(rejected.length, 900);
    for (const outcome of rejected) assert.deepEqual(outcome.kind === 'rejected' && outcome.shortages, [{ sku, quantity: 1, available: 0, short: 1 }]);
    assert.deepEqual(await storedLevel(subgraph, sku, locationId), { onHand: 100, reserved: 100, safetyStock: 0, free: 0, atp: 0 });
    assert.equal(await models.reservations.countDocuments({ key: /^race:/, status: 'HELD' }), 100);
    assert.equal(await models.reservations.countDocuments({ key: /^race:/, status: 'REJECTED' }), 900);
    // Each unit left available-to-sell exactly once: 99, 98, ... 0, never below.
    const changes = () => watcher.of('inventory.availability-changed', (event) => event.data.sku === sku && event.data.locationId === locationId);
    // 1,100 events through the relay and nats-server: the budgets are patience for a loaded machine.
    await waitFor(() => changes().length >= 100, '100 availability changes', 60_000);
    await waitFor(
      () => watcher.of('inventory.stock-reserved', (event) => event.data.orderId.startsWith('ord_race_')).length === 100,
      '100 stock-reserved',
      60_000,
    );
    await waitFor(
      () => watcher.of('inventory.stock-reservation-rejected', (event) => event.data.orderId.startsWith('ord_race_')).length === 900,
      '900 rejections',
      60_000,
    );
    await untilAllReceived(watcher, subgraph.connection);
    assert.equal(changes().length, 100);
    assert.deepEqual(
      changes()
        .map((event) => event.data.availableToSell)
        .sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.ok(
      changes().every(
        (event) => event.data.previousAvailableToSell === event.data.availableToSell + 1 && event.data.reserved === 100 - event.data.availableToSell,
      ),
    );
  });

  test('a two-line reservation whose second line is short holds nothing and reports the shortage', async () => {
    const locationId = 'loc_bos01';
    await setLevel(subgraph, 'SKU-0021-01', locationId, { onHand: 10, reserved: 0, safetyStock: 0 });
    await setLevel(subgraph, 'SKU-0021-02', locationId, { onHand: 5, reserved: 1, safetyStock: 1 });
    const outcome = await reserve({
      locationId,
      lines: [
        { sku: 'SKU-0021-01', quantity: 4 },
        { sku: 'SKU-0021-02', quantity: 6 },
      ],
    });
    assert.equal(outcome.kind, 'rejected');
    assert.deepEqual(outcome.kind === 'rejected' && outcome.shortages, [{ sku: 'SKU-0021-02', quantity: 6, available: 3, short: 3 }]);
    assert.deepEqual(
      outcome.reservation.lines.map((line) => line.state),
      ['RELEASED', 'SHORT'],
    );
    assert.deepEqual(await storedLevel(subgraph, 'SKU-0021-01', locationId), { onHand: 10, reserved: 0, safetyStock: 0, free: 10, atp: 10 });
    assert.deepEqual(await storedLevel(subgraph, 'SKU-0021-02', locationId), { onHand: 5, reserved: 1, safetyStock: 1, free: 4, atp: 3 });
    await waitFor(
      () => watcher.of('inventory.stock-reservation-rejected', (event) => event.data.reservationId === outcome.reservation._id).length === 1,
      'the rejection',
    );
    const [rejection] = watcher.of('inventory.stock-reservation-rejected', (event) => event.data.reservationId === outcome.reservation._id);
    assert.deepEqual(rejection?.data.shortages, [{ sku: 'SKU-0021-02', quantity: 6, available: 3 }]);
    assert.equal(rejection?.correlationId, 'corr-reservations');
  });

  test('the same key 20 times at once makes one reservation and gives every caller the same answer', async () => {
    const sku = 'SKU-0022-01';
    const locationId = 'loc_sfo01';
    await setLevel(subgraph, sku, locationId, { onHand: 50, reserved: 0, safetyStock: 0 });
    const input: ReserveStockInput = { key: 'same-key-20', orderId: 'ord_same_20', locationId, lines: [{ sku, quantity: 3 }], ttlMs: HOUR };
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => reserveStock(models, lineage, input)));
    assert.equal(new Set(outcomes.map((outcome) => outcome.reservation._id)).size, 1);
    assert.ok(outcomes.every((outcome) => outcome.kind === 'held'));
    assert.equal(outcomes.filter((outcome) => !outcome.replayed).length, 1);
    assert.equal(await models.reservations.countDocuments({ key: 'same-key-20' }), 1);
    assert.equal((await storedLevel(subgraph, sku, locationId)).reserved, 3);
    await assert.rejects(
      reserveStock(models, lineage, { ...input, lines: [{ sku, quantity: 4 }] }),
      (error: { extensions?: { code?: string } }) => error.extensions?.code === 'IDEMPOTENCY_KEY_REUSED',
    );
  });

  test('an expired reservation is released by the job, which publishes reservation-released and availability-changed', async () => {
    const sku = 'SKU-0023-01';
    const locationId = 'loc_par01';
    await setLevel(subgraph, sku, locationId, { onHand: 8, reserved: 0, safetyStock: 0 });
    // A TTL that a loaded machine cannot outrun before the level is checked; then the reservation
    // is dated to expire now, as if the TTL had passed (the job runs every 100 ms).
    const ttlMs = HOUR;
    const reservedAt = Date.now();
    const outcome = await reserve({ locationId, lines: [{ sku, quantity: 5 }], ttlMs });
    assert.equal(outcome.kind, 'held');
    const expiresAt = outcome.reservation.expiresAt.getTime();
    assert.ok(expiresAt >= reservedAt + ttlMs && expiresAt <= Date.now() + ttlMs, 'the reservation expires its TTL after it was made');
    assert.equal((await storedLevel(subgraph, sku, locationId)).atp, 3);
    await models.reservations.updateOne({ _id: outcome.reservation._id, status: 'HELD' }, { $set: { expiresAt: new Date() } });
    await waitFor(async () => (await models.reservations.findById(outcome.reservation._id).lean())?.status === 'EXPIRED', 'the expiry');
    assert.deepEqual(await storedLevel(subgraph, sku, locationId), { onHand: 8, reserved: 0, safetyStock: 0, free: 8, atp: 8 });
    await waitFor(
      () => watcher.of('inventory.reservation-released', (event) => event.data.reservationId === outcome.reservation._id).length === 1,
      'reservation-released',
    );
    assert.equal(watcher.of('inventory.reservation-released', (event) => event.data.reservationId === outcome.reservation._id)[0]?.data.reason, 'EXPIRED');
    await waitFor(
      () =>
        watcher.of(
          'inventory.availability-changed',
          (event) => event.data.sku === sku && event.data.locationId === locationId && event.data.availableToSell === 8,
        ).length === 1,
      'availability back to 8',
    );
    // A cancel after expiry changes nothing and says it was released.
    const late = await releaseReservation(models, { reservationId: outcome.reservation._id }, 'ORDER_CANCELLED');
    assert.equal(late.kind, 'released');
    assert.equal(late.kind === 'released' && late.replayed, true);
  });

  test('a released reservation gives its units back once, however often it is released', async () => {
    const sku = 'SKU-0023-02';
    const locationId = 'loc_par01';
    await setLevel(subgraph, sku, locationId, { onHand: 8, reserved: 0, safetyStock: 0 });
    const outcome = await reserve({ locationId, lines: [{ sku, quantity: 2 }] });
    const releases = await Promise.all(
      Array.from({ length: 5 }, () => releaseReservation(models, { reservationId: outcome.reservation._id }, 'ORDER_CANCELLED')),
    );
    assert.ok(releases.every((release) => release.kind === 'released'));
    assert.equal(releases.filter((release) => release.kind === 'released' && !release.replayed).length, 1);
    assert.equal((await storedLevel(subgraph, sku, locationId)).reserved, 0);
    assert.equal((await commitReservation(models, { reservationId: outcome.reservation._id })).kind, 'not-held');
  });

  test('a commit turns the reserved units into SALE movements: on hand and reserved drop, once', async () => {
    const locationId = 'loc_ams01';
    await setLevel(subgraph, 'SKU-0024-01', locationId, { onHand: 9, reserved: 1, safetyStock: 1 });
    await setLevel(subgraph, 'SKU-0024-02', locationId, { onHand: 4, reserved: 0, safetyStock: 0 });
    const outcome = await reserve({
      locationId,
      lines: [
        { sku: 'SKU-0024-01', quantity: 3 },
        { sku: 'SKU-0024-02', quantity: 4 },
      ],
    });
    assert.equal(outcome.kind, 'held');
    const commits = await Promise.all(Array.from({ length: 5 }, () => commitReservation(models, { reservationId: outcome.reservation._id })));
    assert.ok(commits.every((commit) => commit.kind === 'committed'));
    const movementIds = commits[0]!.kind === 'committed' ? commits[0]!.movementIds : [];
    for (const commit of commits) assert.deepEqual(commit.kind === 'committed' && commit.movementIds, movementIds);
    assert.deepEqual(await storedLevel(subgraph, 'SKU-0024-01', locationId), { onHand: 6, reserved: 1, safetyStock: 1, free: 5, atp: 4 });
    assert.deepEqual(await storedLevel(subgraph, 'SKU-0024-02', locationId), { onHand: 0, reserved: 0, safetyStock: 0, free: 0, atp: 0 });
    const sales = await models.movements.find({ reservationId: outcome.reservation._id }).lean();
    assert.deepEqual(sales.map((sale) => [sale.type, sale.status, sale.quantityDelta, sale.orderId]).sort(), [
      ['SALE', 'APPLIED', -3, outcome.reservation.orderId],
      ['SALE', 'APPLIED', -4, outcome.reservation.orderId],
    ]);
    await waitFor(
      () => watcher.of('inventory.reservation-committed', (event) => event.data.reservationId === outcome.reservation._id).length === 1,
      'reservation-committed',
    );
    assert.deepEqual(
      watcher.of('inventory.reservation-committed', (event) => event.data.reservationId === outcome.reservation._id)[0]?.data.movementIds,
      movementIds,
    );
    await waitFor(
      () => watcher.of('inventory.stock-movement-recorded', (event) => movementIds.includes(event.data.movementId)).length === 2,
      'two SALE movements recorded',
    );
    assert.deepEqual(
      watcher
        .of('inventory.stock-movement-recorded', (event) => movementIds.includes(event.data.movementId))
        .map((event) => [event.data.movementType, event.data.sku, event.data.onHandAfter])
        .sort(),
      [
        ['SALE', 'SKU-0024-01', 6],
        ['SALE', 'SKU-0024-02', 0],
      ],
    );
    assert.equal((await releaseReservation(models, { reservationId: outcome.reservation._id }, 'ORDER_CANCELLED')).kind, 'not-held');
  });
});

describe('the order-placed consumer', () => {
  test('a redelivered or re-published order-placed event reserves once and publishes one outcome', async () => {
    const sku = 'SKU-0025-01';
    const locationId = 'loc_ber01';
    await setLevel(subgraph, sku, locationId, { onHand: 10, reserved: 0, safetyStock: 0 });
    const money = { minorUnits: 1000, currency: 'USD' as const };
    const placed = (id?: string) =>
      createEnvelope(
        'order.order-placed',
        {
          orderId: 'ord_consumer_1',
          orderNumber: 'W-1',
          channel: 'WEB',
          locationId,
          customerId: 'cus_0001',
          fulfillment: { type: 'PICKUP_IN_STORE', locationId },
          lines: [{ lineNumber: 1, sku, quantity: 2, unitPrice: money, tax: { ...money, minorUnits: 0 }, lineTotal: money }],
          subtotal: money,
          tax: { ...money, minorUnits: 0 },
          total: money,
          status: 'PLACED',
        },
        { correlationId: 'corr-order-1', idempotencyKey: 'order:ord_consumer_1:placed', ...(id ? { id } : {}) },
      );
    const first = placed();
    await watcher.bus.publish(first);
    await watcher.bus.publish(placed(first.id));
    await watcher.bus.publish(placed());
    await waitFor(() => watcher.of('inventory.stock-reserved', (event) => event.data.orderId === 'ord_consumer_1').length >= 1, 'stock-reserved');
    await untilOrderEventsHandled(watcher, subgraph.connection, 'ord_consumer_1');
    await untilAllReceived(watcher, subgraph.connection);
    const reserved = watcher.of('inventory.stock-reserved', (event) => event.data.orderId === 'ord_consumer_1');
    assert.equal(reserved.length, 1);
    assert.equal(reserved[0]?.correlationId, 'corr-order-1');
    assert.equal(reserved[0]?.causationId, first.id);
    assert.deepEqual(reserved[0]?.data.lines, [{ sku, quantity: 2 }]);
    assert.equal(await models.reservations.countDocuments({ orderId: 'ord_consumer_1' }), 1);
    assert.equal((await storedLevel(subgraph, sku, locationId)).reserved, 2);

    await watcher.bus.publish(
      createEnvelope(
        'order.order-cancelled',
        { orderId: 'ord_consumer_1', reason: 'CUSTOMER_REQUEST' },
        { causedBy: first, idempotencyKey: 'order:ord_consumer_1:cancelled' },
      ),
    );
    await waitFor(() => watcher.of('inventory.reservation-released', (event) => event.data.orderId === 'ord_consumer_1').length === 1, 'the release');
    assert.equal((await storedLevel(subgraph, sku, locationId)).reserved, 0);
  });
});

describe('stock movements on the bus', () => {
  test('a recorded movement publishes exactly one stock-movement-recorded and one availability-changed', async () => {
    const sku = 'SKU-0026-01';
    const locationId = 'loc_lax01';
    await setLevel(subgraph, sku, locationId, { onHand: 7, reserved: 2, safetyStock: 1 });
    const response = await record(
      subgraph,
      { sku, locationId, type: 'RECEIPT', quantity: 5, idempotencyKey: 'bus-receipt-1', reason: 'PO 9' },
      principals.associate,
    );
    const movementId = response.data?.recordStockMovement.movement?.id;
    assert.ok(movementId);
    await record(subgraph, { sku, locationId, type: 'RECEIPT', quantity: 5, idempotencyKey: 'bus-receipt-1', reason: 'PO 9' }, principals.associate);
    const recorded = () => watcher.of('inventory.stock-movement-recorded', (event) => event.data.movementId === movementId);
    const changed = () => watcher.of('inventory.availability-changed', (event) => event.data.sku === sku && event.data.locationId === locationId);
    await waitFor(() => recorded().length > 0 && changed().length > 0, 'the movement events');
    await untilAllReceived(watcher, subgraph.connection);
    assert.equal(recorded().length, 1);
    assert.equal(changed().length, 1);
    assert.deepEqual(recorded()[0]?.data, {
      movementId,
      sku,
      locationId,
      movementType: 'RECEIPT',
      quantity: 5,
      quantityDelta: 5,
      onHandAfter: 12,
      reason: 'PO 9',
      unitCostMinor: seedUnitCost(sku, 'USD'),
      currency: 'USD',
    });
    assert.deepEqual(changed()[0]?.data, {
      sku,
      locationId,
      onHand: 12,
      reserved: 2,
      inTransit: 0,
      safetyStock: 1,
      availableToSell: 9,
      previousAvailableToSell: 4,
    });
  });

  test("receipts, damage and cycle counts carry the SKU's unit cost in the location's currency, as version 2", async () => {
    const sku = 'SKU-0026-02';
    await setLevel(subgraph, sku, 'loc_ber01', { onHand: 10, reserved: 0, safetyStock: 0 });
    await setLevel(subgraph, sku, 'loc_sea01', { onHand: 10, reserved: 0, safetyStock: 0 });
    const movements: MovementInput[] = [
      { sku, locationId: 'loc_ber01', type: 'RECEIPT', quantity: 4, idempotencyKey: 'valued-receipt' },
      { sku, locationId: 'loc_ber01', type: 'DAMAGE', quantity: 3, idempotencyKey: 'valued-damage' },
      { sku, locationId: 'loc_sea01', type: 'CYCLE_COUNT', quantity: 6, idempotencyKey: 'valued-count' },
    ];
    const ids: string[] = [];
    for (const input of movements) {
      const response = await record(subgraph, input, principals.associate);
      ids.push(response.data!.recordStockMovement.movement!.id);
    }
    const recorded = () => watcher.of('inventory.stock-movement-recorded', (event) => ids.includes(event.data.movementId));
    await waitFor(() => recorded().length === 3, 'three movement events');
    const byId = new Map(recorded().map((event) => [event.data.movementId, event]));
    const summary = ids.map((id) => {
      const event = byId.get(id)!;
      return [event.version, event.data.movementType, event.data.quantityDelta, event.data.unitCostMinor, event.data.currency];
    });
    assert.deepEqual(summary, [
      [2, 'RECEIPT', 4, seedUnitCost(sku, 'EUR'), 'EUR'],
      [2, 'DAMAGE', -3, seedUnitCost(sku, 'EUR'), 'EUR'],
      [2, 'CYCLE_COUNT', -4, seedUnitCost(sku, 'USD'), 'USD'],
    ]);
    assert.notEqual(seedUnitCost(sku, 'EUR'), seedUnitCost(sku, 'USD'), 'the currencies are told apart by their costs too');
  });

  test("a movement of a SKU without a cost in the location's currency is applied and published without a valuation", async () => {
    const sku = 'SKU-0026-03';
    await models.skus.updateOne({ _id: sku }, { $set: { unitCosts: [{ currency: 'USD', amountMinor: 1234 }] } });
    const response = await record(
      subgraph,
      { sku, locationId: 'loc_ber01', type: 'RECEIPT', quantity: 2, idempotencyKey: 'uncosted-receipt' },
      principals.associate,
    );
    const movementId = response.data!.recordStockMovement.movement!.id;
    await waitFor(() => watcher.of('inventory.stock-movement-recorded', (event) => event.data.movementId === movementId).length === 1, 'the movement event');
    const [event] = watcher.of('inventory.stock-movement-recorded', (candidate) => candidate.data.movementId === movementId);
    assert.equal(event!.data.quantityDelta, 2);
    assert.equal('unitCostMinor' in event!.data, false);
    assert.equal('currency' in event!.data, false);
  });
});

const TRANSFER = `
  mutation Transfer($input: TransferStockInput!) {
    transferStock(input: $input) {
      __typename
      ... on StockTransferred { replayed transfer { id status quantity fromLocation { id } toLocation { id } } movement { id type quantityDelta } }
      ... on InsufficientStock { sku locationId requested available }
    }
  }`;
const RECEIVE = `
  mutation Receive($transferId: ID!, $idempotencyKey: String!) {
    receiveTransfer(transferId: $transferId, idempotencyKey: $idempotencyKey) {
      __typename
      ... on TransferReceived { replayed transfer { id status } movement { id type quantityDelta } }
      ... on TransferNotReceivable { transferId status }
    }
  }`;
interface TransferResult {
  __typename: string;
  replayed?: boolean;
  transfer?: { id: string; status: string };
  movement?: { id: string; type: string; quantityDelta: number };
  available?: number;
  status?: string;
}

describe('transfers', () => {
  test('a transfer leaves the source at once, is in transit, and arrives on receipt, with availability events at both ends', async () => {
    const sku = 'SKU-0027-01';
    await setLevel(subgraph, sku, 'loc_wh_nj', { onHand: 30, reserved: 5, safetyStock: 2 });
    await setLevel(subgraph, sku, 'loc_nyc02', { onHand: 1, reserved: 0, safetyStock: 0 });
    const input = { sku, fromLocationId: 'loc_wh_nj', toLocationId: 'loc_nyc02', quantity: 10, idempotencyKey: 'transfer-1', reason: 'replenish' };
    const out = await subgraph.request<{ transferStock: TransferResult }>(TRANSFER, { input }, principals.associate);
    const shipped = out.data?.transferStock;
    assert.equal(shipped?.__typename, 'StockTransferred', JSON.stringify(out.errors));
    assert.equal(shipped?.transfer?.status, 'IN_TRANSIT');
    assert.deepEqual([shipped?.movement?.type, shipped?.movement?.quantityDelta], ['TRANSFER_OUT', -10]);
    assert.deepEqual(await storedLevel(subgraph, sku, 'loc_wh_nj'), { onHand: 20, reserved: 5, safetyStock: 2, free: 15, atp: 13 });
    const inTransit = async () => (await subgraph.connection.collection('stock_levels').findOne({ sku, locationId: 'loc_nyc02' }))?.['inTransit'];
    assert.equal(await inTransit(), 10);
    const again = await subgraph.request<{ transferStock: TransferResult }>(TRANSFER, { input }, principals.associate);
    assert.deepEqual(again.data?.transferStock, { ...shipped, replayed: true });
    assert.equal(errorCode(await subgraph.request(TRANSFER, { input: { ...input, quantity: 11 } }, principals.associate)), 'IDEMPOTENCY_KEY_REUSED');

    const transferId = shipped!.transfer!.id;
    const receive = (idempotencyKey: string) =>
      subgraph.request<{ receiveTransfer: TransferResult }>(RECEIVE, { transferId, idempotencyKey }, principals.associate);
    const received = (await receive('receive-1')).data?.receiveTransfer;
    assert.equal(received?.__typename, 'TransferReceived');
    assert.deepEqual(
      [received?.transfer?.status, received?.movement?.type, received?.movement?.quantityDelta, received?.replayed],
      ['RECEIVED', 'TRANSFER_IN', 10, false],
    );
    assert.equal(await inTransit(), 0);
    assert.deepEqual(await storedLevel(subgraph, sku, 'loc_nyc02'), { onHand: 11, reserved: 0, safetyStock: 0, free: 11, atp: 11 });
    assert.equal((await receive('receive-1')).data?.receiveTransfer.replayed, true);
    assert.deepEqual((await receive('receive-2')).data?.receiveTransfer, { __typename: 'TransferNotReceivable', transferId, status: 'RECEIVED' });
    assert.equal((await storedLevel(subgraph, sku, 'loc_nyc02')).onHand, 11);

    const availability = (locationId: string) =>
      watcher.of('inventory.availability-changed', (event) => event.data.sku === sku && event.data.locationId === locationId);
    await waitFor(() => availability('loc_wh_nj').length === 1 && availability('loc_nyc02').length === 1, 'availability at both ends');
    assert.deepEqual([availability('loc_wh_nj')[0]?.data.previousAvailableToSell, availability('loc_wh_nj')[0]?.data.availableToSell], [23, 13]);
    assert.deepEqual(
      [
        availability('loc_nyc02')[0]?.data.previousAvailableToSell,
        availability('loc_nyc02')[0]?.data.availableToSell,
        availability('loc_nyc02')[0]?.data.inTransit,
      ],
      [1, 11, 0],
    );
    await waitFor(
      () => watcher.of('inventory.stock-movement-recorded', (event) => event.data.transferId === transferId).length === 2,
      'TRANSFER_OUT and TRANSFER_IN recorded',
    );
  });

  test('a transfer of more than is free at the source is InsufficientStock, moves nothing, and needs stock:write', async () => {
    const sku = 'SKU-0027-02';
    await setLevel(subgraph, sku, 'loc_wh_nj', { onHand: 6, reserved: 4, safetyStock: 0 });
    const input = { sku, fromLocationId: 'loc_wh_nj', toLocationId: 'loc_bos01', quantity: 3, idempotencyKey: 'transfer-short' };
    assert.equal(errorCode(await subgraph.request(TRANSFER, { input }, principals.customer('cus_0001'))), 'FORBIDDEN');
    assert.equal(errorCode(await subgraph.request(TRANSFER, { input: { ...input, toLocationId: 'loc_wh_nj' } }, principals.associate)), 'BAD_USER_INPUT');
    assert.equal(errorCode(await subgraph.request(TRANSFER, { input: { ...input, toLocationId: 'loc_atlantis' } }, principals.associate)), 'NOT_FOUND');
    const short = await subgraph.request<{ transferStock: TransferResult }>(TRANSFER, { input }, principals.associate);
    assert.deepEqual(short.data?.transferStock, { __typename: 'InsufficientStock', sku, locationId: 'loc_wh_nj', requested: 3, available: 2 });
    assert.deepEqual(await storedLevel(subgraph, sku, 'loc_wh_nj'), { onHand: 6, reserved: 4, safetyStock: 0, free: 2, atp: 2 });
    assert.equal(errorCode(await subgraph.request(RECEIVE, { transferId: 'trf_missing', idempotencyKey: 'r' }, principals.associate)), 'NOT_FOUND');
  });
});
