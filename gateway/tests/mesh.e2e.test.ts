import { after, before } from 'node:test';
import { startMeshUnderTest, type MeshUnderTest } from './mesh-fixture.js';
import { accessSuite } from './suites/access.suite.js';
import { badInputSuite } from './suites/bad-input.suite.js';
import { batchingSuite } from './suites/batching.suite.js';
import { ledgerIntegritySuite } from './suites/ledger-integrity.suite.js';
import { resilienceSuite } from './suites/resilience.suite.js';
import { sixthSubgraphSuite } from './suites/sixth-subgraph.suite.js';
import { spanningQuerySuite } from './suites/spanning-query.suite.js';

// One mesh (real processes, real HTTP, real database) for every suite in this file: starting
// and seeding it is the expensive part. Its order history (200 orders of the plan: shipped,
// picked up, cancelled, till sales, returns, goodwill refunds) is placed through the real
// workflows, so the suites discover their orders and postings through the graph. Suites that only
// read run first; the ones that write or stop services run last.
const HISTORY_ORDERS = 200;
let meshUnderTest: MeshUnderTest | undefined;
const mesh = (): MeshUnderTest => {
  if (!meshUnderTest) throw new Error('mesh not started');
  return meshUnderTest;
};

before(
  async () => {
    meshUnderTest = await startMeshUnderTest({}, { history: HISTORY_ORDERS });
  },
  { timeout: 900_000 },
);
after(async () => {
  await meshUnderTest?.stop();
});

spanningQuerySuite(mesh);
sixthSubgraphSuite(mesh);
batchingSuite(mesh);
ledgerIntegritySuite(mesh);
accessSuite(mesh);
badInputSuite(mesh);
resilienceSuite(mesh);
