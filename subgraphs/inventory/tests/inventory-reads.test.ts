import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { findsDuring, principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { createInventorySubgraph } from '../src/module.js';
import { dbCommands, errorCode } from './inventory-fixtures.js';

let database: RunningDatabase;
let subgraph: TestSubgraph;
const data = retailDataset();
const skuAt = (index: number) => data.variants[index]!.sku;

before(async () => {
  database = await startTestDatabase();
  // Background passes (relay, expiry, the consumer's start-up) also send database commands, the
  // relay's first pass right after start: these read-only tests run without them, so that counts
  // hold only what their own requests cause. Locations are remembered for 1 ms here, so each
  // request reads its own (location-directory.test.ts shows them remembered).
  subgraph = await startTestSubgraph(createInventorySubgraph({ relayIntervalMs: 600_000, expiryIntervalMs: 600_000, locationCacheMs: 1 }), {
    mongoUri: database.uri,
    background: false,
  });
});
after(async () => {
  await subgraph?.close();
  await database?.stop();
});

interface LevelView {
  location: { id: string };
  onHand: number;
  reserved: number;
  safetyStock: number;
  available: number;
}

describe('inventory reads', () => {
  test('the seed loads 25 locations, 1,000 SKUs, 25,000 levels with free and atp, and the applied movement log', async () => {
    const db = subgraph.connection;
    assert.equal(await db.collection('locations').countDocuments(), 25);
    assert.equal(await db.collection('skus').countDocuments(), 1000);
    assert.equal(await db.collection('stock_levels').countDocuments(), 25_000);
    assert.equal(await db.collection('stock_movements').countDocuments({ status: 'APPLIED' }), data.movements.length);
    const levels = await db
      .collection('stock_levels')
      .find({}, { projection: { onHand: 1, reserved: 1, safetyStock: 1, free: 1, atp: 1 } })
      .toArray();
    const inconsistent = levels.filter(
      (level) => level['free'] !== level['onHand'] - level['reserved'] || level['atp'] !== level['free'] - level['safetyStock'],
    );
    assert.equal(levels.length, 25_000);
    assert.deepEqual(inconsistent, []);
  });

  test('a request without the gateway credential is refused, even for _entities', async () => {
    const response = await subgraph.request('{ _entities(representations: [{ __typename: "Location", id: "loc_nyc01" }]) { ... on Location { name } } }');
    assert.equal(response.status, 401);
    assert.equal(errorCode(response), 'UNAUTHENTICATED');
  });

  test('anonymous callers list locations by type and region and read one by id; an unknown id is null', async () => {
    const response = await subgraph.request<{
      stores: { code: string; currency: string }[];
      all: unknown[];
      one: { code: string; type: string } | null;
      none: null;
    }>(
      '{ stores: locations(type: STORE, region: "US-EAST") { code currency } all: locations { id } one: location(id: "loc_wh_nj") { code type } none: location(id: "loc_nowhere") { id } }',
      {},
      principals.anonymous,
    );
    assert.equal(response.errors, undefined);
    assert.deepEqual(
      response.data?.stores.map((store) => store.code),
      ['BOS01', 'MIA01', 'NYC01', 'NYC02', 'PHL01'],
    );
    assert.ok(response.data?.stores.every((store) => store.currency === 'USD'));
    assert.equal(response.data?.all.length, 25);
    assert.deepEqual(response.data?.one, { code: 'WH-NJ', type: 'WAREHOUSE' });
    assert.equal(response.data?.none, null);
  });

  test('availability is max(0, onHand - reserved - safetyStock) per level and their sum in total', async () => {
    // A SKU with a level below its safety stock, where on-hand minus safety stock is negative.
    const sku = data.stockLevels.find((level) => level.onHand < level.safetyStock)!.sku;
    const response = await subgraph.request<{ availability: { sku: string; available: number; asOf: string; levels: LevelView[] }[] }>(
      'query($skus: [ID!]!) { availability(skus: $skus) { sku available asOf levels { location { id } onHand reserved safetyStock available } } }',
      { skus: [sku] },
      principals.customer('cus_0001'),
    );
    assert.equal(response.errors, undefined);
    const [availability] = response.data!.availability;
    const seeded = data.stockLevels.filter((level) => level.sku === sku);
    assert.equal(availability?.levels.length, 25);
    let expectedTotal = 0;
    for (const level of availability!.levels) {
      const source = seeded.find((candidate) => candidate.locationId === level.location.id)!;
      const expected = Math.max(0, source.onHand - source.reserved - source.safetyStock);
      assert.equal(level.onHand, source.onHand);
      assert.equal(level.available, expected);
      expectedTotal += expected;
    }
    assert.equal(availability?.available, expectedTotal);
    assert.ok(availability?.levels.some((level) => level.onHand < level.safetyStock && level.available === 0));
    assert.ok(!Number.isNaN(Date.parse(availability!.asOf)));
  });

  test('a location filter narrows the levels and the total; ids that name no location add nothing', async () => {
    const response = await subgraph.request<{ availability: { available: number; levels: LevelView[] }[] }>(
      '{ availability(skus: ["SKU-0001-01", "SKU-0001-02"], locationIds: ["loc_wh_nj", "loc_dc_us", "loc_nowhere"]) { available levels { location { id } available } } }',
      {},
      principals.anonymous,
    );
    assert.equal(response.errors, undefined);
    for (const availability of response.data!.availability) {
      assert.deepEqual(
        availability.levels.map((level) => level.location.id),
        ['loc_dc_us', 'loc_wh_nj'],
      );
      assert.equal(
        availability.available,
        availability.levels.reduce((sum, level) => sum + level.available, 0),
      );
    }
  });

  test('unknown SKUs fail with NOT_FOUND; too many SKUs and operator-shaped ids fail with BAD_USER_INPUT', async () => {
    const unknown = await subgraph.request('{ availability(skus: ["SKU-0001-01", "SKU-9999-99"]) { sku } }', {}, principals.anonymous);
    assert.equal(errorCode(unknown), 'NOT_FOUND');
    const tooMany = await subgraph.request(
      'query($skus: [ID!]!) { availability(skus: $skus) { sku } }',
      { skus: Array.from({ length: 201 }, (_, i) => skuAt(i)) },
      principals.anonymous,
    );
    assert.equal(errorCode(tooMany), 'BAD_USER_INPUT');
    const injected = await subgraph.request('query($skus: [ID!]!) { availability(skus: $skus) { sku } }', { skus: ['{"$gt": ""}'] }, principals.anonymous);
    assert.equal(errorCode(injected), 'BAD_USER_INPUT');
    const injectedLocation = await subgraph.request('{ location(id: "$where") { id } }', {}, principals.anonymous);
    assert.equal(errorCode(injectedLocation), 'BAD_USER_INPUT');
  });

  test('_entities over 10 or 100 variants with availability at every location costs the same two database commands', async () => {
    const query =
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVariant { sku availability { available levels { available location { name } } } } } }';
    const costs: number[] = [];
    for (const count of [10, 100]) {
      const representations = Array.from({ length: count }, (_, i) => ({ __typename: 'ProductVariant', sku: skuAt(i * 10) }));
      const before = await dbCommands(subgraph);
      const response = await subgraph.request<{ _entities: { sku: string; availability: { levels: { location: { name: string } }[] } }[] }>(
        query,
        { r: representations },
        principals.anonymous,
      );
      costs.push((await dbCommands(subgraph)) - before);
      assert.equal(response.errors, undefined);
      assert.equal(response.data?._entities.length, count);
      assert.ok(
        response.data?._entities.every(
          (entity) => entity.availability.levels.length === 25 && entity.availability.levels.every((level) => level.location.name.length > 0),
        ),
      );
      assert.deepEqual(
        response.data?._entities.map((entity) => entity.sku),
        representations.map((rep) => rep.sku),
      );
    }
    assert.deepEqual(costs, [2, 2]);
  });

  test('availability at named locations reads the levels and those locations in one round: both queries in flight at once', async () => {
    const query =
      'query($r: [_Any!]!, $l: [ID!]) { _entities(representations: $r) { ... on ProductVariant { sku availability(locationIds: $l) { levels { location { code } } } } } }';
    const locationIds = data.locations.slice(0, 25).map((location) => location.id);
    const { events } = await findsDuring(subgraph, async () => {
      const representations = Array.from({ length: 5 }, (_, i) => ({ __typename: 'ProductVariant', sku: skuAt(i) }));
      const response = await subgraph.request<{ _entities: { availability: { levels: { location: { code: string } }[] } }[] }>(
        query,
        { r: representations, l: locationIds },
        principals.anonymous,
      );
      assert.equal(response.errors, undefined);
      assert.ok(
        response.data?._entities.every(
          (entity) => entity.availability.levels.length === 25 && entity.availability.levels.every((level) => level.location.code.length > 0),
        ),
      );
    });
    assert.deepEqual(events.slice(0, 2).sort(), ['started locations', 'started stock_levels']);
    assert.deepEqual(events.slice(2), ['answered', 'answered']);
  });

  test('the stock movement log needs stock:read-movements: anonymous is UNAUTHENTICATED, a customer FORBIDDEN', async () => {
    const query = '{ stockMovements(first: 1) { edges { node { id } } } }';
    assert.equal(errorCode(await subgraph.request(query, {}, principals.anonymous)), 'UNAUTHENTICATED');
    assert.equal(errorCode(await subgraph.request(query, {}, principals.customer('cus_0001'))), 'FORBIDDEN');
    for (const principal of [principals.analyst, principals.associate, principals.admin]) {
      const allowed = await subgraph.request<{ stockMovements: { edges: unknown[] } }>(query, {}, principal);
      assert.equal(allowed.errors, undefined);
      assert.equal(allowed.data?.stockMovements.edges.length, 1);
    }
  });

  test('the movement log of one SKU pages newest first without gaps or repeats', async () => {
    const sku = skuAt(3);
    const expected = data.movements.filter((movement) => movement.sku === sku);
    const seen: { id: string; occurredAt: string; quantityDelta: number; sku: string }[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const response: Awaited<
        ReturnType<
          typeof subgraph.request<{
            stockMovements: { edges: { node: (typeof seen)[number] }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
          }>
        >
      > = await subgraph.request(
        'query($sku: ID, $after: String) { stockMovements(sku: $sku, first: 7, after: $after) { edges { node { id sku occurredAt quantityDelta } } pageInfo { hasNextPage endCursor } } }',
        { sku, after: cursor },
        principals.analyst,
      );
      assert.equal(response.errors, undefined);
      seen.push(...response.data!.stockMovements.edges.map((edge) => edge.node));
      if (!response.data!.stockMovements.pageInfo.hasNextPage) break;
      cursor = response.data!.stockMovements.pageInfo.endCursor;
    }
    assert.equal(seen.length, expected.length);
    assert.equal(new Set(seen.map((movement) => movement.id)).size, expected.length);
    assert.ok(seen.every((movement) => movement.sku === sku));
    assert.ok(seen.every((movement, i) => i === 0 || movement.occurredAt <= seen[i - 1]!.occurredAt));
  });

  test('oversized pages and forged cursors are BAD_USER_INPUT', async () => {
    const oversized = await subgraph.request('{ stockMovements(first: 1000) { edges { cursor } } }', {}, principals.analyst);
    assert.equal(errorCode(oversized), 'BAD_USER_INPUT');
    const forged = Buffer.from('not-a-date|mov_1').toString('base64url');
    const badCursor = await subgraph.request(
      'query($after: String) { stockMovements(after: $after) { edges { cursor } } }',
      { after: forged },
      principals.analyst,
    );
    assert.equal(errorCode(badCursor), 'BAD_USER_INPUT');
    const operator = await subgraph.request('{ stockMovements(locationId: "{\\"$ne\\": null}") { edges { cursor } } }', {}, principals.analyst);
    assert.equal(errorCode(operator), 'BAD_USER_INPUT');
  });
});
