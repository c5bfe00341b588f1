import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals } from '@mesh/test-kit';
import { errorCodes, type MeshUnderTest } from '../mesh-fixture.js';

const ORDER_WITH_POSTINGS = `query($id: ID!) { order(id: $id) { number journalEntries { id } } }`;
const COMPLETED_ORDERS = `{ orders(filter: { status: COMPLETED }, first: 20) { edges { node { id number journalEntries { id source { type } } } } } }`;

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
      // A completed order of the history, with its postings (capture and cost of goods at least) while the ledger is up.
      const completed = await mesh().query<
        { orders: { edges: { node: { id: string; number: string; journalEntries: { id: string; source: { type: string } }[] } }[] } },
        Record<string, unknown>
      >(COMPLETED_ORDERS, {}, principals.admin);
      assert.equal(completed.errors, undefined, JSON.stringify(completed.errors));
      const order = completed
        .data!.orders.edges.map(({ node }) => node)
        .find((node) => node.journalEntries.some((entry) => entry.source.type === 'ORDER_CAPTURED'));
      assert.ok(order, 'the history has a completed order with postings');
      const postings = order.journalEntries.map((entry) => entry.id).sort();
      assert.ok(postings.length >= 2, `${order.number} has its capture and cost of goods posted`);
      await mesh().mesh.stopSubgraph('ledger');
      try {
        const response = await mesh().query<{ order: { number: string; journalEntries: unknown } | null }, Record<string, unknown>>(
          ORDER_WITH_POSTINGS,
          { id: order.id },
          principals.admin,
        );
        assert.equal(response.status, 200);
        assert.equal(response.data?.order?.number, order.number);
        assert.equal(response.data?.order?.journalEntries, null);
        assert.ok(errorCodes(response).includes('SUBGRAPH_UNAVAILABLE'), JSON.stringify(response.errors));
        const base = mesh().mesh.gatewayUrl.replace(/\/graphql$/, '');
        await new Promise((resolve) => setTimeout(resolve, 1100));
        assert.equal((await fetch(`${base}/ready`)).status, 503);
      } finally {
        await mesh().mesh.startSubgraph('ledger');
      }
      const recovered = await mesh().query<{ order: { journalEntries: { id: string }[] } }, Record<string, unknown>>(
        ORDER_WITH_POSTINGS,
        { id: order.id },
        principals.admin,
      );
      assert.equal(recovered.errors, undefined);
      assert.deepEqual(recovered.data?.order.journalEntries.map((entry) => entry.id).sort(), postings);
    });
  });
}
