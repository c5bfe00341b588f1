import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals, postGraphQL, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { inventorySubgraph } from '../src/module.js';
import { RECORD_MOVEMENT, errorCode, movementCount, record, setLevel, storedLevel, type MovementInput, type RecordedResult } from './inventory-fixtures.js';

let database: RunningDatabase;
let subgraph: TestSubgraph;
let keys = 0;
const key = (label: string) => `test-${label}-${++keys}`;

before(async () => {
  database = await startTestDatabase();
  subgraph = await startTestSubgraph(inventorySubgraph, { mongoUri: database.uri });
});
after(async () => {
  await subgraph?.close();
  await database?.stop();
});

describe('recording stock movements', () => {
  test('anonymous callers get UNAUTHENTICATED, customers and analysts FORBIDDEN, and nothing is written', async () => {
    const input: MovementInput = { sku: 'SKU-0002-01', locationId: 'loc_nyc01', type: 'RECEIPT', quantity: 5, idempotencyKey: key('role') };
    const before = { count: await movementCount(subgraph), level: await storedLevel(subgraph, input.sku, input.locationId) };
    assert.equal(errorCode(await record(subgraph, input, principals.anonymous)), 'UNAUTHENTICATED');
    assert.equal(errorCode(await record(subgraph, input, principals.customer('cus_0001'))), 'FORBIDDEN');
    assert.equal(errorCode(await record(subgraph, input, principals.analyst)), 'FORBIDDEN');
    assert.equal(await movementCount(subgraph), before.count);
    assert.deepEqual(await storedLevel(subgraph, input.sku, input.locationId), before.level);
    const byAdmin = await record(subgraph, { ...input, idempotencyKey: key('admin') }, principals.admin);
    assert.equal(byAdmin.data?.recordStockMovement.__typename, 'StockMovementRecorded');
  });

  test('an associate records a receipt: on hand, free and atp rise together and the movement carries the correlation id', async () => {
    const sku = 'SKU-0002-02';
    const before = await storedLevel(subgraph, sku, 'loc_wh_nj');
    const input: MovementInput = { sku, locationId: 'loc_wh_nj', type: 'RECEIPT', quantity: 12, idempotencyKey: key('receipt'), reason: 'PO 4711' };
    const response = await postGraphQL<{ recordStockMovement: RecordedResult }>(subgraph.url, RECORD_MOVEMENT, { input }, principals.associate, {
      'x-correlation-id': 'corr-receipt-1',
    });
    const result = response.data?.recordStockMovement;
    assert.equal(result?.__typename, 'StockMovementRecorded');
    assert.equal(result?.replayed, false);
    const { id, occurredAt, ...movement } = result!.movement!;
    assert.match(id, /^mov_/);
    assert.ok(Date.now() - Date.parse(occurredAt) < 60_000);
    assert.deepEqual(movement, {
      sku,
      type: 'RECEIPT',
      quantityDelta: 12,
      idempotencyKey: input.idempotencyKey,
      correlationId: 'corr-receipt-1',
      reason: 'PO 4711',
      recordedBy: 'associate-1',
      location: { id: 'loc_wh_nj' },
    });
    assert.equal(result?.level?.onHand, before.onHand + 12);
    assert.equal(result?.level?.available, Math.max(0, before.atp + 12));
    assert.deepEqual(await storedLevel(subgraph, sku, 'loc_wh_nj'), { ...before, onHand: before.onHand + 12, free: before.free + 12, atp: before.atp + 12 });
    const log = await subgraph.request<{ stockMovements: { edges: { node: { id: string } }[] } }>(
      '{ stockMovements(sku: "SKU-0002-02", locationId: "loc_wh_nj", first: 1) { edges { node { id } } } }',
      {},
      principals.associate,
    );
    assert.equal(log.data?.stockMovements.edges[0]?.node.id, result?.movement?.id);
  });

  test('an adjustment out may not take on hand below reserved: InsufficientStock, and nothing changes', async () => {
    const sku = 'SKU-0003-01';
    await setLevel(subgraph, sku, 'loc_bos01', { onHand: 10, reserved: 7, safetyStock: 1 });
    const response = await record(subgraph, { sku, locationId: 'loc_bos01', type: 'DAMAGE', quantity: 4, idempotencyKey: key('damage') }, principals.associate);
    assert.deepEqual(response.data?.recordStockMovement, { __typename: 'InsufficientStock', sku, locationId: 'loc_bos01', requested: 4, available: 3 });
    assert.deepEqual(await storedLevel(subgraph, sku, 'loc_bos01'), { onHand: 10, reserved: 7, safetyStock: 1, free: 3, atp: 2 });
    const fits = await record(
      subgraph,
      { sku, locationId: 'loc_bos01', type: 'ADJUSTMENT_OUT', quantity: 3, idempotencyKey: key('out') },
      principals.associate,
    );
    assert.equal(fits.data?.recordStockMovement.level?.onHand, 7);
    assert.equal(fits.data?.recordStockMovement.level?.available, 0);
  });

  test('a cycle count sets on hand to the count and records the variance, zero included', async () => {
    const sku = 'SKU-0003-02';
    await setLevel(subgraph, sku, 'loc_sfo01', { onHand: 9, reserved: 2, safetyStock: 1 });
    const count = await record(
      subgraph,
      { sku, locationId: 'loc_sfo01', type: 'CYCLE_COUNT', quantity: 4, idempotencyKey: key('count') },
      principals.associate,
    );
    assert.equal(count.data?.recordStockMovement.movement?.quantityDelta, -5);
    assert.deepEqual(await storedLevel(subgraph, sku, 'loc_sfo01'), { onHand: 4, reserved: 2, safetyStock: 1, free: 2, atp: 1 });
    const same = await record(subgraph, { sku, locationId: 'loc_sfo01', type: 'CYCLE_COUNT', quantity: 4, idempotencyKey: key('count') }, principals.associate);
    assert.equal(same.data?.recordStockMovement.movement?.quantityDelta, 0);
    const empty = await record(
      subgraph,
      { sku, locationId: 'loc_sfo01', type: 'CYCLE_COUNT', quantity: 0, idempotencyKey: key('count') },
      principals.associate,
    );
    assert.equal(empty.data?.recordStockMovement.movement?.quantityDelta, -4);
    assert.equal(empty.data?.recordStockMovement.level?.available, 0);
  });

  test('the same key and input replays the first result and changes nothing; a different input is IDEMPOTENCY_KEY_REUSED', async () => {
    const input: MovementInput = { sku: 'SKU-0004-01', locationId: 'loc_par01', type: 'ADJUSTMENT_IN', quantity: 2, idempotencyKey: key('replay') };
    const first = await record(subgraph, input, principals.associate);
    const count = await movementCount(subgraph);
    const level = await storedLevel(subgraph, input.sku, input.locationId);
    const again = await record(subgraph, input, principals.admin);
    assert.deepEqual(again.data?.recordStockMovement, { ...first.data?.recordStockMovement, replayed: true });
    for (const changed of [{ quantity: 3 }, { type: 'RECEIPT' as const }, { reason: 'other' }, { locationId: 'loc_ams01' }]) {
      assert.equal(errorCode(await record(subgraph, { ...input, ...changed }, principals.associate)), 'IDEMPOTENCY_KEY_REUSED');
    }
    assert.equal(await movementCount(subgraph), count);
    assert.deepEqual(await storedLevel(subgraph, input.sku, input.locationId), level);
  });

  test('a replayed InsufficientStock stays InsufficientStock after stock arrives', async () => {
    const sku = 'SKU-0004-02';
    await setLevel(subgraph, sku, 'loc_mad01', { onHand: 1, reserved: 0, safetyStock: 1 });
    const input: MovementInput = { sku, locationId: 'loc_mad01', type: 'ADJUSTMENT_OUT', quantity: 2, idempotencyKey: key('short') };
    assert.equal((await record(subgraph, input, principals.associate)).data?.recordStockMovement.__typename, 'InsufficientStock');
    await record(subgraph, { sku, locationId: 'loc_mad01', type: 'RECEIPT', quantity: 10, idempotencyKey: key('restock') }, principals.associate);
    const replay = await record(subgraph, input, principals.associate);
    assert.deepEqual(replay.data?.recordStockMovement, { __typename: 'InsufficientStock', sku, locationId: 'loc_mad01', requested: 2, available: 1 });
    assert.equal((await storedLevel(subgraph, sku, 'loc_mad01')).onHand, 11);
  });

  test('bad input is refused with its code and writes nothing', async () => {
    const valid: MovementInput = { sku: 'SKU-0005-01', locationId: 'loc_ber01', type: 'ADJUSTMENT_OUT', quantity: 1, idempotencyKey: key('bad') };
    const cases: [Partial<MovementInput>, string][] = [
      [{ quantity: 0 }, 'BAD_USER_INPUT'],
      [{ quantity: -3 }, 'BAD_USER_INPUT'],
      [{ type: 'RECEIPT', quantity: 1_000_001 }, 'BAD_USER_INPUT'],
      [{ type: 'CYCLE_COUNT', quantity: -1 }, 'BAD_USER_INPUT'],
      [{ sku: 'SKU-9999-99' }, 'NOT_FOUND'],
      [{ locationId: 'loc_atlantis' }, 'NOT_FOUND'],
      [{ idempotencyKey: 'k'.repeat(10_000) }, 'BAD_USER_INPUT'],
      [{ idempotencyKey: '' }, 'BAD_USER_INPUT'],
      [{ sku: '{"$gt": ""}' }, 'BAD_USER_INPUT'],
      [{ locationId: '$where' }, 'BAD_USER_INPUT'],
      [{ idempotencyKey: '{"$ne": null}' }, 'BAD_USER_INPUT'],
      [{ sku: 'levels.onHand' }, 'NOT_FOUND'],
      [{ reason: 'r'.repeat(501) }, 'BAD_USER_INPUT'],
    ];
    const count = await movementCount(subgraph);
    const level = await storedLevel(subgraph, valid.sku, valid.locationId);
    for (const [change, code] of cases) {
      const response = await record(subgraph, { ...valid, ...change }, principals.associate);
      assert.equal(errorCode(response), code, JSON.stringify(change).slice(0, 80));
    }
    const wrongType = await subgraph.request(RECORD_MOVEMENT, { input: { ...valid, quantity: 1.5 } }, principals.associate);
    assert.equal(errorCode(wrongType), 'BAD_USER_INPUT');
    assert.equal(await movementCount(subgraph), count);
    assert.deepEqual(await storedLevel(subgraph, valid.sku, valid.locationId), level);
  });
});

