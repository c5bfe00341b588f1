import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventLogModel } from '@mesh/events';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { customerSubgraph } from '../src/module.js';

const STEPS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Trace { correlationId customerSteps { at domain kind summary reference } } } }`;
const trace = (correlationId: string) => ({ r: [{ __typename: 'Trace', correlationId }] });

describe("the customer domain's steps of a trace", () => {
  let database: RunningDatabase;
  let subgraph: TestSubgraph;

  before(async () => {
    database = await startTestDatabase();
    subgraph = await startTestSubgraph(customerSubgraph, { mongoUri: database.uri, seed: false });
    await createEventLogModel(subgraph.connection).create({
      _id: 'evt_merged',
      type: 'customer.customers-merged',
      source: 'customer',
      correlationId: 'corr-merge-1',
      idempotencyKey: 'merge:1',
      occurredAt: new Date('2026-01-01T10:00:00.000Z'),
      publishedAt: new Date('2026-01-01T10:00:01.000Z'),
      expiresAt: new Date('2099-01-01'),
    });
  });
  after(async () => {
    await subgraph?.close();
    await database?.stop();
  });

  test('the events it published under the correlation id are its steps', async () => {
    const response = await subgraph.request<{
      _entities: { correlationId: string; customerSteps: { at: string; domain: string; kind: string; summary: string; reference: string }[] }[];
    }>(STEPS, trace('corr-merge-1'), principals.admin);
    assert.deepEqual(response.data?._entities, [
      {
        correlationId: 'corr-merge-1',
        customerSteps: [
          {
            at: '2026-01-01T10:00:01.000Z',
            domain: 'CUSTOMER',
            kind: 'event published customer.customers-merged',
            summary: 'customer published customer.customers-merged (key merge:1)',
            reference: 'evt_merged',
          },
        ],
      },
    ]);
  });

  test('the steps need events:read', async () => {
    assert.equal((await subgraph.request(STEPS, trace('corr-merge-1'), principals.associate)).errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal((await subgraph.request(STEPS, trace('corr-merge-1'), principals.anonymous)).errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
  });
});
