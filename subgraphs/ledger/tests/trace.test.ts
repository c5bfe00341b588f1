import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createProcessedEventModel } from '@mesh/events';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { mergeTraceSteps, type TraceStepInput } from '../src/services/trace.service.js';
import { ledgerSubgraph } from '../src/module.js';
import { firstCode } from './ledger-test-helpers.js';

const step = (at: string, domain: TraceStepInput['domain'], kind: string, reference: string | null = null, summary = kind): TraceStepInput => ({
  at,
  domain,
  kind,
  summary,
  reference,
});

describe("merging the domains' trace steps", () => {
  test('steps from every domain come out in time order, whatever order the lists arrive in', () => {
    const inventory = [step('2026-01-01T10:00:02.000Z', 'INVENTORY', 'stock movement SALE', 'mov_1')];
    const order = [
      step('2026-01-01T10:00:00.000Z', 'ORDER', 'order status PLACED', 'ord_1'),
      step('2026-01-01T10:00:03.000Z', 'ORDER', 'order status SHIPPED', 'ord_1'),
    ];
    const ledger = [step('2026-01-01T10:00:04.000Z', 'LEDGER', 'journal entry posted', 'je_1')];
    const merged = mergeTraceSteps([inventory, order, null, ledger]);
    assert.deepEqual(
      merged.map((entry) => entry.reference),
      ['ord_1', 'mov_1', 'ord_1', 'je_1'],
    );
    assert.ok(merged.every((entry) => entry.at instanceof Date));
    assert.deepEqual(mergeTraceSteps([ledger, order, inventory]), merged);
  });

  test('steps at the same instant are ordered by domain, then kind, reference and summary, deterministically', () => {
    const at = '2026-01-01T10:00:00.000Z';
    const steps = [
      step(at, 'LEDGER', 'journal entry posted', 'je_1'),
      step(at, 'ORDER', 'order status CONFIRMED', 'ord_1'),
      step(at, 'INVENTORY', 'reservation HELD', 'res_1'),
      step(at, 'ORDER', 'event published order.order-confirmed', 'evt_2'),
      step(at, 'ORDER', 'event published order.order-confirmed', 'evt_1', 'b'),
      step(at, 'ORDER', 'event published order.order-confirmed', 'evt_1', 'a'),
    ];
    const expected = [
      ['INVENTORY', 'reservation HELD', 'res_1', 'reservation HELD'],
      ['ORDER', 'event published order.order-confirmed', 'evt_1', 'a'],
      ['ORDER', 'event published order.order-confirmed', 'evt_1', 'b'],
      ['ORDER', 'event published order.order-confirmed', 'evt_2', 'event published order.order-confirmed'],
      ['ORDER', 'order status CONFIRMED', 'ord_1', 'order status CONFIRMED'],
      ['LEDGER', 'journal entry posted', 'je_1', 'journal entry posted'],
    ];
    for (const input of [steps, [...steps].reverse(), [steps[3]!, steps[0]!, steps[5]!, steps[1]!, steps[4]!, steps[2]!]]) {
      assert.deepEqual(
        mergeTraceSteps([input]).map((entry) => [entry.domain, entry.kind, entry.reference, entry.summary]),
        expected,
      );
    }
  });

  test('a step whose time is not a date is refused as bad input', () => {
    assert.throws(
      () => mergeTraceSteps([[step('yesterday', 'ORDER', 'x')]]),
      (error: { extensions?: { code?: string } }) => error.extensions?.code === 'BAD_USER_INPUT',
    );
  });
});

describe('the ledger as the trace root', () => {
  let database: RunningDatabase;
  let subgraph: TestSubgraph;
  const STEPS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Trace { correlationId steps { at domain kind summary reference } } } }`;

  before(async () => {
    database = await startTestDatabase();
    subgraph = await startTestSubgraph(ledgerSubgraph, { mongoUri: database.uri, seed: false });
    await createProcessedEventModel(subgraph.connection).create({
      _id: 'ledger-orders|order.payment-captured:capture-1',
      consumer: 'ledger-orders',
      state: 'DONE',
      token: 't',
      leaseUntil: new Date('2026-01-01T10:00:05.000Z'),
      completedAt: new Date('2026-01-01T10:00:05.000Z'),
      eventId: 'evt_capture',
      type: 'order.payment-captured',
      correlationId: 'corr-trace-1',
    });
  });
  after(async () => {
    await subgraph?.close();
    await database?.stop();
  });

  test('Query.trace answers the key for analysts and admins, and refuses others', async () => {
    const query = '{ trace(correlationId: "corr-trace-1") { correlationId } }';
    assert.deepEqual((await subgraph.request(query, {}, principals.analyst)).data, { trace: { correlationId: 'corr-trace-1' } });
    assert.deepEqual((await subgraph.request(query, {}, principals.admin)).data, { trace: { correlationId: 'corr-trace-1' } });
    assert.equal(firstCode(await subgraph.request(query, {}, principals.associate)), 'FORBIDDEN');
    assert.equal(firstCode(await subgraph.request(query, {}, principals.customer('cus_00001'))), 'FORBIDDEN');
    assert.equal(firstCode(await subgraph.request(query, {}, principals.anonymous)), 'UNAUTHENTICATED');
    assert.equal(firstCode(await subgraph.request('{ trace(correlationId: "{$ne: 1}") { correlationId } }', {}, principals.admin)), 'BAD_USER_INPUT');
  });

  test("Trace.steps merges the other domains' required steps with the ledger's own in time order", async () => {
    const representation = {
      __typename: 'Trace',
      correlationId: 'corr-trace-1',
      orderSteps: [
        { at: '2026-01-01T10:00:00.000Z', domain: 'ORDER', kind: 'order status PLACED', summary: 'placed', reference: 'ord_1' },
        { at: '2026-01-01T10:00:04.000Z', domain: 'ORDER', kind: 'event published order.payment-captured', summary: 'captured', reference: 'evt_capture' },
      ],
      inventorySteps: [{ at: '2026-01-01T10:00:01.000Z', domain: 'INVENTORY', kind: 'reservation HELD', summary: 'held', reference: 'res_1' }],
      customerSteps: [],
    };
    const response = await subgraph.request<{ _entities: { steps: { at: string; domain: string; kind: string; reference: string }[] }[] }>(
      STEPS,
      { r: [representation] },
      principals.analyst,
    );
    assert.deepEqual(
      response.data?._entities[0]?.steps.map((entry) => [entry.at, entry.domain, entry.kind, entry.reference]),
      [
        ['2026-01-01T10:00:00.000Z', 'ORDER', 'order status PLACED', 'ord_1'],
        ['2026-01-01T10:00:01.000Z', 'INVENTORY', 'reservation HELD', 'res_1'],
        ['2026-01-01T10:00:04.000Z', 'ORDER', 'event published order.payment-captured', 'evt_capture'],
        ['2026-01-01T10:00:05.000Z', 'LEDGER', 'event handled order.payment-captured', 'evt_capture'],
      ],
    );
    assert.equal(firstCode(await subgraph.request(STEPS, { r: [representation] }, principals.associate)), 'FORBIDDEN');
  });
});
