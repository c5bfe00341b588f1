import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals } from '@mesh/test-kit';
import { CatalogAvailabilityDocument } from '../__generated__/operations.js';
import { dbCommandCount, requestCount, type MeshUnderTest } from '../mesh-fixture.js';

const SUBGRAPHS = ['product', 'inventory'] as const;

export function batchingSuite(mesh: () => MeshUnderTest): void {
  describe('N+1 is gone', () => {
    test('products with variants, prices and availability at every location cost the same round trips for 10 and for 100 products', async () => {
      const costOf = async (first: number) => {
        const before = await Promise.all(SUBGRAPHS.map((name) => mesh().metrics(name)));
        const response = await mesh().query(CatalogAvailabilityDocument, { first }, principals.anonymous);
        const after = await Promise.all(SUBGRAPHS.map((name) => mesh().metrics(name)));
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        const products = response.data?.products.edges ?? [];
        assert.equal(products.length, first);
        assert.ok(products.every(({ node }) => node.variants.length === 5 && node.variants.every((v) => v.availability?.levels.length === 25)));
        return SUBGRAPHS.map((_, index) => ({
          // The metrics scrape itself is not a database command; the request count includes nothing else.
          db: dbCommandCount(after[index]!) - dbCommandCount(before[index]!),
          requests: requestCount(after[index]!) - requestCount(before[index]!),
        }));
      };
      await costOf(5); // warm-up: plans, connections and index caches
      const small = await costOf(10);
      const large = await costOf(100);
      SUBGRAPHS.forEach((name, index) => {
        assert.deepEqual(large[index], small[index], `${name}: 100 products cost ${JSON.stringify(large[index])}, 10 cost ${JSON.stringify(small[index])}`);
        assert.ok(large[index]!.db <= 4, `${name} sent ${large[index]!.db} database commands`);
      });
    });
  });
}
