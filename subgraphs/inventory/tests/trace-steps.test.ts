import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventLogModel, createProcessedEventModel } from '@mesh/events';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { createInventoryModels, createInventorySubgraph } from '../src/module.js';

const STEPS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Trace { correlationId inventorySteps { at domain kind summary reference } } } }`;
const trace = (correlationId: string) => ({ r: [{ __typename: 'Trace', correlationId }] });

describe("inventory's steps of a trace", () => {
  let database: RunningDatabase;
  let subgraph: TestSubgraph;

  before(async () => {
    database = await startTestDatabase();
    subgraph = await startTestSubgraph(createInventorySubgraph({ relayIntervalMs: 600_000 }), { mongoUri: database.uri, seed: false });
    const models = createInventoryModels(subgraph.connection);
    await models.movements.create({
      _id: 'mov_trace_1',
      idempotencyKey: 'sale:trace:1',
      sku: 'SKU-0001-03',
      locationId: 'loc_wh_nj',
      type: 'SALE',
      quantity: 2,
      quantityDelta: -2,
      status: 'APPLIED',
      occurredAt: new Date('2026-01-01T10:00:03.000Z'),
      correlationId: 'corr-inv-1',
      orderId: 'ord_1',
    });
    await models.movements.create({
      _id: 'mov_other',
      idempotencyKey: 'sale:other',
      sku: 'SKU-0001-03',
      locationId: 'loc_wh_nj',
      type: 'SALE',
      quantity: 1,
      quantityDelta: -1,
      status: 'APPLIED',
      occurredAt: new Date('2026-01-01T10:00:02.000Z'),
      correlationId: 'corr-other',
    });
    await createEventLogModel(subgraph.connection).create({
      _id: 'evt_committed',
      type: 'inventory.reservation-committed',
      source: 'inventory',
      correlationId: 'corr-inv-1',
      causationId: 'evt_shipped',
      idempotencyKey: 'reservation:res_1:committed',
      occurredAt: new Date('2026-01-01T10:00:03.000Z'),
      publishedAt: new Date('2026-01-01T10:00:04.000Z'),
      expiresAt: new Date('2099-01-01'),
    });
    await createProcessedEventModel(subgraph.connection).create({
      _id: 'inventory-order-events|order.order-status-changed:k',
      consumer: 'inventory-order-events',
      state: 'DONE',
      token: 't',
      leaseUntil: new Date(),
      completedAt: new Date('2026-01-01T10:00:02.500Z'),
      eventId: 'evt_shipped',
      type: 'order.order-status-changed',
      correlationId: 'corr-inv-1',
    });
  });
  after(async () => {
    await subgraph?.close();
    await database?.stop();
  });

  test('the consumer log, the movements and the published events of the correlation id are its steps, oldest first', async () => {
    const response = await subgraph.request<{
      _entities: { inventorySteps: { at: string; domain: string; kind: string; summary: string; reference: string }[] }[];
    }>(STEPS, trace('corr-inv-1'), principals.analyst);
    assert.deepEqual(
      response.data?._entities[0]?.inventorySteps.map((step) => [step.at, step.domain, step.kind, step.reference]),
      [
        ['2026-01-01T10:00:02.500Z', 'INVENTORY', 'event handled order.order-status-changed', 'evt_shipped'],
        ['2026-01-01T10:00:03.000Z', 'INVENTORY', 'stock movement SALE', 'mov_trace_1'],
        ['2026-01-01T10:00:04.000Z', 'INVENTORY', 'event published inventory.reservation-committed', 'evt_committed'],
      ],
    );
    assert.match(response.data!._entities[0]!.inventorySteps[1]!.summary, /SALE -2 of SKU-0001-03 at loc_wh_nj/);
  });

  test('the steps need events:read', async () => {
    const code = async (principal: Parameters<TestSubgraph['request']>[2]) =>
      (await subgraph.request(STEPS, trace('corr-inv-1'), principal)).errors?.[0]?.extensions?.['code'];
    assert.equal(await code(principals.associate), 'FORBIDDEN');
    assert.equal(await code(principals.anonymous), 'UNAUTHENTICATED');
    assert.equal(
      (await subgraph.request<{ _entities: { inventorySteps: unknown[] }[] }>(STEPS, trace('corr-unknown'), principals.admin)).data?._entities[0]
        ?.inventorySteps.length,
      0,
    );
  });
});
