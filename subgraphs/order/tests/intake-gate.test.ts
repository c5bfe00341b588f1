import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphQLError } from 'graphql';
import { IntakeGate, type AdmissionSettlement } from '../src/placement/intake-gate.js';

/**
 * The intake's line, in process: who is admitted, in what order, and when a caller is refused.
 * (order-intake.test.ts drives the same gate through placeOrder against real servers.)
 */
const codeOf = (error: unknown) => (error as GraphQLError).extensions?.['code'];

/** Whether `promise` settled within `ms` (without consuming its outcome). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    sleep(ms).then(() => false),
  ]);
}

describe('the intake line', () => {
  test('past the backlog a caller waits in line and is admitted when a decision frees a place, first come first served', async () => {
    const gate = new IntakeGate(2, 5000);
    const first = await gate.admit();
    const second = await gate.admit();
    first('ord_1');
    second('ord_2');
    const admitted: string[] = [];
    const third = gate.admit().then((settle) => (admitted.push('third'), settle));
    const fourth = gate.admit().then((settle) => (admitted.push('fourth'), settle));
    assert.equal(gate.waiting, 2);
    assert.equal(await settlesWithin(third, 100), false, 'no place is free yet');
    gate.decided('ord_1');
    (await third)('ord_3');
    assert.deepEqual(admitted, ['third']);
    assert.equal(await settlesWithin(fourth, 50), false);
    gate.decided('ord_2');
    await fourth;
    assert.deepEqual(admitted, ['third', 'fourth']);
    assert.equal(gate.waiting, 0);
    assert.equal(gate.backlog, 2);
  });

  test('a caller admitted from the line whose order is not stored after all passes its place on', async () => {
    const gate = new IntakeGate(1, 5000);
    const first = await gate.admit();
    const next = gate.admit();
    first(); // validation failed after admission: nothing stored
    const settle: AdmissionSettlement = await next;
    settle('ord_9');
    assert.equal(gate.backlog, 1);
  });

  test('a caller not admitted within its wait is refused with a retryable INTAKE_SATURATED, and leaves the line', async () => {
    const gate = new IntakeGate(1, 5000);
    (await gate.admit())('ord_1');
    const started = Date.now();
    await assert.rejects(gate.admit(80), (error) => {
      assert.equal(codeOf(error), 'INTAKE_SATURATED');
      const extensions = (error as GraphQLError).extensions as { retryable: boolean; retryAfterMs: number };
      assert.equal(extensions.retryable, true);
      // No rate to go by yet: come back in about a second.
      assert.ok(extensions.retryAfterMs >= 500 && extensions.retryAfterMs <= 1500, `retryAfterMs ${extensions.retryAfterMs}`);
      return true;
    });
    assert.ok(Date.now() - started >= 70, 'it waited its turn first');
    assert.equal(gate.waiting, 0);
  });

  test('with no wait allowed a saturated intake refuses at once', async () => {
    const gate = new IntakeGate(1, 0);
    (await gate.admit())('ord_1');
    const started = Date.now();
    await assert.rejects(gate.admit(), (error) => codeOf(error) === 'INTAKE_SATURATED');
    assert.ok(Date.now() - started < 50);
  });

  test('a caller the measured decision rate could not reach within its wait is refused at once, with a hint from that rate', async () => {
    const gate = new IntakeGate(30, 5000);
    const ids = Array.from({ length: 30 }, (_, index) => `ord_${index}`);
    for (const id of ids) (await gate.admit())(id);
    // 20 decisions over about 1 s: about 20 a second; each frees a place that a new order takes.
    for (const id of ids.slice(0, 20)) {
      gate.decided(id);
      (await gate.admit())(`${id}_next`);
      await sleep(55);
    }
    // A 100 ms wait reaches about two callers at 20 a second: the third is told at once.
    const waiting = [gate.admit(100), gate.admit(100)];
    const started = Date.now();
    await assert.rejects(gate.admit(100), (error) => {
      const retryAfterMs = ((error as GraphQLError).extensions as { retryAfterMs: number }).retryAfterMs;
      // About 32 ahead at about 20 a second (fewer on a busy machine), with jitter of 0.5-1.5.
      assert.ok(retryAfterMs >= 500 && retryAfterMs <= 10_000, `retryAfterMs ${retryAfterMs}`);
      return true;
    });
    assert.ok(Date.now() - started < 50, 'refused without waiting');
    await Promise.allSettled(waiting);
  });

  test('once the decision rate is known the backlog admitted shrinks to what that rate decides within the target', async () => {
    const gate = new IntakeGate(100, 5000, 1000);
    assert.equal(gate.limit, 100, 'no rate yet: the configured backlog');
    const ids = Array.from({ length: 40 }, (_, index) => `ord_${index}`);
    for (const id of ids) (await gate.admit())(id);
    for (const id of ids.slice(0, 20)) {
      gate.decided(id);
      await sleep(55);
    }
    // About 18 decisions a second (fewer on a busy machine) decide about 18 orders within 1 s.
    assert.ok(gate.limit >= 10 && gate.limit <= 25, `limit ${gate.limit}`);
    // 20 still undecided: over the limit, so a new caller waits in line.
    const next = gate.admit(60);
    assert.equal(gate.waiting, 1);
    await assert.rejects(next, (error) => codeOf(error) === 'INTAKE_SATURATED');
  });

  test('a cold mesh, whose every decision takes long with nothing queued, keeps its intake; quick decisions keep the limit the target gives', async () => {
    // 25 callers, each sending its next order when the last is decided, every decision 2 s after
    // acceptance: 12.5 decisions a second. By the target alone (2 s) the limit would be 25.
    const cold = await gateDecidingEvery(2000, 25, 80);
    assert.ok(cold.limit >= 45 && cold.limit <= 55, `cold limit ${cold.limit}`);
    // The same rate, each decision quick (50-80 ms): any longer wait would be spent in line, so the
    // limit stays what 12.5 a second decides within the 2 s target (plus the quickest, 50 ms).
    let queuedClock = 1_000_000;
    const queued = new IntakeGate(200, 0, 2000, () => queuedClock);
    for (let index = 0; index < 40; index += 1) {
      (await queued.admit())(`q_${index}`);
      queuedClock += index === 0 ? 50 : 80;
      queued.decided(`q_${index}`);
    }
    assert.ok(queued.limit >= 22 && queued.limit <= 28, `queued limit ${queued.limit}`);
  });

  test('a lull between two rushes is not counted as deciding slowly', async () => {
    let clock = 1_000_000;
    const gate = new IntakeGate(200, 0, 2000, () => clock);
    // A rush: 60 orders decided over 1.2 s, one at a time (50 a second), then nothing for 5 s.
    for (let index = 0; index < 60; index += 1) {
      (await gate.admit())(`ord_${index}`);
      clock += 20;
      gate.decided(`ord_${index}`);
    }
    clock += 5000;
    // Over wall time that was 60 in 6.2 s, 10 a second: a limit of 20, and a rush of 25 partly refused.
    // Over busy time it is 50 a second: the limit is the 100 that rate decides in 2 s.
    assert.ok(gate.limit >= 95 && gate.limit <= 110, `limit after the lull ${gate.limit}`);
    const next = await Promise.all(Array.from({ length: 25 }, () => gate.admit()));
    assert.equal(next.length, 25);
  });

  test('a refused caller is never sent away for long, however slow the first decisions were', async () => {
    let clock = 1_000_000;
    const gate = new IntakeGate(200, 0, 2000, () => clock);
    // A cold mesh's first seconds of a rush: 200 admitted, 20 decided over 2 s (10 a second).
    const ids = Array.from({ length: 200 }, (_, index) => `ord_${index}`);
    for (const id of ids) (await gate.admit())(id);
    for (const id of ids.slice(0, 20)) {
      clock += 100;
      gate.decided(id);
    }
    // 180 still ahead at about 10 a second reads as 18 s (9-27 s with jitter); a mesh warms within seconds.
    const hints = await Promise.all(
      Array.from({ length: 50 }, () =>
        gate.admit().then(
          () => assert.fail('the intake is full'),
          (error: GraphQLError) => (error.extensions as { retryAfterMs: number }).retryAfterMs,
        ),
      ),
    );
    assert.ok(Math.max(...hints) <= 7500, `longest hint ${Math.max(...hints)} ms`);
    assert.ok(Math.min(...hints) >= 2500, `shortest hint ${Math.min(...hints)} ms: still spread from the capped estimate`);
  });
});

/** A gate fed by `clients` closed-loop callers whose orders are each decided `decisionMs` after acceptance, for `decisions` decisions. */
async function gateDecidingEvery(decisionMs: number, clients: number, decisions: number): Promise<IntakeGate> {
  const start = 1_000_000;
  let clock = start;
  const gate = new IntakeGate(200, 0, 2000, () => clock);
  const inFlight = new Map<number, string>();
  // The callers start decisionMs / clients apart, so decisions come evenly; each sends its next
  // order the moment its last one is decided (a refusal would reject here and fail the test).
  const step = decisionMs / clients;
  for (let event = 0; event < clients + decisions; event += 1) {
    const caller = event % clients;
    clock = start + event * step;
    const previous = inFlight.get(caller);
    if (previous) gate.decided(previous);
    const id = `ord_${event}`;
    (await gate.admit())(id);
    inFlight.set(caller, id);
  }
  return gate;
}
