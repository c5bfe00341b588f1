import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { meshForThisFile } from '../mesh-fixture.js';
import { assertBurstSettled, assertNoDeadLetters, assertShippedAndPostedOnce, orderBurst, refusalCounts } from '../workflows/burst-kit.js';
import { latencySummary, setAvailable } from '../workflows/workflow-kit.js';

// Soak (npm run test:soak, not part of npm test): the database stopped and started again on the
// same port and data in the middle of a flash-sale burst, through the real gateway. Kept out of the
// every-run suite because about one run in six hangs in the MongoDB driver (7.8.0) after the
// restart: a write can wait for a 'drain' that a destroyed socket never emits, and that service
// never reconnects (see the README's known limits); the test then ends within about 2 minutes.
// Clients resend a retryable refusal with the same idempotency key after its hint, and any other
// error fails the test; the end state is the one every fault must leave (burst-kit.ts).
// The database is an H2 file here (not memory), so that it keeps its data across the restart.
const WAREHOUSE = 'loc_wh_nj';
const RUN = Date.now().toString(36);

const mesh = meshForThisFile({ INVENTORY_RELAY_INTERVAL_MS: '250', INVENTORY_EXPIRY_INTERVAL_MS: '30000', SUBGRAPH_TIMEOUT_MS: '60000' }, { persistent: true });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a flash sale loses nothing to a database restart in the middle of a burst', () => {
  test(
    'with the database restarted mid-burst, placeOrder refuses with a retryable DATABASE_UNAVAILABLE meanwhile and every order is decided and posted once',
    { timeout: 600_000 },
    async (t) => {
      const [sku, customerId, placedFrom] = ['SKU-0004-01', 'cus_00016', new Date()] as const;
      const start = await setAvailable(mesh(), sku, WAREHOUSE, 100);
      const keyPrefix = `${RUN}-database-down`;
      let restartedAt = 0;
      const { answers, refusals, fault } = await orderBurst({
        gateways: [mesh()],
        keyPrefix,
        sku,
        customerId,
        locationId: WAREHOUSE,
        count: 150,
        concurrency: 30,
        faultAfter: 20,
        fault: async () => {
          await mesh().mesh.stopDatabase();
          // Longer than the driver's server selection timeout (10 s), so that requests are refused, not only slow.
          await pause(12_000);
          await mesh().mesh.startDatabase();
          restartedAt = Date.now();
        },
      });
      await fault;
      t.diagnostic(`${latencySummary(answers)}; refusals ${JSON.stringify(refusalCounts(refusals))}`);
      assert.ok(restartedAt > 0, 'the database was restarted during the burst');
      assert.ok(
        refusals.some((refusal) => refusal.code === 'DATABASE_UNAVAILABLE'),
        'placeOrder refused while the database was down',
      );
      assert.ok(
        refusals.every(
          (refusal) => refusal.retryable && ['DATABASE_UNAVAILABLE', 'INTAKE_SATURATED', 'CATALOG_UNAVAILABLE', 'CUSTOMER_UNAVAILABLE'].includes(refusal.code),
        ),
        JSON.stringify(refusalCounts(refusals)),
      );

      const burst = { customerId, placedFrom, answers, sku, locationId: WAREHOUSE, start };
      const orders = await assertBurstSettled(mesh(), burst);
      await assertShippedAndPostedOnce(mesh(), burst, orders, keyPrefix);
      await assertNoDeadLetters(mesh());
    },
  );
});
