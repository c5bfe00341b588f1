import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { retailDataset } from '@mesh/seed-data';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { productSubgraph } from '../src/module.js';

let database: RunningDatabase;
const started: TestSubgraph[] = [];

before(async () => {
  database = await startTestDatabase();
});
after(async () => {
  await Promise.all(started.map((subgraph) => subgraph.close()));
  await database?.stop();
});

test('three replicas starting at once on an empty database seed the catalog once, and all of them serve it', async () => {
  // Without the seed lease each would find the catalog empty and insert it: all but one would
  // fail on duplicate keys and never start.
  const dbName = 'test_product_replica_seeding';
  const replicas = await Promise.all([1, 2, 3].map(() => startTestSubgraph(productSubgraph, { mongoUri: database.uri, dbName })));
  started.push(...replicas);
  const data = retailDataset();
  const connection = replicas[0]!.connection;
  assert.equal(await connection.collection('products').countDocuments(), data.products.length);
  assert.equal(await connection.collection('variants').countDocuments(), data.variants.length);
  const lease = await connection.collection('job_leases').findOne({ _id: 'product.seed-data' as never });
  assert.ok(lease && (lease['expiresAt'] as Date).getTime() <= Date.now(), 'the last replica to seed released the lease');
  const sku = data.variants[0]!.sku;
  for (const replica of replicas) {
    const response = await replica.request<{ variant: { sku: string } | null }>('query($sku: ID!) { variant(sku: $sku) { sku } }', { sku }, principals.admin);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.equal(response.data?.variant?.sku, sku);
  }
});
