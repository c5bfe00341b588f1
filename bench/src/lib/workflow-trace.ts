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
 * The ledger's step of the placement workflow: its consumer finished order.order-placed (the
 * order's record that reconciliation compares postings with); undefined while it has not. The
 * status changes of placing and deciding move no goods, so the ledger acknowledges them without
 * handling them (no step) since it skips what it does not act on.
 */
export function ledgerCaughtUp(steps: readonly TraceStep[]): number | undefined {
  return steps.find((step) => step.domain === 'LEDGER' && step.kind === 'event handled order.order-placed')?.at;
}

/**
 * From a stock change (its instant as pushed to subscribers) to inventory's relay having
 * published its availability-changed (the trace's step), ms: the span
 * mesh_kpi_stock_movement_to_availability_seconds measures. Undefined when either is missing.
 */
export function availabilityPublishedMs(changedAt: number | undefined, steps: readonly TraceStep[]): number | undefined {
  const published = steps.find((step) => step.domain === 'INVENTORY' && step.kind === 'event published inventory.availability-changed');
  return changedAt === undefined || published === undefined ? undefined : published.at - changedAt;
}
