import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MeshReplica, SubgraphName } from '@mesh/mesh-runner';
import { requestCount, startMeshUnderTest, type GatewayQuery, type GatewayResponse, type MeshUnderTest } from '../mesh-fixture.js';
import { runRandomMix } from './random-mix.js';
import { admin } from './workflow-kit.js';

// The seeded random mix (random-mix.ts) on a scaled-out mesh: two processes of every subgraph and
// two gateways on one NATS and one database. The first gateway uses the first processes, the
// second gateway the replicas (the order replica prices through the product replica), and the
// mix's requests alternate between the gateways, so both processes of every service serve
// requests, and relays, consumers and the expiry job (every second here, so both inventory
// processes contend for its lease) run twice over the same data.
// MESH_MIX_SEED reproduces a run's commands; MESH_REPLICA_MIX_ORDERS sizes it (default 500, about two
// minutes with start-up on a 2-core machine).
const SEED = Number(process.env['MESH_MIX_SEED'] ?? 20_261_203);
const ORDERS = Number(process.env['MESH_REPLICA_MIX_ORDERS'] ?? 500);
const REPRODUCE = `(MESH_MIX_SEED=${SEED} MESH_REPLICA_MIX_ORDERS=${ORDERS} reproduces this run)`;

let meshUnderTest: MeshUnderTest | undefined;
const replicas = new Map<SubgraphName | 'gateway', MeshReplica>();

before(
  async () => {
    meshUnderTest = await startMeshUnderTest({ INVENTORY_RELAY_INTERVAL_MS: '250', INVENTORY_EXPIRY_INTERVAL_MS: '1000', SUBGRAPH_TIMEOUT_MS: '60000' });
    const { mesh } = meshUnderTest;
    // One at a time: each start connects, builds indexes and joins the consumers on a busy machine.
    for (const name of ['product', 'inventory', 'customer', 'ledger'] as const) replicas.set(name, await mesh.startReplica(name));
    replicas.set('order', await mesh.startReplica('order', { subgraphUrls: { product: replicaOf('product').url } }));
    const subgraphUrls = Object.fromEntries((['product', 'inventory', 'order', 'customer', 'ledger'] as const).map((name) => [name, replicaOf(name).url]));
    replicas.set('gateway', await mesh.startReplica('gateway', { subgraphUrls }));
  },
  { timeout: 300_000 },
);
after(async () => {
  await meshUnderTest?.stop();
});

function replicaOf(name: SubgraphName | 'gateway'): MeshReplica {
  const replica = replicas.get(name);
  if (!replica) throw new Error(`no replica of ${name} started`);
  return replica;
}

const metricsOf = async (graphqlUrl: string) => (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();

describe('the random mix on two replicas of every service', () => {
  test(`two processes of each subgraph and two gateways keep every invariant of the mix ${REPRODUCE}`, { timeout: 1_800_000 }, async (t) => {
    if (!meshUnderTest) throw new Error('mesh not started');
    const { mesh } = meshUnderTest;
    const started = Date.now();
    await runRandomMix({
      graph: meshUnderTest.alternating([mesh.gatewayUrl, replicaOf('gateway').url]),
      seed: SEED,
      orders: ORDERS,
      reproduce: REPRODUCE,
      diagnostic: (message) => t.diagnostic(message),
    });
    t.diagnostic(`the mix of ${ORDERS} orders took ${Math.round((Date.now() - started) / 1000)} s`);

    // Nothing lost silently: no event was parked as a dead letter by either process of any consumer.
    const letters = await meshUnderTest.query<{ deadLetters: { consumer: string; topic: string; errorMessage: string }[] }, Record<string, never>>(
      '{ deadLetters { consumer topic errorMessage } }',
      {},
      admin,
    );
    assert.equal(letters.errors, undefined, JSON.stringify(letters.errors));
    assert.deepEqual(letters.data?.deadLetters, [], REPRODUCE);

    // The mix never reads customers; a page of them through each gateway reaches both customer processes.
    for (const gatewayUrl of [mesh.gatewayUrl, replicaOf('gateway').url]) {
      const viaGateway: GatewayQuery = meshUnderTest.alternating([gatewayUrl]);
      const customers: GatewayResponse<{ customers: { edges: unknown[] } }> = await viaGateway.query(
        '{ customers(first: 5) { edges { node { id } } } }',
        {},
        admin,
      );
      assert.equal(customers.errors, undefined, JSON.stringify(customers.errors));
      assert.equal(customers.data?.customers.edges.length, 5);
    }

    // Both processes of every service served requests.
    const served: string[] = [];
    for (const name of ['gateway', 'product', 'inventory', 'order', 'customer', 'ledger'] as const) {
      const [first, second] = await Promise.all([meshUnderTest.metrics(name), metricsOf(replicaOf(name).url)]);
      served.push(`${name} ${requestCount(first)} + ${requestCount(second)}`);
      assert.ok(
        requestCount(first) > 0 && requestCount(second) > 0,
        `both processes of ${name} served requests (${requestCount(first)} and ${requestCount(second)})`,
      );
    }
    t.diagnostic(`GraphQL requests served per process: ${served.join(', ')}`);
  });
});