describe('stock movements under concurrency', () => {
  test('200 concurrent adjustments out of 1 against 50 free: exactly 50 recorded, 150 InsufficientStock, never below reserved', async () => {
    const sku = 'SKU-0010-01';
    await setLevel(subgraph, sku, 'loc_nyc02', { onHand: 60, reserved: 10, safetyStock: 1 });
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        record(subgraph, { sku, locationId: 'loc_nyc02', type: 'ADJUSTMENT_OUT', quantity: 1, idempotencyKey: `race-out-${i}` }, principals.associate),
      ),
    );
    assert.ok(responses.every((response) => response.errors === undefined));
    const results = responses.map((response) => response.data!.recordStockMovement);
    const recorded = results.filter((result) => result.__typename === 'StockMovementRecorded');
    assert.equal(recorded.length, 50);
    assert.equal(results.filter((result) => result.__typename === 'InsufficientStock').length, 150);
    // Every success saw its own remaining on hand: no unit was taken twice.
    assert.deepEqual(
      recorded.map((result) => result.level!.onHand).sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => 10 + i),
    );
    assert.ok(recorded.every((result) => result.level!.onHand - result.level!.reserved >= 0));
    assert.deepEqual(await storedLevel(subgraph, sku, 'loc_nyc02'), { onHand: 10, reserved: 10, safetyStock: 1, free: 0, atp: -1 });
    const movements = subgraph.connection.collection('stock_movements');
    assert.equal(await movements.countDocuments({ sku, locationId: 'loc_nyc02', status: 'APPLIED', type: 'ADJUSTMENT_OUT' }), 50);
    assert.equal(await movements.countDocuments({ sku, locationId: 'loc_nyc02', status: 'PENDING' }), 0);
  });

  test('50 concurrent requests with the same key apply one movement and all answer the same', async () => {
    const sku = 'SKU-0010-02';
    const before = await storedLevel(subgraph, sku, 'loc_lax01');
    const input: MovementInput = { sku, locationId: 'loc_lax01', type: 'RECEIPT', quantity: 3, idempotencyKey: key('same') };
    const responses = await Promise.all(Array.from({ length: 50 }, () => record(subgraph, input, principals.associate)));
    const results = responses.map((response) => response.data!.recordStockMovement);
    assert.equal(results.filter((result) => result.replayed === false).length, 1);
    const [first, ...rest] = results.map(({ replayed: _replayed, ...result }) => result);
    for (const result of rest) assert.deepEqual(result, first);
    assert.equal(await subgraph.connection.collection('stock_movements').countDocuments({ idempotencyKey: input.idempotencyKey }), 1);
    assert.equal((await storedLevel(subgraph, sku, 'loc_lax01')).onHand, before.onHand + 3);
  });

  test('concurrent receipts, adjustments and cycle counts: the movement log explains the final level exactly', async () => {
    const sku = 'SKU-0010-03';
    await setLevel(subgraph, sku, 'loc_sea01', { onHand: 20, reserved: 5, safetyStock: 1 });
    const startedAt = new Date();
    const inputs: MovementInput[] = Array.from({ length: 60 }, (_, i) => {
      const type = (['RECEIPT', 'ADJUSTMENT_OUT', 'DAMAGE', 'CYCLE_COUNT', 'ADJUSTMENT_IN'] as const)[i % 5]!;
      return { sku, locationId: 'loc_sea01', type, quantity: type === 'CYCLE_COUNT' ? 15 + (i % 7) : 1 + (i % 4), idempotencyKey: `mixed-${i}` };
    });
    const responses = await Promise.all(inputs.map((input) => record(subgraph, input, principals.associate)));
    assert.ok(
      responses.every((response) => response.errors === undefined),
      JSON.stringify(responses.find((response) => response.errors)?.errors),
    );
    const applied = await subgraph.connection
      .collection('stock_movements')
      .find({ sku, locationId: 'loc_sea01', status: 'APPLIED', occurredAt: { $gte: startedAt } })
      .toArray();
    const delta = applied.reduce((sum, movement) => sum + (movement['quantityDelta'] as number), 0);
    const level = await storedLevel(subgraph, sku, 'loc_sea01');
    assert.equal(level.onHand, 20 + delta);
    assert.equal(level.free, level.onHand - level.reserved);
    assert.equal(level.atp, level.free - level.safetyStock);
  });
});

