import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { principals } from '@mesh/test-kit';
import { RecordStockMovementDocument, StockLevelDocument } from '../__generated__/operations.js';
import { errorCodes, type MeshUnderTest } from '../mesh-fixture.js';

const data = retailDataset();
const SKU = data.variants[7]!.sku;
const LOCATION = data.locations[3]!.id;
const valid = { sku: SKU, locationId: LOCATION, type: 'RECEIPT', quantity: 5, idempotencyKey: 'bad-input-baseline', reason: 'test' } as const;

export function badInputSuite(mesh: () => MeshUnderTest): void {
  describe('bad input is refused with a stable code and writes nothing', () => {
    const snapshot = async () => {
      const response = await mesh().query(StockLevelDocument, { sku: SKU, locationId: LOCATION }, principals.admin);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return JSON.stringify(response.data);
    };
    const move = (input: Record<string, unknown>) => mesh().query(RecordStockMovementDocument, { input: { ...valid, ...input } } as never, principals.admin);

    test('wrong types, zero and negative quantities, and unknown SKUs or locations', async () => {
      const before = await snapshot();
      assert.deepEqual(errorCodes(await move({ quantity: 'ten' })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await move({ quantity: 2.5 })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await move({ quantity: 0, idempotencyKey: 'bad-zero' })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await move({ quantity: -3, idempotencyKey: 'bad-negative' })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await move({ type: 'TELEPORT', idempotencyKey: 'bad-type' })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await move({ sku: 'SKU-DOES-NOT-EXIST', idempotencyKey: 'bad-sku' })), ['NOT_FOUND']);
      assert.deepEqual(errorCodes(await move({ locationId: 'loc_nowhere', idempotencyKey: 'bad-location' })), ['NOT_FOUND']);
      assert.deepEqual(errorCodes(await mesh().query('{ product(id: 42.5) { id } }')), ['GRAPHQL_VALIDATION_FAILED']);
      assert.equal(await snapshot(), before);
    });

    test('oversized pages, lists, strings and bodies', async () => {
      const before = await snapshot();
      assert.deepEqual(errorCodes(await mesh().query('{ products(first: 1000) { edges { cursor } } }')), ['BAD_USER_INPUT']);
      // Absurd pages are refused by the gateway's cost limit (from the page size asked for) before any subgraph is asked.
      assert.deepEqual(errorCodes(await mesh().query('{ products(first: 100000) { edges { node { variants { sku } } } } }')), ['OPERATION_TOO_COSTLY']);
      const manySkus = Array.from({ length: 1000 }, (_, index) => `SKU-${index}`);
      assert.deepEqual(errorCodes(await mesh().query('query($s: [ID!]!) { availability(skus: $s) { sku } }', { s: manySkus })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await move({ reason: 'x'.repeat(100_000), idempotencyKey: 'bad-long-reason' })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await move({ idempotencyKey: 'k'.repeat(10_000) })), ['BAD_USER_INPUT']);
      const huge = await fetch(mesh().mesh.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ products { totalCount } }', variables: { blob: 'x'.repeat(3 * 1024 * 1024) } }),
      });
      assert.equal(huge.status, 413);
      assert.equal(((await huge.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code, 'PAYLOAD_TOO_LARGE');
      assert.equal(await snapshot(), before);
    });

    test('MongoDB operators smuggled in as JSON, operator-shaped strings, dotted and $ keys', async () => {
      const before = await snapshot();
      assert.deepEqual(errorCodes(await move({ sku: { $gt: '' } })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await move({ locationId: { $ne: null } })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await move({ sku: '$where', idempotencyKey: 'bad-where' })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await move({ idempotencyKey: '$gt' })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await move({ $where: 'sleep(1000)' })), ['BAD_USER_INPUT']);
      const attribute = (name: string) =>
        mesh().query('query($n: String!) { products(filter: { attributes: [{ name: $n, value: "M" }] }) { totalCount } }', { n: name });
      assert.deepEqual(errorCodes(await attribute('$where')), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await attribute('size.value')), ['BAD_USER_INPUT']);
      const literal = await mesh().query<{ products: { totalCount: number } }, Record<string, unknown>>(
        'query($s: String!) { products(filter: { search: $s }) { totalCount } }',
        { s: '{"$gt": ""}' },
      );
      assert.equal(literal.data?.products.totalCount, 0);
      assert.deepEqual(errorCodes(await mesh().query('query($id: ID!) { customer(id: $id) { id } }', { id: { $gt: '' } }, principals.admin)), [
        'BAD_USER_INPUT',
      ]);
      assert.equal(await snapshot(), before);
    });

    test('a valid movement after all of that is recorded once, and its replay changes nothing', async () => {
      const first = await move({});
      const second = await move({});
      assert.equal(first.errors, undefined, JSON.stringify(first.errors));
      const firstResult = first.data?.recordStockMovement;
      const secondResult = second.data?.recordStockMovement;
      assert.equal(firstResult?.__typename, 'StockMovementRecorded');
      assert.equal(secondResult?.__typename, 'StockMovementRecorded');
      if (firstResult?.__typename !== 'StockMovementRecorded' || secondResult?.__typename !== 'StockMovementRecorded') return;
      assert.equal(firstResult.replayed, false);
      assert.equal(secondResult.replayed, true);
      assert.equal(secondResult.movement.id, firstResult.movement.id);
      assert.equal(secondResult.level.onHand, firstResult.level.onHand);
    });
  });
}
