import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FINAL_ORDER_STATUSES, seedHistory, type SeedHistorySummary } from '@mesh/mesh-runner';
import { retailDataset } from '@mesh/seed-data';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '../src/module.js';
import { startMeshUnderTest, type MeshUnderTest } from './mesh-fixture.js';

// The first 200 orders of the plan hold some of everything: ship, pickup, ship-from-store,
// cancelled, till sales, full and partial returns (one damaged), goodwill refunds.
const PLAN_ORDERS = 200;
const plan = retailDataset().orders.slice(0, PLAN_ORDERS);
const admin = principals.admin;

let meshUnderTest: MeshUnderTest;
let interrupted: SeedHistorySummary;
let resumed: SeedHistorySummary;

before(
  async () => {
    meshUnderTest = await startMeshUnderTest({ INVENTORY_RELAY_INTERVAL_MS: '200', INVENTORY_EXPIRY_INTERVAL_MS: '60000' });
    const adminToken = await signDevToken(admin);
    const stop = new AbortController();
    // Interrupted once about a third of the plan is done; the second run resumes it.
    interrupted = await seedHistory({
      gatewayUrl: meshUnderTest.mesh.gatewayUrl,
      adminToken,
      orders: PLAN_ORDERS,
      signal: stop.signal,
      onProgress: (done) => {
        if (done >= PLAN_ORDERS / 3) stop.abort();
      },
    });
    resumed = await seedHistory({ gatewayUrl: meshUnderTest.mesh.gatewayUrl, adminToken, orders: PLAN_ORDERS });
  },
  { timeout: 600_000 },
);
after(async () => {
  await meshUnderTest?.stop();
});

const total = (byStatus: Readonly<Record<string, number>>) => Object.values(byStatus).reduce((sum, count) => sum + count, 0);

async function journalCount(sourceType: string): Promise<number> {
  const response = await meshUnderTest.query<{ journalEntries: { totalCount: number } }, Record<string, unknown>>(
    'query($t: String) { journalEntries(filter: { sourceType: $t }, first: 1) { totalCount } }',
    { t: sourceType },
    admin,
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.journalEntries.totalCount;
}

/** Waits until the ledger has posted a capture for every order that was captured (consumers run behind the commands). */
async function untilLedgerCaughtUp(captured: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await journalCount('ORDER_CAPTURED')) < captured) {
    if (Date.now() > deadline) assert.fail(`the ledger did not post ${captured} captures in time`);
    await sleep(500);
  }
}

