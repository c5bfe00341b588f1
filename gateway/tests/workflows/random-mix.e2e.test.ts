import { after, before, describe, test } from 'node:test';
import { startMeshUnderTest, type MeshUnderTest } from '../mesh-fixture.js';
import { runRandomMix } from './random-mix.js';

// The seeded random mix (random-mix.ts) through one mesh: one process per service.
// MESH_MIX_SEED reproduces a run's commands; MESH_MIX_ORDERS sizes it.
const SEED = Number(process.env['MESH_MIX_SEED'] ?? 20_261_122);
const ORDERS = Number(process.env['MESH_MIX_ORDERS'] ?? 2000);
const REPRODUCE = `(MESH_MIX_SEED=${SEED} MESH_MIX_ORDERS=${ORDERS} reproduces this run)`;

let meshUnderTest: MeshUnderTest | undefined;

before(
  async () => {
    meshUnderTest = await startMeshUnderTest({ INVENTORY_RELAY_INTERVAL_MS: '250', SUBGRAPH_TIMEOUT_MS: '60000' });
  },
  { timeout: 300_000 },
);
after(async () => {
  await meshUnderTest?.stop();
});

describe('a seeded random mix of orders through every workflow', () => {
  test(`thousands of commands leave balanced, reconciled books, consistent stock and no stuck order ${REPRODUCE}`, { timeout: 1_800_000 }, async (t) => {
    if (!meshUnderTest) throw new Error('mesh not started');
    await runRandomMix({ graph: meshUnderTest, seed: SEED, orders: ORDERS, reproduce: REPRODUCE, diagnostic: (message) => t.diagnostic(message) });
  });
});
