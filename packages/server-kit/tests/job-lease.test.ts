import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mongoose';
import { startTestDatabase, type RunningDatabase } from '@mesh/embedded-mongo';
import { connectDatabase, createJobLease } from '../src/index.js';

// Two "replicas" are two connections to one database, each with its own lease objects.
let database: RunningDatabase;
let first: Connection;
let second: Connection;
let run = 0;
const jobName = () => `test-job-${++run}`;

before(async () => {
  database = await startTestDatabase();
  [first, second] = await Promise.all([
    connectDatabase({ uri: database.uri, dbName: 'lease_test' }),
    connectDatabase({ uri: database.uri, dbName: 'lease_test' }),
  ]);
});
after(async () => {
  await Promise.all([first?.close(), second?.close()]);
  await database?.stop();
});

describe('a job lease', () => {
  test('of twenty holders asking at once exactly one gets it, and the holder renews it while the others keep failing', async () => {
    const job = jobName();
    const leases = Array.from({ length: 20 }, (_, index) => createJobLease(index % 2 === 0 ? first : second, { job, ttlMs: 60_000 }));
    const taken = await Promise.all(leases.map((lease) => lease.tryAcquire()));
    assert.equal(taken.filter(Boolean).length, 1);
    const winner = leases[taken.indexOf(true)]!;
    assert.equal(await winner.tryAcquire(), true, 'the holder renews');
    const again = await Promise.all(leases.filter((lease) => lease !== winner).map((lease) => lease.tryAcquire()));
    assert.deepEqual(new Set(again), new Set([false]));
  });

  test('a released lease is taken at once by another holder; an expired one too, without a release', async () => {
    const job = jobName();
    const a = createJobLease(first, { job, ttlMs: 60_000 });
    const b = createJobLease(second, { job, ttlMs: 60_000 });
    assert.equal(await a.tryAcquire(), true);
    assert.equal(await b.tryAcquire(), false);
    await a.release();
    assert.equal(await b.tryAcquire(), true);
    assert.equal(await a.tryAcquire(), false);
    // b "crashes": it never releases. Its lease lapses as its expiry passes (dated into the past here).
    await second.collection('job_leases').updateOne({ _id: job as never }, { $set: { expiresAt: new Date(Date.now() - 1) } });
    assert.equal(await a.tryAcquire(), true);
    assert.equal(await b.tryAcquire(), false);
  });

  test("runExclusive never runs two holders' work at once, renews while the work outlasts the TTL, and releases after", async () => {
    const job = jobName();
    // A TTL shorter than the work: only the renewals keep the lease held.
    const leases = [createJobLease(first, { job, ttlMs: 200 }), createJobLease(second, { job, ttlMs: 200 })];
    let inside = 0;
    let most = 0;
    let ran = 0;
    let refused = 0;
    const work = async (signal: AbortSignal) => {
      inside += 1;
      most = Math.max(most, inside);
      // Longer than the TTL, so a missing renewal would let the other holder in.
      await new Promise((resolve) => setTimeout(resolve, 500));
      inside -= 1;
      assert.equal(signal.aborted, false, 'the lease was kept for the whole run');
    };
    for (let round = 0; round < 6; round++) {
      const outcomes = await Promise.all(leases.map((lease) => lease.runExclusive(work)));
      ran += outcomes.filter((outcome) => outcome.ran).length;
      refused += outcomes.filter((outcome) => !outcome.ran).length;
      for (const outcome of outcomes)
        if (!outcome.ran) assert.ok(outcome.holder === null || leases.some((lease) => lease.holder === outcome.holder), 'a refusal names the holder');
    }
    assert.equal(most, 1, 'never two runs at once');
    assert.ok(ran >= 6, `every round ran the work at least once (${ran})`);
    assert.equal(ran + refused, 12);
    // Released after each run: a third holder takes it at once.
    assert.equal(await createJobLease(first, { job, ttlMs: 200 }).tryAcquire(), true);
  });

  test('runWhenFree waits for the holder to finish, then runs', async () => {
    const job = jobName();
    const a = createJobLease(first, { job, ttlMs: 60_000 });
    const b = createJobLease(second, { job, ttlMs: 60_000 });
    const order: string[] = [];
    let finishA: () => void = () => {};
    const aHolds = new Promise<void>((resolve) => (finishA = resolve));
    const aStarted = new Promise<void>((started) => {
      void a.runExclusive(async () => {
        order.push('a started');
        started();
        await aHolds;
        order.push('a finished');
      });
    });
    await aStarted;
    const bDone = b.runWhenFree(async () => order.push('b ran'), { pollMs: 10 });
    // b is waiting behind a, and asking gets it nothing while a holds the lease.
    assert.equal(await b.tryAcquire(), false);
    assert.deepEqual(order, ['a started']);
    finishA();
    await bDone;
    assert.deepEqual(order, ['a started', 'a finished', 'b ran']);
  });

  test('work learns through its signal that the lease was taken over', async () => {
    const job = jobName();
    const a = createJobLease(first, { job, ttlMs: 60 });
    const outcome = await a.runExclusive(async (signal) => {
      // Another replica takes the lease (as if a's renewals had stalled past expiry).
      await second.collection('job_leases').updateOne({ _id: job as never }, { $set: { holder: 'someone-else', expiresAt: new Date(Date.now() + 60_000) } });
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return signal.aborted;
    });
    assert.deepEqual(outcome, { ran: true, value: true });
    const stored = await first.collection('job_leases').findOne({ _id: job as never });
    assert.equal(stored?.['holder'], 'someone-else', 'the loser does not release a lease it no longer holds');
  });
});
