import { after, before } from 'node:test';
import { startMeshUnderTest, type MeshUnderTest } from './mesh-fixture.js';
import { accessSuite } from './suites/access.suite.js';
import { badInputSuite } from './suites/bad-input.suite.js';
import { batchingSuite } from './suites/batching.suite.js';
import { ledgerIntegritySuite } from './suites/ledger-integrity.suite.js';
import { resilienceSuite } from './suites/resilience.suite.js';
import { spanningQuerySuite } from './suites/spanning-query.suite.js';

// One mesh (real processes, real HTTP, real database) for every suite in this file: starting
// and seeding it is the expensive part. Suites that only read run first; the ones that write or
// stop services run last.
let meshUnderTest: MeshUnderTest | undefined;
const mesh = (): MeshUnderTest => {
  if (!meshUnderTest) throw new Error('mesh not started');
  return meshUnderTest;
};

before(async () => {
  meshUnderTest = await startMeshUnderTest();
}, { timeout: 300_000 });
after(async () => {
  await meshUnderTest?.stop();
});

spanningQuerySuite(mesh);
batchingSuite(mesh);
ledgerIntegritySuite(mesh);
accessSuite(mesh);
badInputSuite(mesh);
resilienceSuite(mesh);