describe('seeding the history through the workflows', () => {
  test('an interrupted replay stopped early, and the resumed one brought every plan order to a final state without failures', () => {
    assert.equal(interrupted.aborted, true);
    assert.ok(total(interrupted.byStatus) < PLAN_ORDERS, `interrupted after ${total(interrupted.byStatus)} orders`);
    assert.deepEqual(resumed.failures, []);
    assert.equal(resumed.aborted, false);
    for (const status of Object.keys(resumed.byStatus)) assert.ok((FINAL_ORDER_STATUSES as readonly string[]).includes(status), `${status} is final`);
  });

  test('the mesh holds exactly one order per plan order: nothing was duplicated by the resumption', () => {
    assert.equal(total(resumed.byStatus), PLAN_ORDERS);
    const cancelled = plan.filter((order) => order.status === 'CANCELLED').length;
    const returned = plan.filter((order) => order.returnPlan).length;
    assert.equal(resumed.byStatus['CANCELLED'] ?? 0, cancelled);
    assert.equal((resumed.byStatus['RETURNED'] ?? 0) + (resumed.byStatus['PARTIALLY_RETURNED'] ?? 0), returned);
  });

  test('replaying the same plan again changes nothing', async () => {
    const again = await seedHistory({ gatewayUrl: meshUnderTest.mesh.gatewayUrl, adminToken: await signDevToken(admin), orders: PLAN_ORDERS });
    assert.deepEqual(again.failures, []);
    assert.deepEqual(again.byStatus, resumed.byStatus);
  });

  test('stock never went negative: every touched level is the opening stock less what was sold plus what came back sellable', async () => {
    const data = retailDataset();
    const expected = new Map<string, number>();
    const opening = new Map(data.stockLevels.map((level) => [`${level.sku}|${level.locationId}`, level.onHand]));
    for (const order of plan) {
      for (const [index, line] of order.lines.entries()) {
        const key = `${line.sku}|${order.fulfillment.locationId}`;
        let delta = order.status === 'COMPLETED' ? -line.quantity : 0;
        const back = order.returnPlan?.disposition === 'SELLABLE' ? order.returnPlan.lines.find((returned) => returned.lineNumber === index + 1) : undefined;
        if (back) delta += back.quantity;
        expected.set(key, (expected.get(key) ?? opening.get(key)!) + delta);
      }
    }
    const byLocation = new Map<string, string[]>();
    for (const key of expected.keys()) {
      const [sku, locationId] = key.split('|') as [string, string];
      byLocation.set(locationId, [...(byLocation.get(locationId) ?? []), sku]);
    }
    // Inventory applies sale and return movements from events: wait until it has caught up.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const mismatches: string[] = [];
      for (const [locationId, skus] of byLocation) {
        const response = await meshUnderTest.query<
          { availability: { sku: string; levels: { onHand: number; reserved: number; available: number }[] }[] },
          Record<string, unknown>
        >(
          'query($skus: [ID!]!, $l: ID!) { availability(skus: $skus, locationIds: [$l]) { sku levels { onHand reserved available } } }',
          { skus, l: locationId },
          admin,
        );
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        for (const entry of response.data!.availability) {
          const level = entry.levels[0]!;
          assert.ok(level.onHand >= 0 && level.available >= 0, `${entry.sku} at ${locationId} is not negative`);
          if (level.onHand !== expected.get(`${entry.sku}|${locationId}`) || level.reserved !== 0)
            mismatches.push(`${entry.sku}@${locationId}: ${JSON.stringify(level)}`);
        }
      }
      if (mismatches.length === 0) break;
      if (Date.now() > deadline) assert.fail(`stock differs from the plan: ${mismatches.slice(0, 5).join(', ')}`);
      await sleep(500);
    }
  });

  test('the ledger posted one capture per captured order, its trial balance is zero and its stored balances equal the recomputed ones', async () => {
    const captured = plan.filter((order) => order.status === 'COMPLETED').length;
    await untilLedgerCaughtUp(captured);
    assert.equal(await journalCount('ORDER_CAPTURED'), captured);
    for (const currency of ['USD', 'EUR']) {
      const response = await meshUnderTest.query<
        {
          trialBalance: {
            balanced: boolean;
            totalDebit: { minorUnits: string };
            totalCredit: { minorUnits: string };
            lines: { account: { code: string; balance: { minorUnits: string } }; balance: { minorUnits: string } }[];
          };
        },
        Record<string, unknown>
      >(
        'query($c: CurrencyCode!) { trialBalance(currency: $c) { balanced totalDebit { minorUnits } totalCredit { minorUnits } lines { account { code balance(currency: $c) { minorUnits } } balance { minorUnits } } } }',
        { c: currency },
        admin,
      );
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const report = response.data!.trialBalance;
      assert.equal(report.balanced, true, currency);
      assert.equal(report.totalDebit.minorUnits, report.totalCredit.minorUnits, currency);
      for (const line of report.lines) assert.equal(line.account.balance.minorUnits, line.balance.minorUnits, `${currency} ${line.account.code}`);
    }
  });

  test('reconciliation reports no mismatch for today and for the days of the till sales', async () => {
    const days = new Set([
      new Date().toISOString().slice(0, 10),
      ...plan
        .filter((order) => order.channel === 'POS')
        .slice(0, 5)
        .map((order) => order.placedAt.toISOString().slice(0, 10)),
    ]);
    for (const date of days) {
      const response = await meshUnderTest.query<{ reconciliation: { reconciled: boolean; mismatches: { orderId: string }[] } }, Record<string, unknown>>(
        'query($d: String!) { reconciliation(date: $d) { reconciled mismatches { orderId } } }',
        { d: date },
        admin,
      );
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.deepEqual(response.data!.reconciliation.mismatches, [], date);
      assert.equal(response.data!.reconciliation.reconciled, true, date);
    }
  });
});
