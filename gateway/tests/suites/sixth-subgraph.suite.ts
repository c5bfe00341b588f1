import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { composeServices } from '@apollo/composition';
import { principals } from '@mesh/test-kit';
import { readSchemaSlices, type RunningHttpService } from '@mesh/server-kit';
import { parse } from 'graphql';
import { signDevToken } from '../../src/dev-tokens.js';
import type { MeshUnderTest } from '../mesh-fixture.js';
import { post, startGatewayOn, writeSupergraph } from '../supergraph/gateway-kit.js';
import { startToySubgraphs, type RunningToySubgraphs, type ToySubgraph } from '../supergraph/toy-subgraphs.js';

// A loyalty team brings a sixth domain: its own service (here a plain Apollo subgraph), the six
// schemas composed into one supergraph, and a gateway started on that file. No gateway code
// knows the new name; the gateway routes every subgraph by the supergraph's join__graph URLs.

const RETAIL = ['product', 'inventory', 'order', 'customer', 'ledger'] as const;

const loyalty: ToySubgraph = {
  name: 'loyalty',
  typeDefs: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    "A shopper's loyalty account, kept by the loyalty domain."
    type LoyaltyAccount { points: Int! tier: String! }
    type Customer @key(fields: "id") { id: ID! "The customer's loyalty account." loyaltyAccount: LoyaltyAccount! }`,
  resolvers: {
    Customer: {
      __resolveReference: (ref: { id: string }) => ref,
      loyaltyAccount: (customer: { id: string }) => {
        const points = [...customer.id].reduce((sum, char) => sum + char.charCodeAt(0), 0);
        return { points, tier: points > 700 ? 'GOLD' : 'SILVER' };
      },
    },
  },
};

const CUSTOMER_PAGE = `query Customer($id: ID!) {
  customer(id: $id) { id name orders(first: 3) { totalCount edges { node { number lines { variant { sku product { name } } } } } } }
}`;
const WITH_LOYALTY = CUSTOMER_PAGE.replace('{ id name', '{ id name loyaltyAccount { points tier }');

export function sixthSubgraphSuite(mesh: () => MeshUnderTest): void {
  describe('a sixth domain joins by composition and configuration alone', () => {
    let service: RunningToySubgraphs;
    let gateway: RunningHttpService;

    before(async () => {
      service = await startToySubgraphs([loyalty]);
      const { subgraphUrls } = mesh().mesh;
      const composed = composeServices([
        ...RETAIL.map((name) => ({
          name,
          url: subgraphUrls[name],
          typeDefs: parse(readSchemaSlices(new URL(`../../../subgraphs/${name}/src/`, import.meta.url))),
        })),
        { name: loyalty.name, url: service.urls['loyalty'] ?? '', typeDefs: parse(loyalty.typeDefs) },
      ]);
      if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
      const secret = process.env['MESH_INTERNAL_SECRET'];
      gateway = await startGatewayOn(writeSupergraph(composed.supergraphSdl), secret ? { MESH_INTERNAL_SECRET: secret } : { MESH_INTERNAL_SECRET: '' });
    });
    after(async () => {
      await gateway?.close();
      await service?.close();
    });

    test('one query spans the five retail domains and the new one, and the retail part answers as the mesh gateway does', async () => {
      const ids = await mesh().query<{ orders: { edges: { node: { customer: { id: string } } }[] } }, Record<string, never>>(
        '{ orders(first: 1) { edges { node { customer { id } } } } }',
        {},
        principals.admin,
      );
      const customerId = ids.data?.orders.edges[0]?.node.customer.id;
      assert.ok(customerId, 'the history has an order with a customer');
      const authorization = `Bearer ${await signDevToken(principals.admin)}`;
      const sixth = await post<{ customer: Record<string, unknown> & { loyaltyAccount: { points: number; tier: string } } }>(
        gateway.url,
        { query: WITH_LOYALTY, variables: { id: customerId } },
        { authorization },
      );
      assert.equal(sixth.body.errors, undefined, JSON.stringify(sixth.body.errors));
      const five = await mesh().query<{ customer: Record<string, unknown> }, { id: string }>(CUSTOMER_PAGE, { id: customerId }, principals.admin);
      const { loyaltyAccount, ...retail } = sixth.body.data?.customer ?? { loyaltyAccount: { points: 0, tier: '' } };
      assert.deepEqual(retail, five.data?.customer);
      assert.ok(loyaltyAccount.points > 0);
      assert.match(loyaltyAccount.tier, /^(GOLD|SILVER)$/);
      assert.ok(((retail['orders'] as { totalCount: number }).totalCount ?? 0) >= 1);
    });
  });
}
