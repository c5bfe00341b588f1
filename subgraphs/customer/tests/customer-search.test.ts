import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph, untilDatabaseQuiet } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { customerSubgraph } from '../src/module.js';
import { customerReferences, dbCommands } from './helpers.js';

let database: RunningDatabase;
let subgraph: TestSubgraph;

before(async () => {
  database = await startTestDatabase();
  // Counting tests must see only the commands of their own requests: no background work (the
  // relay's sweep every 30 s could land inside a count), and nothing left of the start-up.
  subgraph = await startTestSubgraph(customerSubgraph, { mongoUri: database.uri, background: false });
  await untilDatabaseQuiet(subgraph.url);
});
after(async () => {
  await subgraph?.close();
  await database?.stop();
});

const LIST = `query($search: String, $first: Int, $after: String) {
  customers(search: $search, first: $first, after: $after) {
    edges { cursor node { id name email piiMasked } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`;
interface Page {
  customers: {
    edges: { cursor: string; node: { id: string; name: string; email: string | null; piiMasked: boolean } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    totalCount: number;
  };
}

describe('listing and searching customers', () => {
  test('staff page through all 2,000 customers in id order without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 25; page++) {
      const response: { data?: Page | null } = await subgraph.request<Page>(LIST, { first: 100, after: cursor }, principals.admin);
      const connection = response.data!.customers;
      assert.equal(connection.totalCount, 2000);
      seen.push(...connection.edges.map((edge) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      cursor = connection.pageInfo.endCursor;
    }
    assert.equal(seen.length, 2000);
    assert.equal(new Set(seen).size, 2000);
    assert.deepEqual(seen, [...seen].sort());
  });

  test('a page size outside 1 to 100, or a forged cursor, is BAD_USER_INPUT', async () => {
    for (const variables of [
      { first: 0 },
      { first: 101 },
      { first: -5 },
      { after: 'not a cursor!' },
      { after: Buffer.from('{"$gt":""}').toString('base64url') },
    ]) {
      const response = await subgraph.request<Page>(LIST, variables, principals.associate);
      assert.equal(response.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT', JSON.stringify(variables));
    }
  });

  test('search matches the start of any word of the name, case-insensitively', async () => {
    const response = await subgraph.request<Page>(LIST, { search: 'nGuYeN', first: 100 }, principals.associate);
    const names = response.data!.customers.edges.map((edge) => edge.node.name);
    assert.ok(names.length > 0);
    assert.ok(
      names.every((name) => /(^|\s)nguyen/i.test(name)),
      names.join(', '),
    );
  });

  test('search matches an email prefix for an associate, masking nothing', async () => {
    const response = await subgraph.request<Page>(LIST, { search: 'LEON.ROSSI.42@' }, principals.associate);
    assert.deepEqual(
      response.data!.customers.edges.map((edge) => edge.node.id),
      ['cus_00042'],
    );
    assert.equal(response.data!.customers.edges[0]?.node.email, 'leon.rossi.42@example.com');
    assert.equal(response.data!.customers.edges[0]?.node.piiMasked, false);
  });

  test('an analyst lists customers masked and cannot find them by email', async () => {
    const byName = await subgraph.request<Page>(LIST, { search: 'Leon', first: 5 }, principals.analyst);
    assert.ok(byName.data!.customers.edges.length > 0);
    assert.ok(byName.data!.customers.edges.every((edge) => edge.node.piiMasked && edge.node.email?.includes('***')));
    const byEmail = await subgraph.request<Page>(LIST, { search: 'leon.rossi.42@' }, principals.analyst);
    assert.equal(byEmail.data!.customers.totalCount, 0);
  });

  test('regex metacharacters and operator-shaped text are matched literally: nothing found, no error', async () => {
    for (const search of ['.*', 'L.am', '^', '(', '[a-z]+', '\\', '$where', '{"$gt": ""}', '{"$ne": null}']) {
      const response = await subgraph.request<Page>(LIST, { search }, principals.admin);
      assert.equal(response.errors, undefined, search);
      assert.equal(response.data!.customers.totalCount, 0, search);
      assert.equal(response.data!.customers.edges.length, 0, search);
    }
  });

  test('a search over 100 characters, up to a 1 MB string, is BAD_USER_INPUT', async () => {
    for (const search of ['a'.repeat(101), 'a'.repeat(1_000_000)]) {
      const response = await subgraph.request<Page>(LIST, { search }, principals.admin);
      assert.equal(response.status, 200);
      assert.equal(response.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    }
  });

  test('a blank search lists everyone', async () => {
    const response = await subgraph.request<Page>(LIST, { search: '   ', first: 1 }, principals.associate);
    assert.equal(response.data!.customers.totalCount, 2000);
  });
});

describe('batching', () => {
  const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name email identities { kind value } } } }';

  async function commandsFor(count: number, principal: Parameters<TestSubgraph['request']>[2]): Promise<number> {
    const before = await dbCommands(subgraph);
    const response = await subgraph.request<{ _entities: ({ id: string } | null)[] }>(ENTITIES, { r: customerReferences(count) }, principal);
    const spent = (await dbCommands(subgraph)) - before;
    assert.equal(response.data?._entities.length, count);
    return spent;
  }

  test('10 and 100 customer references through _entities each cost one database command', async () => {
    assert.equal(await commandsFor(10, principals.associate), 1);
    assert.equal(await commandsFor(100, principals.associate), 1);
  });

  test('a customer principal resolving 100 references (their own among them) still costs one command', async () => {
    const before = await dbCommands(subgraph);
    const response = await subgraph.request<{ _entities: ({ id: string } | null)[] }>(
      ENTITIES,
      { r: customerReferences(100) },
      principals.customer('cus_00042'),
    );
    assert.equal((await dbCommands(subgraph)) - before, 1);
    assert.equal(response.data?._entities[41]?.id, 'cus_00042');
    assert.equal(response.errors?.length, 99);
    assert.ok(response.errors?.every((error) => error.extensions?.['code'] === 'FORBIDDEN'));
  });

  test('a listed page costs one find (plus a count only when totalCount is asked for)', async () => {
    const before = await dbCommands(subgraph);
    await subgraph.request('{ customers(first: 100) { edges { node { id identities { kind } } } } }', {}, principals.associate);
    assert.equal((await dbCommands(subgraph)) - before, 1);
  });
});
