import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEnvelope, type EnvelopeOf } from '@mesh/events';
import { retailDataset } from '@mesh/seed-data';
import type { TestSubgraph } from '@mesh/test-kit';
import type { InventoryModels } from '../src/module.js';
import { ORDER_EVENTS_CONSUMER } from '../src/events/order-events.consumer.js';
import { recordReturnMovements, returnMovementKey } from '../src/services/record-return.service.js';
import { untilAllReceived, untilOrderEventsHandled, waitFor, type EventWatcher, startInventoryEventBed, type InventoryEventBed } from './event-fixtures.js';
import { setLevel, storedLevel } from './inventory-fixtures.js';

let bed: InventoryEventBed;
let subgraph: TestSubgraph;
let models: InventoryModels;
let watcher: EventWatcher;

const STORE = 'loc_nyc01';
// SKUs with a level at the store in the seed data; each test uses its own.
const skus = retailDataset()
  .stockLevels.filter((level) => level.locationId === STORE)
  .map((level) => level.sku);
const sku = (index: number): string => skus[index]!;

before(async () => {
  bed = await startInventoryEventBed({ relayIntervalMs: 50 });
  ({ subgraph, models, watcher } = bed);
});
after(() => bed?.close());

const usd = (minorUnits: number) => ({ minorUnits, currency: 'USD' as const });

function returnReceived(
  returnId: string,
  lines: { sku: string; quantity: number; disposition: 'SELLABLE' | 'DAMAGED' }[],
  id?: string,
): EnvelopeOf<'order.return-received'> {
  return createEnvelope(
    'order.return-received',
    {
      orderId: `ord_${returnId}`,
      channel: 'WEB',
      locationId: 'loc_wh_nj',
      returnId,
      receivedAtLocationId: STORE,
      lines: lines.map((line) => ({ ...line, refund: usd(1000 * line.quantity), unitCostMinor: 400 })),
    },
    { correlationId: `corr-${returnId}`, idempotencyKey: `order:ord_${returnId}:return:${returnId}:received`, ...(id ? { id } : {}) },
  );
}

/** True once the order-events consumer has finished the event (its processed-event record is DONE). */
const processed = async (envelope: EnvelopeOf<'order.return-received'>) =>
  (await models.processedEvents.findById(`${ORDER_EVENTS_CONSUMER}|${envelope.type}:${envelope.idempotencyKey}`).lean())?.state === 'DONE';

describe('returned goods', () => {
  test('a received return puts its SELLABLE units back on hand at the store it was brought to, with the movement and availability events', async () => {
    const [sellable, damaged] = [sku(0), sku(1)];
    await setLevel(subgraph, sellable, STORE, { onHand: 5, reserved: 1, safetyStock: 1 });
    await setLevel(subgraph, damaged, STORE, { onHand: 4, reserved: 0, safetyStock: 0 });
    const event = returnReceived('ret_one', [
      { sku: sellable, quantity: 2, disposition: 'SELLABLE' },
      { sku: damaged, quantity: 1, disposition: 'DAMAGED' },
    ]);
    await watcher.bus.publish(event);
    await waitFor(() => processed(event), 'the return to be processed');

    assert.deepEqual(await storedLevel(subgraph, sellable, STORE), { onHand: 7, reserved: 1, safetyStock: 1, free: 6, atp: 5 });
    assert.deepEqual(await storedLevel(subgraph, damaged, STORE), { onHand: 4, reserved: 0, safetyStock: 0, free: 4, atp: 4 });
    const movements = await models.movements.find({ orderId: 'ord_ret_one' }).lean();
    assert.deepEqual(
      movements.map((movement) => [
        movement.type,
        movement.sku,
        movement.locationId,
        movement.quantityDelta,
        movement.status,
        movement.idempotencyKey,
        movement.correlationId,
      ]),
      [['RETURN', sellable, STORE, 2, 'APPLIED', returnMovementKey('ret_one', sellable), 'corr-ret_one']],
    );

    const recorded = () => watcher.of('inventory.stock-movement-recorded', (envelope) => envelope.data.movementId === movements[0]!._id);
    const availability = (skuId: string) =>
      watcher.of('inventory.availability-changed', (envelope) => envelope.data.sku === skuId && envelope.data.locationId === STORE);
    await waitFor(() => recorded().length === 1 && availability(sellable).length === 1, 'the movement and availability events');
    assert.deepEqual(
      [recorded()[0]?.data.movementType, recorded()[0]?.data.quantityDelta, recorded()[0]?.data.onHandAfter, recorded()[0]?.correlationId],
      ['RETURN', 2, 7, 'corr-ret_one'],
    );
    assert.deepEqual([availability(sellable)[0]?.data.previousAvailableToSell, availability(sellable)[0]?.data.availableToSell], [3, 5]);
    await untilAllReceived(watcher, subgraph.connection);
    assert.equal(availability(damaged).length, 0);
    assert.equal(watcher.of('inventory.stock-movement-recorded', (envelope) => envelope.data.sku === damaged).length, 0);
  });

  test('a redelivered or re-published return, or a handler re-run after a crash, records nothing more', async () => {
    const skuId = sku(2);
    await setLevel(subgraph, skuId, STORE, { onHand: 10, reserved: 0, safetyStock: 0 });
    const event = returnReceived('ret_twice', [{ sku: skuId, quantity: 3, disposition: 'SELLABLE' }]);
    await watcher.bus.publish(event);
    await watcher.bus.publish(returnReceived('ret_twice', [{ sku: skuId, quantity: 3, disposition: 'SELLABLE' }], event.id));
    await watcher.bus.publish(returnReceived('ret_twice', [{ sku: skuId, quantity: 3, disposition: 'SELLABLE' }]));
    await waitFor(() => processed(event), 'the return to be processed');
    // The handler itself, run again as after a crash before its event was marked done: the movement key holds.
    const rerun = await recordReturnMovements(models, event);
    assert.equal(rerun.length, 1);
    // The re-published copy handled too (after the first: one order's events go in order), and all
    // that was recorded received.
    await untilOrderEventsHandled(watcher, subgraph.connection, 'ord_ret_twice');
    await untilAllReceived(watcher, subgraph.connection);
    assert.equal((await storedLevel(subgraph, skuId, STORE)).onHand, 13);
    const movements = await models.movements.find({ orderId: 'ord_ret_twice' }).lean();
    assert.equal(movements.length, 1);
    assert.equal(rerun[0]?._id, movements[0]?._id);
    assert.equal(watcher.of('inventory.stock-movement-recorded', (envelope) => envelope.data.movementId === movements[0]!._id).length, 1);
  });

  test('a return of DAMAGED goods only adds nothing to stock and records no movement', async () => {
    const skuId = sku(3);
    await setLevel(subgraph, skuId, STORE, { onHand: 2, reserved: 0, safetyStock: 0 });
    const event = returnReceived('ret_damaged', [{ sku: skuId, quantity: 2, disposition: 'DAMAGED' }]);
    await watcher.bus.publish(event);
    await waitFor(() => processed(event), 'the return to be processed');
    assert.deepEqual(await storedLevel(subgraph, skuId, STORE), { onHand: 2, reserved: 0, safetyStock: 0, free: 2, atp: 2 });
    assert.equal(await models.movements.countDocuments({ orderId: 'ord_ret_damaged' }), 0);
  });
});
