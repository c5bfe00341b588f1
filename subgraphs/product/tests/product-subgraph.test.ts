import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dbCommands, findsDuring, principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { productSubgraph } from '../src/module.js';

let database: RunningDatabase;
let subgraph: TestSubgraph;

before(async () => {
  database = await startTestDatabase();
  // No background work: the batching test counts database commands, and the price announcer runs on a timer.
  subgraph = await startTestSubgraph(productSubgraph, { mongoUri: database.uri, background: false });
});
after(async () => {
  await subgraph?.close();
  await database?.stop();
});

describe('product subgraph', () => {
  test('a request without the gateway credential is refused, even for _entities', async () => {
    const response = await subgraph.request('{ _entities(representations: [{ __typename: "Product", id: "prod_0001" }]) { ... on Product { name } } }');
    assert.equal(response.status, 401);
    assert.equal(response.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
  });

  test('a variant resolves with its product and exact prices in both currencies', async () => {
    const response = await subgraph.request<{
      variant: { sku: string; product: { id: string }; usd: { amount: string; minorUnits: string }; prices: unknown[] };
    }>(
      '{ variant(sku: "SKU-0001-01") { sku product { id } usd: price(currency: USD) { amount minorUnits currency } prices { currency } } }',
      {},
      principals.anonymous,
    );
    assert.equal(response.errors, undefined);
    assert.equal(response.data?.variant.product.id, 'prod_0001');
    assert.equal(response.data?.variant.prices.length, 2);
    const { amount, minorUnits } = response.data!.variant.usd;
    assert.equal(amount.replace('.', ''), minorUnits.padStart(3, '0'));
  });

  test('products page through the whole catalog without gaps or repeats', async () => {
    const seen = new Set<string>();
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const response: Awaited<
        ReturnType<
          typeof subgraph.request<{
            products: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number };
          }>
        >
      > = await subgraph.request(
        'query($after: String) { products(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } totalCount } }',
        { after },
        principals.anonymous,
      );
      for (const edge of response.data!.products.edges) seen.add(edge.node.id);
      assert.equal(response.data!.products.totalCount, 200);
      if (!response.data!.products.pageInfo.hasNextPage) break;
      after = response.data!.products.pageInfo.endCursor;
    }
    assert.equal(seen.size, 200);
  });

  test('the entity resolver batches: 100 product references cost one database query for products and one for variants', async () => {
    const representations = Array.from({ length: 100 }, (_, i) => ({ __typename: 'Product', id: `prod_${String(i + 1).padStart(4, '0')}` }));
    const before = await dbCommands(subgraph);
    const response = await subgraph.request<{ _entities: { variants: { sku: string }[] }[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { name variants { sku product { name } } } } }',
      { r: representations },
      principals.anonymous,
    );
    const after = await dbCommands(subgraph);
    assert.equal(response.data?._entities.length, 100);
    assert.equal(
      response.data?._entities.every((p) => p.variants.length === 5),
      true,
    );
    assert.equal(after - before, 2);
  });

  test('a product read by id reads the product and its variants in one round: both queries in flight at once', async () => {
    const { result: response, events } = await findsDuring(subgraph, () =>
      subgraph.request<{ product: { id: string; variants: { sku: string }[] } }>(
        '{ product(id: "prod_0007") { id variants { sku } } }',
        {},
        principals.anonymous,
      ),
    );
    assert.equal(response.errors, undefined);
    assert.equal(response.data?.product.variants.length, 5);
    assert.deepEqual(events.slice(0, 2).sort(), ['started products', 'started variants']);
    assert.deepEqual(events.slice(2), ['answered', 'answered']);
  });

  test('operator-shaped and oversized inputs are rejected with BAD_USER_INPUT', async () => {
    const injected = await subgraph.request('{ products(filter: { attributes: [{ name: "$where", value: "1" }] }) { totalCount } }', {}, principals.anonymous);
    assert.equal(injected.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    const oversized = await subgraph.request('{ products(first: 1000) { totalCount } }', {}, principals.anonymous);
    assert.equal(oversized.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    const literal = await subgraph.request<{ products: { totalCount: number } }>(
      '{ products(filter: { search: "{\\"$gt\\": \\"\\"}" }) { totalCount } }',
      {},
      principals.anonymous,
    );
    assert.equal(literal.data?.products.totalCount, 0);
  });
});
