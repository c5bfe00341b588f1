import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { connectDatabase, createJobLease, createLogger, type JobLease } from '@mesh/server-kit';
import { startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import { createInventoryModels, createInventorySubgraph, type InventoryModels } from '../src/module.js';
import { RESERVATION_EXPIRY_JOB, startReservationExpiry } from '../src/jobs/expire-reservations.job.js';
import { reserveStock } from '../src/services/reserve-stock.service.js';
import { waitFor } from './event-fixtures.js';
import { setLevel, storedLevel } from './inventory-fixtures.js';

// Two replicas of inventory's expiry job on one database: each has its own connection, models
// and lease holder, and each runs its own timer, as two inventory processes would.
let database: RunningDatabase;
let subgraph: TestSubgraph;
let secondConnection: Connection;
const dbName = `test_inventory_expiry_${randomUUID().slice(0, 8)}`;
const logger = createLogger('inventory-expiry-test', { LOG_LEVEL: 'error' });
const HOUR = 3600_000;

before(async () => {
  database = await startTestDatabase();
  subgraph = await startTestSubgraph(createInventorySubgraph(), { mongoUri: database.uri, dbName, background: false });
  secondConnection = await connectDatabase({ uri: database.uri, dbName });
});
after(async () => {
  await secondConnection?.close();
  await subgraph?.close();
  await database?.stop();
});

interface RecordedPass {
  readonly replica: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly expired: number;
}

/** The lease a replica's job runs under, noting every pass it ran (timer-driven ones too) with what it expired. */
function recordingLease(lease: JobLease, replica: string, passes: RecordedPass[]): JobLease {
  return {
    ...lease,
    async runExclusive(work) {
      return lease.runExclusive(async (signal) => {
        const startedAt = performance.now();
        const value = await work(signal);
        const expired = (value as unknown as { expired?: number }).expired ?? 0;
        passes.push({ replica, startedAt, finishedAt: performance.now(), expired });
        return value;
      });
    },
  };
}

describe('the reservation expiry job on two replicas', () => {
  test('never runs two passes at once, and together the replicas expire each reservation exactly once', async (t) => {
    const sku = 'SKU-0031-01';
    const locationId = 'loc_wh_nj';
    const reservations = 240;
    await setLevel(subgraph, sku, locationId, { onHand: 1000, reserved: 0, safetyStock: 0 });
    const models: [InventoryModels, InventoryModels] = [createInventoryModels(subgraph.connection), createInventoryModels(secondConnection)];
    const held = await Promise.all(
      Array.from({ length: reservations }, (_, index) =>
        reserveStock(
          models[index % 2]!,
          { correlationId: 'corr-expiry-lease' },
          { key: `expiry-lease:${index}`, orderId: `ord_expiry_${index}`, locationId, lines: [{ sku, quantity: 1 + (index % 3) }], ttlMs: HOUR },
        ),
      ),
    );
    assert.ok(held.every((outcome) => outcome.kind === 'held'));
    const reservedUnits = held.reduce((sum, outcome) => sum + outcome.reservation.lines.reduce((units, line) => units + line.quantity, 0), 0);
    assert.equal((await storedLevel(subgraph, sku, locationId)).reserved, reservedUnits);

    const passes: RecordedPass[] = [];
    const leases = [
      createJobLease(subgraph.connection, { job: RESERVATION_EXPIRY_JOB, holder: 'replica-a' }),
      createJobLease(secondConnection, { job: RESERVATION_EXPIRY_JOB, holder: 'replica-b' }),
    ] as const;
    // Both timers fire every 5 ms: each replica tries a pass far more often than passes take.
    const jobs = leases.map((lease, index) =>
      startReservationExpiry(models[index]!, { intervalMs: 5, logger, lease: recordingLease(lease, lease.holder, passes) }),
    );
    try {
      // While someone else holds the lease (an operator, a third replica), both replicas' passes are skipped.
      const operator = createJobLease(subgraph.connection, { job: RESERVATION_EXPIRY_JOB, holder: 'operator' });
      await waitFor(() => operator.tryAcquire(), 'the lease between two passes');
      assert.deepEqual(await Promise.all(jobs.map((job) => job.runOnce())), [
        { ran: false, heldBy: 'operator' },
        { ran: false, heldBy: 'operator' },
      ]);
      await operator.release();

      // Every reservation falls due at once (as if its TTL had passed); BATCH is 100, so it takes several passes.
      await models[0].reservations.updateMany({ key: /^expiry-lease:/, status: 'HELD' }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
      await waitFor(
        async () => (await models[0].reservations.countDocuments({ key: /^expiry-lease:/, status: 'EXPIRED' })) === reservations,
        'every reservation expired',
        120_000,
      );
    } finally {
      await Promise.all(jobs.map((job) => job.stop()));
    }

    const ordered = [...passes].sort((a, b) => a.startedAt - b.startedAt);
    for (const [index, pass] of ordered.entries()) {
      const previous = ordered[index - 1];
      if (previous) assert.ok(pass.startedAt >= previous.finishedAt, `a pass of ${pass.replica} started while one of ${previous.replica} ran`);
    }
    const byReplica = (replica: string) => passes.filter((pass) => pass.replica === replica);
    const claimedBy = (replica: string) => byReplica(replica).reduce((sum, pass) => sum + pass.expired, 0);
    const shares = `replica a: ${byReplica('replica-a').length} passes, ${claimedBy('replica-a')} expired; replica b: ${byReplica('replica-b').length} passes, ${claimedBy('replica-b')} expired`;
    assert.equal(claimedBy('replica-a') + claimedBy('replica-b'), reservations, `each reservation claimed by one pass (${shares})`);

    // Exactly once in effect: one reservation-released per reservation, and the units back once.
    const stored = await models[0].reservations.find({ key: /^expiry-lease:/ }, { status: 1, pendingEvents: 1 }).lean();
    for (const reservation of stored) {
      const released = (reservation.pendingEvents ?? []).filter((event) => event.type === 'inventory.reservation-released');
      assert.equal(released.length, 1, `${String(reservation._id)} released once`);
    }
    assert.deepEqual(await storedLevel(subgraph, sku, locationId), { onHand: 1000, reserved: 0, safetyStock: 0, free: 1000, atp: 1000 });
    const lease = await subgraph.connection.collection('job_leases').findOne({ _id: RESERVATION_EXPIRY_JOB as never });
    assert.ok(lease && (lease['expiresAt'] as Date).getTime() <= Date.now(), 'the last pass released the lease');
    t.diagnostic(shares);
  });
});
