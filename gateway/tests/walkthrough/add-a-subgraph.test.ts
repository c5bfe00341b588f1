import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type Principal, type RunningHttpService } from '@mesh/server-kit';
import { customerSubgraph } from '@mesh/customer-subgraph';
import { TEST_INTERNAL_SECRET, principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { loadGatewayConfig, signDevToken, startGateway } from '../../src/module.js';
import { eventually, post, writeSupergraph, type PostResult } from '../supergraph/gateway-kit.js';
import { composeToySupergraph } from '../supergraph/toy-subgraphs.js';
import { createStoreHoursSubgraph, type StoreHoursSubgraph } from './hours/module.js';

// Follows the README's "Add a subgraph" walkthrough: a toy domain built from the one shape
// (./hours: the same file names as every subgraph), started by the kit on the embedded database,
// composed with a real subgraph (customer) and served by the gateway the project ships.

// The walkthrough's contract: a module that stops matching the kit's shape does not compile.
const hoursSubgraph: StoreHoursSubgraph = createStoreHoursSubgraph({ reopenSweepMs: 50 });

const STORE_HOURS = 'query ($storeId: ID!) { storeHours(storeId: $storeId) { storeId opensAt closesAt closedUntil } }';
const SET_HOURS = `mutation ($input: SetStoreHoursInput!) { setStoreHours(input: $input) { storeId opensAt closesAt closedUntil } }`;

interface StoreHoursData {
  storeHours: { storeId: string; opensAt: string; closesAt: string; closedUntil: string | null } | null;
}

describe('adding a subgraph by the walkthrough', () => {
  let database: Awaited<ReturnType<typeof startTestDatabase>>;
  let hours: TestSubgraph;
  let customer: TestSubgraph;
  let gateway: RunningHttpService;

  const send = async <T>(query: string, variables: Record<string, unknown>, principal?: Principal): Promise<PostResult<T>> =>
    post<T>(gateway.url, { query, variables }, principal ? { authorization: `Bearer ${await signDevToken(principal)}` } : {});

  before(async () => {
    database = await startTestDatabase();
    [hours, customer] = await Promise.all([
      startTestSubgraph(hoursSubgraph, { mongoUri: database.uri }),
      startTestSubgraph(customerSubgraph, { mongoUri: database.uri }),
    ]);
    const supergraph = composeToySupergraph({ hours: hours.url, customer: customer.url }, [hoursSubgraph, customerSubgraph]);
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      GATEWAY_PORT: '0',
      MESH_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      SUPERGRAPH_PATH: writeSupergraph(supergraph),
      SUPERGRAPH_POLL_MS: '0',
    });
    gateway = await startGateway(config, createLogger('gateway-test', { LOG_LEVEL: 'silent' }));
  });

  after(async () => {
    await gateway?.close();
    await Promise.all([hours?.close(), customer?.close()]);
    await database?.stop();
  });

  test('the store associate sets the hours and the gateway serves them beside the composed subgraph', async () => {
    const set = await send(SET_HOURS, { input: { storeId: 'loc_nyc01', opensAt: '09:00', closesAt: '21:00' } }, principals.associate);
    assert.equal(set.body.errors, undefined, JSON.stringify(set.body.errors));
    const read = await send<StoreHoursData & { me: { id: string } | null }>(
      `query ($storeId: ID!) { storeHours(storeId: $storeId) { storeId opensAt closesAt closedUntil } me { id } }`,
      { storeId: 'loc_nyc01' },
      principals.customer('cus_00001'),
    );
    assert.equal(read.body.errors, undefined, JSON.stringify(read.body.errors));
    assert.deepEqual(read.body.data?.storeHours, { storeId: 'loc_nyc01', opensAt: '09:00', closesAt: '21:00', closedUntil: null });
    assert.equal(read.body.data?.me?.id, 'cus_00001', 'the customer subgraph answers in the same operation');
  });

  test('a caller without the right gets FORBIDDEN and changes nothing', async () => {
    const before = await send<StoreHoursData>(STORE_HOURS, { storeId: 'loc_nyc01' });
    for (const principal of [principals.customer('cus_00001'), principals.analyst, { ...principals.associate, storeId: 'loc_sfo01' }]) {
      const refused = await send(SET_HOURS, { input: { storeId: 'loc_nyc01', opensAt: '00:00', closesAt: '23:59' } }, principal);
      assert.equal(refused.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN', `${principal.role}: ${JSON.stringify(refused.body)}`);
    }
    const anonymous = await send(SET_HOURS, { input: { storeId: 'loc_nyc01', opensAt: '00:00', closesAt: '23:59' } });
    assert.equal(anonymous.body.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
    assert.deepEqual((await send<StoreHoursData>(STORE_HOURS, { storeId: 'loc_nyc01' })).body.data, before.body.data);
  });

  test("the domain's own error code reaches the client through the gateway", async () => {
    const invalid = await send(SET_HOURS, { input: { storeId: 'loc_nyc01', opensAt: '21:00', closesAt: '09:00' } }, principals.admin);
    assert.equal(invalid.body.errors?.[0]?.extensions?.['code'], 'INVALID_HOURS');
  });

  test("the module's background work runs: a closure that has passed is cleared", async () => {
    const closedUntil = new Date(Date.now() + 200).toISOString();
    const set = await send<{ setStoreHours: { closedUntil: string | null } }>(
      SET_HOURS,
      { input: { storeId: 'loc_nyc01', opensAt: '09:00', closesAt: '21:00', closedUntil } },
      principals.admin,
    );
    assert.equal(set.body.data?.setStoreHours.closedUntil, closedUntil);
    await eventually(
      async () => ((await send<StoreHoursData>(STORE_HOURS, { storeId: 'loc_nyc01' })).body.data?.storeHours?.closedUntil === null ? true : undefined),
      'the reopen job',
    );
  });
});
