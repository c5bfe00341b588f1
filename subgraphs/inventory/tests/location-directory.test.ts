import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { retailDataset } from '@mesh/seed-data';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { createInventorySubgraph } from '../src/module.js';

const REMEMBER_MS = 1500;
const data = retailDataset();
const AVAILABILITY =
  'query($r: [_Any!]!, $l: [ID!]) { _entities(representations: $r) { ... on ProductVariant { sku availability(locationIds: $l) { levels { location { id code name } } } } } }';

let database: RunningDatabase;
let subgraph: TestSubgraph;
/** The collections of the `find` commands the subgraph sends, in order. */
const finds: string[] = [];
const recordFind = (event: { commandName: string; command: Record<string, unknown> }) => {
  if (event.commandName === 'find') finds.push(String(event.command['find']));
};

before(async () => {
  database = await startTestDatabase();
  subgraph = await startTestSubgraph(createInventorySubgraph({ relayIntervalMs: 600_000, expiryIntervalMs: 600_000, locationCacheMs: REMEMBER_MS }), {
    mongoUri: database.uri,
    background: false,
  });
  subgraph.connection.getClient().on('commandStarted', recordFind);
});
after(async () => {
  subgraph?.connection.getClient().off('commandStarted', recordFind);
  await subgraph?.close();
  await database?.stop();
});

async function availabilityPage(locationIds: readonly string[]) {
  const representations = data.variants.slice(0, 5).map((variant) => ({ __typename: 'ProductVariant', sku: variant.sku }));
  finds.length = 0;
  const response = await subgraph.request<{ _entities: { availability: { levels: { location: { id: string; code: string; name: string } }[] } }[] }>(
    AVAILABILITY,
    { r: representations, l: locationIds },
    principals.anonymous,
  );
  assert.equal(response.errors, undefined);
  return { levels: response.data!._entities.flatMap((entity) => entity.availability.levels), finds: [...finds] };
}

test('an availability page reads its locations once: the next pages read only the stock levels, with the same locations', async () => {
  const locationIds = data.locations.slice(0, 25).map((location) => location.id);
  const first = await availabilityPage(locationIds);
  assert.deepEqual([...first.finds].sort(), ['locations', 'stock_levels']);
  assert.equal(first.levels.length, 5 * 25);
  for (let page = 0; page < 3; page++) {
    const next = await availabilityPage(locationIds);
    assert.deepEqual(next.finds, ['stock_levels']);
    assert.deepEqual(next.levels, first.levels);
  }
});

test('a location added after a miss is found at once; a renamed one shows its new name once remembered too long', async () => {
  const locations = subgraph.connection.collection('locations');
  const query = 'query($id: ID!) { location(id: $id) { id name } }';
  const missing = await subgraph.request<{ location: { id: string; name: string } | null }>(query, { id: 'loc_new01' }, principals.anonymous);
  assert.equal(missing.data?.location, null);
  const template = await locations.findOne({ _id: data.locations[0]!.id as unknown as never });
  assert.ok(template);
  await locations.insertOne({ ...template, _id: 'loc_new01' as unknown as never, code: 'NEW01', name: 'New store' });
  const added = await subgraph.request<{ location: { id: string; name: string } | null }>(query, { id: 'loc_new01' }, principals.anonymous);
  assert.deepEqual(added.data?.location, { id: 'loc_new01', name: 'New store' });

  await locations.updateOne({ _id: 'loc_new01' as unknown as never }, { $set: { name: 'Renamed store' } });
  const remembered = await subgraph.request<{ location: { name: string } | null }>(query, { id: 'loc_new01' }, principals.anonymous);
  assert.equal(remembered.data?.location?.name, 'New store');
  await sleep(REMEMBER_MS + 200);
  const renamed = await subgraph.request<{ location: { name: string } | null }>(query, { id: 'loc_new01' }, principals.anonymous);
  assert.equal(renamed.data?.location?.name, 'Renamed store');
});

test('a remembered location resolves as a federated entity again and again (the reference resolver gets its own copy to stamp)', async () => {
  const ids = data.locations.slice(0, 3).map((location) => location.id);
  const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Location { id code } } }';
  const representations = ids.map((id) => ({ __typename: 'Location', id }));
  for (let round = 0; round < 3; round++) {
    const response = await subgraph.request<{ _entities: { id: string; code: string }[] }>(query, { r: representations }, principals.analyst);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.deepEqual(
      response.data!._entities.map((entity) => entity.id),
      ids,
    );
  }
});
