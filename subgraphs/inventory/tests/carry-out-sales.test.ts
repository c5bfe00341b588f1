import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEnvelope, type FulfilledGoods } from '@mesh/events';
import { principals, type TestSubgraph } from '@mesh/test-kit';
import type { InventoryModels } from '../src/module.js';
import { carryOutSaleKey, recordCarryOutSale } from '../src/services/record-carry-out-sale.service.js';
import { untilAllReceived, untilOrderEventsHandled, waitFor, type EventWatcher, startInventoryEventBed, type InventoryEventBed } from './event-fixtures.js';
import { errorCode, record, setLevel, storedLevel } from './inventory-fixtures.js';

let bed: InventoryEventBed;
let subgraph: TestSubgraph;
let models: InventoryModels;
let watcher: EventWatcher;
const STORE = 'loc_den01';
const silent = { warn: () => undefined, info: () => undefined, error: () => undefined, debug: () => undefined } as never;

before(async () => {
  bed = await startInventoryEventBed({ relayIntervalMs: 50 });
  ({ subgraph, models, watcher } = bed);
});
after(() => bed?.close());

const money = (minorUnits: number) => ({ minorUnits, currency: 'USD' as const });

/** The two events a synced till sale carries for inventory, as the order domain publishes them. */
function tillSale(orderId: string, lines: { sku: string; quantity: number }[]) {
  const correlationId = `corr-${orderId}`;
  const placed = createEnvelope(
    'order.order-placed',
    {
      orderId,
      orderNumber: `P-${orderId}`,
      channel: 'POS',
      locationId: STORE,
      fulfillment: { type: 'CARRY_OUT', locationId: STORE },
      lines: lines.map((line, index) => ({
        lineNumber: index + 1,
        sku: line.sku,
        quantity: line.quantity,
        unitPrice: money(100),
        tax: money(8 * line.quantity),
        lineTotal: money(108 * line.quantity),
      })),
      subtotal: money(100),
      tax: money(8),
      total: money(108),
      status: 'COMPLETED',
    },
    { correlationId, idempotencyKey: `order:${orderId}:placed` },
  );
  const fulfillment: FulfilledGoods = {
    type: 'CARRY_OUT',
    channel: 'POS',
    locationId: STORE,
    currency: 'USD',
    lines: lines.map((line) => ({ ...line, unitCostMinor: 40 })),
  };
  const completed = createEnvelope(
    'order.order-status-changed',
    { orderId, from: 'PLACED', to: 'COMPLETED', fulfillment },
    { correlationId, idempotencyKey: `order:${orderId}:status:COMPLETED` },
  );
  return { placed, completed };
}

