/**
 * Where an order's time goes, from `Query.trace(correlationId)`: every domain's steps of the order's
 * workflow with their server-side instants (an order status change, an event published by an outbox
 * relay, an event a consumer finished handling, a reservation, a journal entry).
 */
import type { BenchClient } from './bench-client.js';

const TRACE = `query BenchTrace($id: String!) { trace(correlationId: $id) { steps { at domain kind } } }`;

export interface TraceStep {
  readonly at: number;
  readonly domain: string;
  readonly kind: string;
}

export async function readTrace(client: BenchClient, correlationId: string): Promise<TraceStep[]> {
  const data = await client.request<{ trace: { steps: { at: string; domain: string; kind: string }[] } }>('trace', TRACE, { id: correlationId });
  return data.trace.steps.map((step) => ({ at: Date.parse(step.at), domain: step.domain, kind: step.kind }));
}

/** A step's name in a breakdown: `DOMAIN: kind`. */
export const stepName = (step: TraceStep): string => `${step.domain}: ${step.kind}`;

/**
 * The ledger's last step of the placement workflow: its consumer finished the event of the order's
 * decision (order.order-status-changed to CONFIRMED/REJECTED) and order.order-placed; undefined
 * while it has not handled both yet.
 */
export function ledgerCaughtUp(steps: readonly TraceStep[]): number | undefined {
  const ledger = steps.filter((step) => step.domain === 'LEDGER' && step.kind.startsWith('event handled '));
  const placed = ledger.find((step) => step.kind === 'event handled order.order-placed');
  // One status change the ledger sees per transition: null -> PLACED, then the decision (and PENDING if it came late).
  const changes = ledger.filter((step) => step.kind === 'event handled order.order-status-changed');
  const publishedChanges = steps.filter((step) => step.domain === 'ORDER' && step.kind === 'event published order.order-status-changed');
  if (!placed || changes.length === 0 || changes.length < publishedChanges.length) return undefined;
  return Math.max(placed.at, ...changes.map((step) => step.at));
}
