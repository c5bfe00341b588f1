import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MeshReplica } from '@mesh/mesh-runner';
import { meshForThisFile } from '../mesh-fixture.js';
import { assertBurstSettled, assertNoDeadLetters, assertShippedAndPostedOnce, orderBurst, refusalCounts } from './burst-kit.js';
import { latencySummary, setAvailable } from './workflow-kit.js';

// Faults in the middle of a burst of flash-sale orders, through the real gateway: the inventory
// subgraph stopped and restarted, the nats-server stopped and started again on the same port and
// store, and an order replica killed outright while a second replica and gateway serve (the
// database restart is a soak test: tests/soak/database-restart.soak.test.ts). Clients resend a retryable refusal
// with the same idempotency key after its hint, to the next gateway, and any other error fails the
// test; every fault must leave the same end state (burst-kit.ts): each key one order, every order
// decided, exactly the stock there was sold, each effect once.
// The database is an H2 file here (not memory), so that it keeps its data across the restart.
const WAREHOUSE = 'loc_wh_nj';
const RUN = Date.now().toString(36);

const mesh = meshForThisFile({ INVENTORY_RELAY_INTERVAL_MS: '250', INVENTORY_EXPIRY_INTERVAL_MS: '30000', SUBGRAPH_TIMEOUT_MS: '60000' }, { persistent: true });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a flash sale loses nothing to a fault in the middle of a burst', () => {
  test(
    'with inventory stopped while 200 orders are placed, every order is confirmed or rejected once it is back, within stock',
    { timeout: 600_000 },
    async () => {
      const [sku, customerId, placedFrom] = ['SKU-0002-01', 'cus_00013', new Date()] as const;
      const start = await setAvailable(mesh(), sku, WAREHOUSE, 150);
      let stoppedAt = 0;
      const { answers, fault } = await orderBurst({
        gateways: [mesh()],
        keyPrefix: `${RUN}-inventory-down`,
        sku,
        customerId,
        locationId: WAREHOUSE,
        count: 200,
        concurrency: 40,
        faultAfter: 20,
        fault: async () => {
          await mesh().mesh.stopSubgraph('inventory');
          stoppedAt = Date.now();
        },
      });
      await fault;
      assert.ok(stoppedAt > 0, 'inventory was stopped during the burst');
      assert.ok(
        answers.some((answer) => answer.status === 'PENDING'),
        'some orders were answered PENDING while inventory was down',
      );
      await mesh().mesh.startSubgraph('inventory');

      await assertBurstSettled(mesh(), { customerId, placedFrom, answers, sku, locationId: WAREHOUSE, start });
    },
  );

  test(
    'with NATS stopped during a burst, every order is decided once it is back, and shipping posts exactly one balanced capture per order',
    { timeout: 600_000 },
    async (t) => {
      const [sku, customerId, placedFrom] = ['SKU-0002-02', 'cus_00014', new Date()] as const;
      const start = await setAvailable(mesh(), sku, WAREHOUSE, 60);
      const keyPrefix = `${RUN}-nats-down`;
      const { answers, refusals, fault } = await orderBurst({
        gateways: [mesh()],
        keyPrefix,
        sku,
        customerId,
        locationId: WAREHOUSE,
        count: 80,
        concurrency: 20,
        faultAfter: 10,
        fault: async () => {
          await mesh().mesh.stopNats();
          // The outage lasts a fixed while on purpose: it is the fault, not a wait for a condition.
          await pause(8000);
          await mesh().mesh.startNats();
        },
      });
      await fault;
      t.diagnostic(`${latencySummary(answers)}; refusals ${JSON.stringify(refusalCounts(refusals))}`);
      assert.ok(
        answers.some((answer) => answer.status === 'PENDING'),
        'some orders were answered PENDING while NATS was down',
      );

      const burst = { customerId, placedFrom, answers, sku, locationId: WAREHOUSE, start };
      const orders = await assertBurstSettled(mesh(), burst);
      await assertShippedAndPostedOnce(mesh(), burst, orders, keyPrefix);
      await assertNoDeadLetters(mesh());
    },
  );

  test(
    'with an order replica killed (SIGKILL) mid-burst, clients resend to the surviving gateway and every key still names one decided order',
    { timeout: 600_000 },
    async (t) => {
      const [sku, customerId, placedFrom] = ['SKU-0003-01', 'cus_00015', new Date()] as const;
      const start = await setAvailable(mesh(), sku, WAREHOUSE, 150);
      // A second order process and a second gateway that sends order operations only to it.
      const orderReplica = await mesh().mesh.startReplica('order');
      let gatewayReplica: MeshReplica | undefined;
      try {
        gatewayReplica = await mesh().mesh.startReplica('gateway', { subgraphUrls: { order: orderReplica.url } });
        const keyPrefix = `${RUN}-order-killed`;
        let killedAt = 0;
        const { answers, refusals, fault } = await orderBurst({
          gateways: [mesh(), mesh().alternating([gatewayReplica.url])],
          keyPrefix,
          sku,
          customerId,
          locationId: WAREHOUSE,
          count: 200,
          concurrency: 40,
          faultAfter: 40,
          fault: async () => {
            await orderReplica.kill();
            killedAt = Date.now();
          },
        });
        await fault;
        t.diagnostic(`${latencySummary(answers)}; refusals ${JSON.stringify(refusalCounts(refusals))}`);
        assert.ok(killedAt > 0, 'the order replica was killed during the burst');
        // Its gateway refuses (retryable) once the order process is gone; clients resend to the other one.
        assert.ok(
          refusals.some((refusal) => refusal.gateway === 1 && refusal.code === 'SUBGRAPH_UNAVAILABLE'),
          JSON.stringify(refusalCounts(refusals)),
        );

        const burst = { customerId, placedFrom, answers, sku, locationId: WAREHOUSE, start };
        const orders = await assertBurstSettled(mesh(), burst);
        await assertShippedAndPostedOnce(mesh(), burst, orders, keyPrefix);
        await assertNoDeadLetters(mesh());
      } finally {
        await gatewayReplica?.stop();
        await orderReplica.stop();
      }
    },
  );
});