describe('crash recovery', () => {
  test('a movement logged but never applied is applied once by the start-up sweep', async () => {
    const sku = 'SKU-0011-01';
    const before = await storedLevel(subgraph, sku, 'loc_den01');
    await subgraph.connection.collection('stock_movements').insertOne({
      _id: 'mov_crashed_before_apply' as never,
      idempotencyKey: 'crashed-before-apply',
      sku,
      locationId: 'loc_den01',
      type: 'RECEIPT',
      quantity: 6,
      quantityDelta: 0,
      status: 'PENDING',
      occurredAt: new Date(),
      correlationId: 'corr-crash',
    });
    for (let restart = 0; restart < 2; restart++) {
      const restarted = await startTestSubgraph(inventorySubgraph, { mongoUri: database.uri, dbName: subgraph.connection.name });
      await restarted.close();
    }
    const movement = await subgraph.connection.collection('stock_movements').findOne({ _id: 'mov_crashed_before_apply' as never });
    assert.equal(movement?.['status'], 'APPLIED');
    assert.equal(movement?.['quantityDelta'], 6);
    assert.equal((await storedLevel(subgraph, sku, 'loc_den01')).onHand, before.onHand + 6);
  });

  test('a movement applied but not marked final is finished by a retry without being applied twice', async () => {
    const input: MovementInput = { sku: 'SKU-0011-02', locationId: 'loc_den01', type: 'ADJUSTMENT_OUT', quantity: 2, idempotencyKey: key('crash-after') };
    const first = await record(subgraph, input, principals.associate);
    const level = await storedLevel(subgraph, input.sku, input.locationId);
    await subgraph.connection.collection('stock_movements').updateOne({ idempotencyKey: input.idempotencyKey }, { $set: { status: 'PENDING' } });
    const retry = await record(subgraph, input, principals.associate);
    assert.deepEqual(retry.data?.recordStockMovement.movement, first.data?.recordStockMovement.movement);
    assert.equal(retry.data?.recordStockMovement.replayed, true);
    assert.deepEqual(await storedLevel(subgraph, input.sku, input.locationId), level);
  });
});
