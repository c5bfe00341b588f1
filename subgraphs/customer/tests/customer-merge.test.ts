import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph, untilDatabaseQuiet } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { customerSubgraph } from '../src/module.js';
import type { CustomerRecord } from '../src/models/customer.model.js';
import { dbCommands } from './helpers.js';

let database: RunningDatabase;
let subgraph: TestSubgraph;

/** The seed's duplicate shoppers: the later loyalty-card record (merged away) and the original web record (survivor). */
const pairs = retailDataset().customers.flatMap((customer, index, all) => {
  const original = all.findIndex((other) => other.email === customer.email);
  return original < index
    ? [{ merged: customer.id, survivor: all[original]!.id, card: customer.identities.find((i) => i.kind === 'LOYALTY_CARD')!.value }]
    : [];
});
const first = pairs[0]!;
const template = retailDataset().customers[1]!;
const extra = (id: string, mergedInto: string): CustomerRecord => ({ ...template, _id: id, identities: [], mergedInto });

before(async () => {
  // The broken-chain cases are logged as unexpected errors by design; keep the test output quiet.
  process.env['LOG_LEVEL'] ??= 'silent';
  database = await startTestDatabase();
  // Counting tests must see only the commands of their own requests: no background work (the
  // relay's sweep every 30 s could land inside a count), and nothing left of the start-up.
  subgraph = await startTestSubgraph(customerSubgraph, { mongoUri: database.uri, background: false });
  await untilDatabaseQuiet(subgraph.url);
  // The merge mutation comes later; set up what it will leave behind directly through the model.
  const customers = subgraph.connection.model<CustomerRecord>('Customer');
  await customers.bulkWrite(pairs.map(({ merged, survivor }) => ({ updateOne: { filter: { _id: merged }, update: { $set: { mergedInto: survivor } } } })));
  await customers.insertMany(
    [
      extra('cus_hop1', 'cus_hop2'),
      extra('cus_hop2', 'cus_hop3'),
      extra('cus_hop3', 'cus_00002'),
      extra('cus_loop1', 'cus_loop2'),
      extra('cus_loop2', 'cus_loop1'),
      extra('cus_dangling', 'cus_nobody'),
      ...['a', 'b', 'c', 'd', 'e'].map((step, i, steps) => extra(`cus_long_${step}`, steps[i + 1] ? `cus_long_${steps[i + 1]}` : 'cus_00003')),
    ],
    { lean: true },
  );
});
after(async () => {
  await subgraph?.close();
  await database?.stop();
});

const CUSTOMER = 'query($id: ID!) { customer(id: $id) { id email piiMasked } }';
const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id } } }';
type One = { customer: { id: string; email: string | null; piiMasked: boolean } | null };

describe('merged customer ids', () => {
  test('the seed holds 60 duplicate pairs to merge', () => {
    assert.equal(pairs.length, 60);
  });

  test('a merged-away id resolves to the survivor', async () => {
    const response = await subgraph.request<One>(CUSTOMER, { id: first.merged }, principals.associate);
    assert.equal(response.errors, undefined);
    assert.equal(response.data?.customer?.id, first.survivor);
  });

  test('a chain of merges is followed to its end', async () => {
    const response = await subgraph.request<One>(CUSTOMER, { id: 'cus_hop1' }, principals.admin);
    assert.equal(response.data?.customer?.id, 'cus_00002');
  });

  test('a cyclic, dangling or over-long merge chain is an internal error, not a hang or a wrong record', async () => {
    for (const id of ['cus_loop1', 'cus_dangling', 'cus_long_a']) {
      const response = await subgraph.request<One>(CUSTOMER, { id }, principals.admin);
      assert.equal(response.errors?.[0]?.extensions?.['code'], 'INTERNAL_SERVER_ERROR', id);
      assert.equal(response.data?.customer, null, id);
    }
  });

  test('an entity reference to a merged-away id resolves to the survivor', async () => {
    const response = await subgraph.request<{ _entities: { id: string }[] }>(
      ENTITIES,
      { r: [{ __typename: 'Customer', id: first.merged }] },
      principals.analyst,
    );
    assert.equal(response.data?._entities[0]?.id, first.survivor);
  });

  test('a customer signed in under a merged-away id is the survivor: me, and both ids, unmasked', async () => {
    const principal = principals.customer(first.merged);
    const me = await subgraph.request<{ me: { id: string } }>('{ me { id } }', {}, principal);
    assert.equal(me.data?.me.id, first.survivor);
    for (const id of [first.survivor, first.merged]) {
      const response = await subgraph.request<One>(CUSTOMER, { id }, principal);
      assert.equal(response.data?.customer?.id, first.survivor, id);
      assert.equal(response.data?.customer?.piiMasked, false, id);
    }
  });

  test('the survivor may read their merged-away id, and nobody else may', async () => {
    const own = await subgraph.request<One>(CUSTOMER, { id: first.merged }, principals.customer(first.survivor));
    assert.equal(own.data?.customer?.id, first.survivor);
    const stranger = await subgraph.request<One>(CUSTOMER, { id: first.merged }, principals.customer('cus_00042'));
    assert.equal(stranger.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
  });

  test('merged-away records are not listed', async () => {
    const response = await subgraph.request<{ customers: { totalCount: number } }>('{ customers { totalCount } }', {}, principals.associate);
    assert.equal(response.data?.customers.totalCount, 2000 - pairs.length);
  });

  test('an identity held only by a merged-away record finds the survivor; a shared one finds the oldest live record', async () => {
    const lookup = 'query($kind: IdentityKind!, $value: String!) { customerByIdentity(kind: $kind, value: $value) { id } }';
    const card = await subgraph.request<{ customerByIdentity: { id: string } | null }>(
      lookup,
      { kind: 'LOYALTY_CARD', value: first.card },
      principals.associate,
    );
    assert.equal(card.data?.customerByIdentity?.id, first.survivor);
    const email = retailDataset().customers.find((customer) => customer.id === first.merged)!.email;
    const shared = await subgraph.request<{ customerByIdentity: { id: string } | null }>(lookup, { kind: 'EMAIL', value: email }, principals.associate);
    assert.equal(shared.data?.customerByIdentity?.id, first.survivor);
  });

  test('100 references with 10 or 60 merged ids cost the same two commands, and each further merge hop one more', async () => {
    for (const count of [10, 60]) {
      const before = await dbCommands(subgraph);
      const r = pairs.slice(0, count).map(({ merged }) => ({ __typename: 'Customer', id: merged }));
      const live = Array.from({ length: 100 - count }, (_, i) => ({ __typename: 'Customer', id: `cus_${String(i + 100).padStart(5, '0')}` }));
      const response = await subgraph.request<{ _entities: { id: string }[] }>(ENTITIES, { r: [...r, ...live] }, principals.associate);
      assert.equal((await dbCommands(subgraph)) - before, 2, `${count} merged`);
      assert.deepEqual(
        response.data?._entities.slice(0, count).map((entity) => entity.id),
        pairs.slice(0, count).map(({ survivor }) => survivor),
      );
    }
    const before = await dbCommands(subgraph);
    await subgraph.request(ENTITIES, { r: ['cus_hop1', first.merged, 'cus_00010'].map((id) => ({ __typename: 'Customer', id })) }, principals.associate);
    assert.equal((await dbCommands(subgraph)) - before, 4, 'three hops: one query for the ids and one per hop');
  });
});
