import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { principals } from '@mesh/test-kit';
import { errorCodes, type MeshUnderTest } from '../mesh-fixture.js';

const order = retailDataset().orders.find((candidate) => candidate.status === 'COMPLETED')!;
const ORDER_WITH_POSTINGS = `query($id: ID!) { order(id: $id) { number journalEntries { id } } }`;

export function resilienceSuite(mesh: () => MeshUnderTest): void {
  describe('gateway operations and partial failure', () => {
    test('health and readiness answer, and the landing page is Apollo Sandbox outside production', async () => {
      const base = mesh().mesh.gatewayUrl.replace(/\/graphql$/, '');
      assert.equal((await fetch(`${base}/health`)).status, 200);
      assert.equal((await fetch(`${base}/ready`)).status, 200);
      const landing = await fetch(mesh().mesh.gatewayUrl, { headers: { accept: 'text/html' } });
      assert.equal(landing.status, 200);
      assert.match(await landing.text(), /sandbox/i);
    });

    test('with the ledger down, an order still resolves and its postings come back null with SUBGRAPH_UNAVAILABLE', async () => {
      await mesh().mesh.stopSubgraph('ledger');
      try {
        const response = await mesh().query<{ order: { number: string; journalEntries: unknown } | null }, Record<string, unknown>>(
          ORDER_WITH_POSTINGS,
          { id: order.id },
          principals.admin,
        );
        assert.equal(response.status, 200);
        assert.equal(response.data?.order?.number, order.number);
        assert.ok(errorCodes(response).includes('SUBGRAPH_UNAVAILABLE'), JSON.stringify(response.errors));
        const base = mesh().mesh.gatewayUrl.replace(/\/graphql$/, '');
        await new Promise((resolve) => setTimeout(resolve, 1100));
        assert.equal((await fetch(`${base}/ready`)).status, 503);
      } finally {
        await mesh().mesh.startSubgraph('ledger');
      }
      const recovered = await mesh().query<{ order: { journalEntries: unknown[] } }, Record<string, unknown>>(ORDER_WITH_POSTINGS, { id: order.id }, principals.admin);
      assert.equal(recovered.errors, undefined);
      assert.equal(recovered.data?.order.journalEntries.length, 2);
    });
  });
}
