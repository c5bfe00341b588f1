import type { OrderSettings } from '../settings.js';

/** When placeOrder answers at the latest, and how long its caller may wait in the intake's line. */
export interface AnswerBudget {
  /** Epoch ms: an order still undecided then is answered PENDING. */
  readonly deadline: number;
  /** How long the caller may wait for admission (never more than half of what is left). */
  readonly queueWaitMs: number;
}

type BudgetSettings = Pick<OrderSettings, 'decisionWaitMs' | 'answerMarginMs' | 'intakeQueueWaitMs'>;

/**
 * placeOrder's answer bound runs from the client's request reaching the mesh (`receivedAt`, the
 * gateway's arrival time), not from this process's: in a burst a request can wait seconds in the
 * gateway before it gets here, and its answer then waits in the same queues on the way back. So
 * the time the request took to arrive is kept back for the way back too, with `answerMarginMs`
 * on top: a request that arrives late is answered (PENDING if need be) or refused sooner, in
 * proportion to how loaded the path is, and one that arrives at once keeps the whole bound.
 */
export function answerBudget(settings: BudgetSettings, receivedAt: number, now = Date.now()): AnswerBudget {
  const inbound = Math.max(0, now - receivedAt);
  const deadline = receivedAt + settings.decisionWaitMs - inbound - settings.answerMarginMs;
  const left = Math.max(0, deadline - now);
  return { deadline, queueWaitMs: Math.min(settings.intakeQueueWaitMs, left / 2) };
}

/**
 * How far past what is left the expected decision must be before the wait is skipped: the
 * estimate is an average, and a PENDING answer costs a write and an event that a decision in
 * time would not.
 */
const SKIP_WAIT_FACTOR = 1.5;

/**
 * The deadline once the order is stored: when the intake expects this order's decision well
 * after the deadline (its backlog at the recent decision rate), waiting would end PENDING anyway,
 * so the caller is answered now instead of holding its connection to the end.
 */
export function worthWaitingUntil(deadline: number, expectedDecisionMs: number | null, now = Date.now()): number {
  return expectedDecisionMs !== null && expectedDecisionMs > SKIP_WAIT_FACTOR * Math.max(0, deadline - now) ? now : deadline;
}
