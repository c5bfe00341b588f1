import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventLogModel, createProcessedEventModel } from '@mesh/events';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { createOrderModels } from '../src/models/index.js';
import { createOrderSubgraph } from '../src/module.js';

const STEPS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Trace { correlationId orderSteps { at domain kind summary reference } } } }`;
const trace = (correlationId: string) => ({ r: [{ __typename: 'Trace', correlationId }] });
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, seconds));

describe("the order domain's steps of a trace", () => {
  let database: RunningDatabase;
  let subgraph: TestSubgraph;

  before(async () => {
    database = await startTestDatabase();
    subgraph = await startTestSubgraph(createOrderSubgraph({ relayIntervalMs: 600_000, kpiIntervalMs: 600_000 }), { mongoUri: database.uri, seed: false });
    const models = createOrderModels(subgraph.connection);
    await models.orders.collection.insertOne({
      _id: 'ord_trace_1' as never,
      number: 'W-TRACE-1',
      idempotencyKey: 'place:trace:1',
      correlationId: 'corr-ord-1',
      channel: 'WEB',
      status: 'SHIPPED',
      customerId: 'cus_00001',
      currency: 'USD',
      fulfillment: { type: 'SHIP', locationId: 'loc_wh_nj' },
      lines: [{ lineNumber: 1, sku: 'SKU-0001-03', quantity: 1, unitPriceMinor: 100, taxMinor: 8, lineTotalMinor: 108 }],
      totals: { subtotalMinor: 100, taxMinor: 8, totalMinor: 108 },
      payment: { authorizedMinor: 108, capturedMinor: 108, refundedMinor: 0 },
      placedAt: at(0),
      statusHistory: [
        { status: 'PLACED', at: at(0) },
        { status: 'CONFIRMED', at: at(2) },
        { status: 'SHIPPED', at: at(5) },
      ],
    });
    await createEventLogModel(subgraph.connection).create({
      _id: 'evt_placed',
      type: 'order.order-placed',
      source: 'order',
      correlationId: 'corr-ord-1',
      idempotencyKey: 'order:ord_trace_1:placed',
      occurredAt: at(0),
      publishedAt: at(1),
      expiresAt: new Date('2099-01-01'),
    });
    await createProcessedEventModel(subgraph.connection).create({
      _id: 'order-stock-decisions|inventory.stock-reserved:k',
      consumer: 'order-stock-decisions',
      state: 'DONE',
      token: 't',
      leaseUntil: new Date(),
      completedAt: at(2),
      eventId: 'evt_reserved',
      type: 'inventory.stock-reserved',
      correlationId: 'corr-ord-1',
    });
  });
  after(async () => {
    await subgraph?.close();
    await database?.stop();
  });

  test("the order's status history, the events it published and the events it handled are its steps, oldest first", async () => {
    const response = await subgraph.request<{
      _entities: { orderSteps: { at: string; domain: string; kind: string; summary: string; reference: string }[] }[];
    }>(STEPS, trace('corr-ord-1'), principals.analyst);
    assert.deepEqual(
      response.data?._entities[0]?.orderSteps.map((step) => [step.at.slice(17), step.domain, step.kind, step.reference]),
      [
        ['00.000Z', 'ORDER', 'order status PLACED', 'ord_trace_1'],
        ['01.000Z', 'ORDER', 'event published order.order-placed', 'evt_placed'],
        ['02.000Z', 'ORDER', 'event handled inventory.stock-reserved', 'evt_reserved'],
        ['02.000Z', 'ORDER', 'order status CONFIRMED', 'ord_trace_1'],
        ['05.000Z', 'ORDER', 'order status SHIPPED', 'ord_trace_1'],
      ],
    );
    assert.equal(response.data!._entities[0]!.orderSteps[0]!.summary, 'WEB order W-TRACE-1 became PLACED');
  });

  test('the steps need events:read', async () => {
    const code = async (principal: Parameters<TestSubgraph['request']>[2]) =>
      (await subgraph.request(STEPS, trace('corr-ord-1'), principal)).errors?.[0]?.extensions?.['code'];
    assert.equal(await code(principals.associate), 'FORBIDDEN');
    assert.equal(await code(principals.customer('cus_00001')), 'FORBIDDEN');
    assert.equal(await code(principals.anonymous), 'UNAUTHENTICATED');
  });
});