describe('carry-out sales at the till', () => {
  test('a synced till sale reserves nothing and leaves stock as one SALE movement per SKU, once however often it is delivered', async () => {
    await setLevel(subgraph, 'SKU-0040-01', STORE, { onHand: 10, reserved: 2, safetyStock: 1 });
    await setLevel(subgraph, 'SKU-0040-02', STORE, { onHand: 6, reserved: 0, safetyStock: 0 });
    // The till rang SKU-0040-01 on two lines: one movement of 3 for it.
    const { placed, completed } = tillSale('ord_till_1', [
      { sku: 'SKU-0040-01', quantity: 1 },
      { sku: 'SKU-0040-02', quantity: 4 },
      { sku: 'SKU-0040-01', quantity: 2 },
    ]);
    // Out of order, redelivered under the same id, and re-published under a new id with the same key.
    await watcher.bus.publish(completed);
    await watcher.bus.publish(placed);
    await watcher.bus.publish(completed);
    await watcher.bus.publish(
      createEnvelope('order.order-status-changed', completed.data, { correlationId: completed.correlationId, idempotencyKey: completed.idempotencyKey }),
    );
    await watcher.bus.publish(
      createEnvelope('order.order-status-changed', completed.data, { correlationId: completed.correlationId, idempotencyKey: 'another-key' }),
    );
    const recorded = () => watcher.of('inventory.stock-movement-recorded', (event) => event.data.orderId === 'ord_till_1');
    await waitFor(() => recorded().length >= 2, 'two SALE movements on the bus');
    // Every delivery handled (the consumer takes one order's events in order), then everything they
    // recorded received: the availability changes too, and any movement recorded twice.
    await untilOrderEventsHandled(watcher, subgraph.connection, 'ord_till_1');
    await untilAllReceived(watcher, subgraph.connection);

    assert.equal(await models.reservations.countDocuments({ orderId: 'ord_till_1' }), 0);
    const sales = await models.movements.find({ orderId: 'ord_till_1' }).sort({ sku: 1 }).lean();
    assert.deepEqual(
      sales.map((sale) => [sale.idempotencyKey, sale.type, sale.status, sale.quantity, sale.quantityDelta, sale.reason ?? null, sale.correlationId]),
      [
        [carryOutSaleKey('ord_till_1', 'SKU-0040-01'), 'SALE', 'APPLIED', 3, -3, null, 'corr-ord_till_1'],
        [carryOutSaleKey('ord_till_1', 'SKU-0040-02'), 'SALE', 'APPLIED', 4, -4, null, 'corr-ord_till_1'],
      ],
    );
    assert.deepEqual(
      sales.map((sale) => sale.occurredAt.toISOString()),
      [completed.occurredAt, completed.occurredAt],
    );
    assert.deepEqual(await storedLevel(subgraph, 'SKU-0040-01', STORE), { onHand: 7, reserved: 2, safetyStock: 1, free: 5, atp: 4 });
    assert.deepEqual(await storedLevel(subgraph, 'SKU-0040-02', STORE), { onHand: 2, reserved: 0, safetyStock: 0, free: 2, atp: 2 });

    assert.deepEqual(
      recorded()
        .map((event) => [event.data.movementType, event.data.sku, event.data.quantityDelta, event.data.onHandAfter])
        .sort(),
      [
        ['SALE', 'SKU-0040-01', -3, 7],
        ['SALE', 'SKU-0040-02', -4, 2],
      ],
    );
    assert.ok(recorded().every((event) => event.correlationId === 'corr-ord_till_1'));
    const availability = watcher.of('inventory.availability-changed', (event) => event.data.locationId === STORE && event.data.sku.startsWith('SKU-0040-0'));
    assert.deepEqual(availability.map((event) => [event.data.sku, event.data.previousAvailableToSell, event.data.availableToSell]).sort(), [
      ['SKU-0040-01', 7, 4],
      ['SKU-0040-02', 6, 2],
    ]);
  });

  test('selling beyond recorded on hand takes it to zero, never below, and notes the shortfall on the movement', async () => {
    await setLevel(subgraph, 'SKU-0041-01', STORE, { onHand: 2, reserved: 0, safetyStock: 1 });
    const warnings: unknown[] = [];
    const logger = { ...(silent as object), warn: (fields: unknown) => warnings.push(fields) } as never;
    const [sale] = await recordCarryOutSale(
      models,
      { correlationId: 'corr-beyond' },
      { orderId: 'ord_till_beyond', locationId: STORE, lines: [{ sku: 'SKU-0041-01', quantity: 5 }], occurredAt: new Date() },
      logger,
    );
    assert.equal(sale?.status, 'APPLIED');
    assert.equal(sale?.quantity, 5);
    assert.equal(sale?.quantityDelta, -2);
    assert.equal(sale?.reason, 'sold beyond recorded stock: 3 units');
    assert.equal(warnings.length, 1);
    assert.deepEqual(await storedLevel(subgraph, 'SKU-0041-01', STORE), { onHand: 0, reserved: 0, safetyStock: 1, free: 0, atp: -1 });
    await waitFor(
      () => watcher.of('inventory.stock-movement-recorded', (event) => event.data.movementId === sale!._id).length === 1,
      'the movement on the bus',
    );
    const [event] = watcher.of('inventory.stock-movement-recorded', (candidate) => candidate.data.movementId === sale!._id);
    assert.deepEqual(
      [event?.data.quantity, event?.data.quantityDelta, event?.data.onHandAfter, event?.data.reason],
      [5, -2, 0, 'sold beyond recorded stock: 3 units'],
    );
    await waitFor(
      () => watcher.of('inventory.availability-changed', (change) => change.data.sku === 'SKU-0041-01' && change.data.locationId === STORE).length === 1,
      'availability on the bus',
    );
    assert.equal(
      watcher.of('inventory.availability-changed', (change) => change.data.sku === 'SKU-0041-01' && change.data.locationId === STORE)[0]?.data.availableToSell,
      0,
    );
  });

  test('a till sale never takes units held for customers: only free stock drops, so a later pickup still commits and on hand stays above zero', async () => {
    await setLevel(subgraph, 'SKU-0043-01', STORE, { onHand: 5, reserved: 4, safetyStock: 0 });
    const [sale] = await recordCarryOutSale(
      models,
      { correlationId: 'corr-held' },
      { orderId: 'ord_till_held', locationId: STORE, lines: [{ sku: 'SKU-0043-01', quantity: 3 }], occurredAt: new Date() },
      silent,
    );
    assert.equal(sale?.quantityDelta, -1);
    assert.equal(sale?.reason, 'sold beyond recorded stock: 2 units');
    assert.deepEqual(await storedLevel(subgraph, 'SKU-0043-01', STORE), { onHand: 4, reserved: 4, safetyStock: 0, free: 0, atp: 0 });
  });

  test('five concurrent recordings of the same sale decrement once', async () => {
    await setLevel(subgraph, 'SKU-0042-01', STORE, { onHand: 20, reserved: 0, safetyStock: 0 });
    const input = { orderId: 'ord_till_race', locationId: STORE, lines: [{ sku: 'SKU-0042-01', quantity: 3 }], occurredAt: new Date() };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => recordCarryOutSale(models, { correlationId: 'corr-race' }, input, silent)));
    assert.equal(new Set(outcomes.map((movements) => movements[0]?._id)).size, 1);
    assert.equal(await models.movements.countDocuments({ orderId: 'ord_till_race' }), 1);
    assert.equal((await storedLevel(subgraph, 'SKU-0042-01', STORE)).onHand, 17);
  });

  test('a sale at a location inventory does not know is refused, so the event is retried and then dead-lettered', async () => {
    await assert.rejects(
      recordCarryOutSale(
        models,
        { correlationId: 'corr-nowhere' },
        { orderId: 'ord_till_nowhere', locationId: 'loc_nowhere', lines: [{ sku: 'SKU-0042-01', quantity: 1 }], occurredAt: new Date() },
        silent,
      ),
      /unknown location loc_nowhere/,
    );
    assert.equal(await models.movements.countDocuments({ orderId: 'ord_till_nowhere' }), 0);
  });
});

