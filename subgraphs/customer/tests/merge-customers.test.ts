import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { retailDataset } from '@mesh/seed-data';
import { connectJetStreamBus, createEnvelope, type AnyEnvelope, type EventBus } from '@mesh/events';
import { startNatsServer, type TestNatsServer } from '@mesh/mesh-runner';
import { principals, startTestDatabase, startTestSubgraph, type GraphQLResponse, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import type { Principal } from '@mesh/server-kit';
import { customerSubgraph } from '../src/module.js';
import type { CustomerRecord } from '../src/models/customer.model.js';

let database: RunningDatabase;
let nats: TestNatsServer;
let subgraph: TestSubgraph;
let watcher: EventBus;
const published: AnyEnvelope<'customer.customers-merged'>[] = [];

/** The seed's duplicate shoppers: the later loyalty-card record (to merge away) and the original web record (survivor). */
const pairs = retailDataset().customers.flatMap((customer, index, all) => {
  const original = all.findIndex((other) => other.email === customer.email);
  return original < index ? [{ merged: customer.id, survivor: all[original]!.id }] : [];
});

before(async () => {
  [database, nats] = await Promise.all([startTestDatabase(), startNatsServer()]);
  subgraph = await startTestSubgraph(customerSubgraph, { mongoUri: database.uri, natsUrl: nats.url });
  // Another domain's consumer on the same NATS, recording every merge the customer domain publishes.
  watcher = await connectJetStreamBus({ servers: nats.url, name: 'merge-watcher' });
  await watcher.subscribe('customer.customers-merged', 'merge-watcher', (envelope) => void published.push(envelope), { backoffMs: [50] });
});
after(async () => {
  await watcher?.close();
  await subgraph?.close();
  await Promise.all([database?.stop(), nats?.stop()]);
});

const MERGE = `mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) {
  __typename
  ... on CustomersMerged { survivor { id identities { kind value } } merged { id } }
  ... on MergeRefused { reason mergedIntoId }
} }`;

interface MergeData {
  mergeCustomers: {
    __typename: 'CustomersMerged' | 'MergeRefused';
    survivor?: { id: string; identities: { kind: string; value: string }[] };
    merged?: { id: string };
    reason?: string;
    mergedIntoId?: string | null;
  };
}

function merge(survivorId: string, mergedId: string, idempotencyKey: string, principal: Principal = principals.associate): Promise<GraphQLResponse<MergeData>> {
  return subgraph.request<MergeData>(MERGE, { input: { survivorId, mergedId, idempotencyKey } }, principal);
}

/** Polls `condition` every 25 ms until it holds; fails after `timeoutMs` naming `what` (patience for a loaded machine). */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Resolves once the watcher has every event the customer subgraph recorded so far: the relay has
 * published them all (none is left on any customer), then a marker published after them reaches
 * the watcher, whose consumer takes the stream in order, one event at a time. So an event the
 * watcher has not seen by then was never published (a fixed pause proves that only on a quiet
 * machine). The marker, a merge of customers that do not exist, is left out of `published`.
 */
async function untilAllReceived(): Promise<void> {
  await waitFor(async () => (await records().countDocuments({ 'pendingEvents.0': { $exists: true } })) === 0, 'the relay to publish every recorded event');
  const marker = createEnvelope(
    'customer.customers-merged',
    { survivorId: 'cus_marker', mergedId: `cus_marker_${randomUUID()}`, movedIdentityKinds: [] },
    { correlationId: 'marker', idempotencyKey: `marker:${randomUUID()}` },
  );
  await watcher.publish(marker);
  await waitFor(() => published.some((envelope) => envelope.id === marker.id), 'the marker event');
  published.splice(
    published.findIndex((envelope) => envelope.id === marker.id),
    1,
  );
}

/** Waits until `count` merge events of `mergedId` arrived, then until every event published so far did; answers them all. */
async function eventsFor(mergedId: string, count: number): Promise<AnyEnvelope<'customer.customers-merged'>[]> {
  const matching = () => published.filter((envelope) => envelope.data.mergedId === mergedId);
  await waitFor(() => matching().length >= count, `${count} merge events of ${mergedId}`);
  await untilAllReceived();
  return matching();
}

const records = () => subgraph.connection.model<CustomerRecord>('Customer');

describe('merging customers', () => {
  test('a merge answers CustomersMerged, moves the identities and publishes exactly one customers-merged event', async () => {
    const { survivor, merged } = pairs[0]!;
    const response = await merge(survivor, merged, 'merge-first');
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const result = response.data!.mergeCustomers;
    assert.equal(result.__typename, 'CustomersMerged');
    assert.equal(result.survivor?.id, survivor);
    assert.equal(result.merged?.id, merged);
    const card = retailDataset()
      .customers.find((customer) => customer.id === merged)!
      .identities.find((identity) => identity.kind === 'LOYALTY_CARD')!;
    assert.ok(result.survivor?.identities.some((identity) => identity.kind === 'LOYALTY_CARD' && identity.value === card.value));

    const events = await eventsFor(merged, 1);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.data, { survivorId: survivor, mergedId: merged, movedIdentityKinds: ['LOYALTY_CARD'] });
    assert.equal(events[0]!.source, 'customer');
    const stored = await records().findById(merged).lean();
    assert.equal(stored?.mergedInto, survivor);
    assert.deepEqual(stored?.pendingEvents ?? [], [], 'the relay removed the published event from the record');
    assert.equal(stored?.mergeLock ?? null, null, 'the merge let go of its records');
  });

  test('the merged id resolves to the survivor afterwards', async () => {
    const { survivor, merged } = pairs[0]!;
    const response = await subgraph.request<{ customer: { id: string } }>('query($id: ID!) { customer(id: $id) { id } }', { id: merged }, principals.associate);
    assert.equal(response.data?.customer.id, survivor);
  });

  test('the same key again returns the same answer and publishes nothing new', async () => {
    const { survivor, merged } = pairs[0]!;
    const first = await merge(survivor, merged, 'merge-first');
    const again = await merge(survivor, merged, 'merge-first');
    assert.equal(first.data?.mergeCustomers.__typename, 'CustomersMerged');
    assert.deepEqual(again.data, first.data);
    assert.equal((await eventsFor(merged, 1)).length, 1);
  });

  test('20 concurrent identical merges execute once: twenty equal answers and one event', async () => {
    const { survivor, merged } = pairs[1]!;
    const responses = await Promise.all(Array.from({ length: 20 }, () => merge(survivor, merged, 'merge-storm')));
    for (const response of responses) {
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.deepEqual(response.data, responses[0]!.data);
    }
    assert.equal(responses[0]!.data?.mergeCustomers.__typename, 'CustomersMerged');
    assert.equal((await eventsFor(merged, 1)).length, 1);
    const survivorRecord = await records().findById(survivor).lean();
    const keys = survivorRecord!.identities.map((identity) => `${identity.kind}:${identity.value}`);
    assert.equal(new Set(keys).size, keys.length, 'no identity was added twice');
  });

  test('merging into a survivor that was merged away, merging a merged record again, or a record into itself is refused and writes nothing', async () => {
    const { survivor, merged } = pairs[0]!;
    const before = await records()
      .find({ _id: { $in: [survivor, merged, 'cus_00400'] } })
      .sort({ _id: 1 })
      .lean();
    const intoMergedAway = await merge(merged, 'cus_00400', 'refused-1');
    assert.deepEqual(intoMergedAway.data?.mergeCustomers, { __typename: 'MergeRefused', reason: 'SURVIVOR_MERGED_AWAY', mergedIntoId: survivor });
    const again = await merge('cus_00400', merged, 'refused-2');
    assert.deepEqual(again.data?.mergeCustomers, { __typename: 'MergeRefused', reason: 'ALREADY_MERGED', mergedIntoId: survivor });
    const itself = await merge('cus_00400', 'cus_00400', 'refused-3');
    assert.deepEqual(itself.data?.mergeCustomers, { __typename: 'MergeRefused', reason: 'SAME_CUSTOMER', mergedIntoId: null });
    assert.deepEqual(
      await records()
        .find({ _id: { $in: [survivor, merged, 'cus_00400'] } })
        .sort({ _id: 1 })
        .lean(),
      before,
    );
    assert.equal((await eventsFor('cus_00400', 0)).length, 0);
  });

  test('a key reused for another merge, an unknown id and a role without the right are errors that write nothing', async () => {
    const reused = await merge('cus_00401', 'cus_00402', 'merge-first');
    assert.equal(reused.errors?.[0]?.extensions?.['code'], 'IDEMPOTENCY_KEY_REUSED');
    const unknown = await merge('cus_00401', 'cus_99999', 'unknown-1');
    assert.equal(unknown.errors?.[0]?.extensions?.['code'], 'NOT_FOUND');
    const malformed = await merge('cus_00401', 'cus_00402', '$bad key');
    assert.equal(malformed.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    for (const [principal, code] of [
      [principals.analyst, 'FORBIDDEN'],
      [principals.customer('cus_00401'), 'FORBIDDEN'],
      [principals.anonymous, 'UNAUTHENTICATED'],
    ] as const) {
      const response = await merge('cus_00401', 'cus_00402', 'role-check', principal);
      assert.equal(response.errors?.[0]?.extensions?.['code'], code, principal.role);
    }
    const admin = await merge('cus_00401', 'cus_00402', 'admin-merge', principals.admin);
    assert.equal(admin.data?.mergeCustomers.__typename, 'CustomersMerged', 'admins may merge, and nothing above held cus_00402');
  });

  test('crossing merges of the same two records at once (A into B, B into A) merge one way and never leave a cycle', async () => {
    for (const [a, b] of [
      ['cus_00500', 'cus_00501'],
      ['cus_00502', 'cus_00503'],
      ['cus_00504', 'cus_00505'],
    ] as const) {
      const [forward, backward] = await Promise.all([merge(b, a, `cross-${a}`), merge(a, b, `cross-${b}`)]);
      const merged = [forward, backward].filter((response) => response.data?.mergeCustomers.__typename === 'CustomersMerged');
      assert.equal(merged.length, 1, JSON.stringify([forward, backward]));
      const lookup = await subgraph.request<{ a: { id: string }; b: { id: string } }>(
        'query($a: ID!, $b: ID!) { a: customer(id: $a) { id } b: customer(id: $b) { id } }',
        { a, b },
        principals.admin,
      );
      assert.equal(lookup.errors, undefined, JSON.stringify(lookup.errors));
      assert.equal(lookup.data?.a.id, lookup.data?.b.id);
    }
  });
});
