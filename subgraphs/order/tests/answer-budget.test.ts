import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerBudget, worthWaitingUntil } from '../src/placement/answer-budget.js';
import { IntakeGate } from '../src/placement/intake-gate.js';

/**
 * placeOrder's answer bound, in process: what is kept back for a request that waited before it
 * got here, and when waiting is skipped. (answer-bound.test.ts drives it through placeOrder
 * against real servers.)
 */
const SETTINGS = { decisionWaitMs: 3000, answerMarginMs: 250, intakeQueueWaitMs: 1000 };

describe('the answer budget', () => {
  test('a request that arrives at once keeps the bound less the margin, and may wait in line up to the configured wait', () => {
    const budget = answerBudget(SETTINGS, 10_000, 10_000);
    assert.equal(budget.deadline, 12_750);
    assert.equal(budget.queueWaitMs, 1000);
  });

  test('a request that waited 1 s before it got here keeps that second back for the way back too', () => {
    const budget = answerBudget(SETTINGS, 10_000, 11_000);
    // 3 s from reaching the mesh, less 1 s for the way back and the margin: 750 ms from now.
    assert.equal(budget.deadline, 11_750);
    assert.equal(budget.queueWaitMs, 375, 'at most half of what is left');
  });

  test('a request that arrives with its bound spent is not made to wait at all', () => {
    const budget = answerBudget(SETTINGS, 10_000, 11_600);
    assert.ok(budget.deadline <= 11_600);
    assert.equal(budget.queueWaitMs, 0);
  });

  test('waiting is skipped only when the expected decision is well past the deadline', () => {
    assert.equal(worthWaitingUntil(12_000, null, 10_000), 12_000, 'no trusted rate: wait');
    assert.equal(worthWaitingUntil(12_000, 2_500, 10_000), 12_000, 'a little late on average: still wait');
    assert.equal(worthWaitingUntil(12_000, 3_500, 10_000), 10_000, 'far past it: answer now');
  });
});

describe('the decision the intake expects', () => {
  test('is unknown until the rate is trusted, then the backlog at that rate', async () => {
    const gate = new IntakeGate(100, 1000);
    const ids = Array.from({ length: 40 }, (_, index) => `ord_${index}`);
    for (const id of ids) (await gate.admit())(id);
    assert.equal(gate.expectedDecisionMs(), null);
    for (const id of ids.slice(0, 20)) {
      gate.decided(id);
      await sleep(55);
    }
    // 20 undecided at about 18 decisions a second (fewer on a busy machine): about 1.1 s.
    const expected = gate.expectedDecisionMs();
    assert.ok(expected !== null && expected >= 700 && expected <= 3000, `expected ${expected} ms`);
  });
});