const STOCK_EXCEPTIONS = `query ($locationId: ID, $first: Int) {
  stockExceptions(locationId: $locationId, first: $first) {
    unitsBeyondStock
    movement { sku type reason orderId location { id } }
    countedBy { type quantityDelta }
  }
}`;

interface StockExceptionJson {
  unitsBeyondStock: number;
  movement: { sku: string; type: string; reason: string | null; orderId: string | null; location: { id: string } };
  countedBy: { type: string; quantityDelta: number } | null;
}

describe('stock exceptions', () => {
  test('the till sales that sold beyond recorded stock are listed newest first, each until a cycle count of its SKU there settles it', async () => {
    await setLevel(subgraph, 'SKU-0044-01', STORE, { onHand: 1, reserved: 0, safetyStock: 0 });
    await recordCarryOutSale(
      models,
      { correlationId: 'corr-exception' },
      { orderId: 'ord_till_exception', locationId: STORE, lines: [{ sku: 'SKU-0044-01', quantity: 3 }], occurredAt: new Date() },
      silent,
    );
    const list = async () =>
      (await subgraph.request<{ stockExceptions: StockExceptionJson[] }>(STOCK_EXCEPTIONS, { locationId: STORE }, principals.analyst)).data!.stockExceptions;

    // The sales of the tests above that went beyond stock, and only those (ord_till_1 stayed within it).
    const flaggedResponse = await subgraph.request<{ stockExceptions: StockExceptionJson[] }>(STOCK_EXCEPTIONS, { locationId: STORE }, principals.analyst);
    assert.equal(flaggedResponse.errors, undefined, JSON.stringify(flaggedResponse.errors));
    const flagged = await list();
    assert.deepEqual(
      flagged.map((exception) => [exception.movement.orderId, exception.movement.sku, exception.unitsBeyondStock, exception.countedBy]),
      [
        ['ord_till_exception', 'SKU-0044-01', 2, null],
        ['ord_till_held', 'SKU-0043-01', 2, null],
        ['ord_till_beyond', 'SKU-0041-01', 3, null],
      ],
    );
    assert.deepEqual(flagged[0]?.movement, {
      sku: 'SKU-0044-01',
      type: 'SALE',
      reason: 'sold beyond recorded stock: 2 units',
      orderId: 'ord_till_exception',
      location: { id: STORE },
    });

    // The store counts SKU-0041-01: that exception is settled, the others still wait.
    const counted = await record(
      subgraph,
      { sku: 'SKU-0041-01', locationId: STORE, type: 'CYCLE_COUNT', quantity: 4, idempotencyKey: 'count-0041-01' },
      principals.admin,
    );
    assert.equal(counted.data?.recordStockMovement.__typename, 'StockMovementRecorded', JSON.stringify(counted));
    assert.deepEqual(
      (await list()).map((exception) => [exception.movement.sku, exception.countedBy]),
      [
        ['SKU-0044-01', null],
        ['SKU-0043-01', null],
        ['SKU-0041-01', { type: 'CYCLE_COUNT', quantityDelta: 4 }],
      ],
    );
    const firstOnly = await subgraph.request<{ stockExceptions: StockExceptionJson[] }>(STOCK_EXCEPTIONS, { first: 1 }, principals.admin);
    assert.deepEqual(
      firstOnly.data?.stockExceptions.map((exception) => exception.movement.sku),
      ['SKU-0044-01'],
    );
    assert.deepEqual(
      (await subgraph.request<{ stockExceptions: StockExceptionJson[] }>(STOCK_EXCEPTIONS, { locationId: 'loc_nyc01' }, principals.analyst)).data
        ?.stockExceptions,
      [],
    );
  });

  test('reading stock exceptions needs stock:read-movements, and a bad page size or location id is refused', async () => {
    assert.equal(errorCode(await subgraph.request(STOCK_EXCEPTIONS, {}, principals.customer('cus_00001'))), 'FORBIDDEN');
    assert.equal(errorCode(await subgraph.request(STOCK_EXCEPTIONS, {}, principals.anonymous)), 'UNAUTHENTICATED');
    assert.equal(errorCode(await subgraph.request(STOCK_EXCEPTIONS, { first: 0 }, principals.admin)), 'BAD_USER_INPUT');
    assert.equal(errorCode(await subgraph.request(STOCK_EXCEPTIONS, { locationId: '' }, principals.admin)), 'BAD_USER_INPUT');
  });
});
