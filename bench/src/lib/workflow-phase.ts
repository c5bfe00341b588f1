/**
 * One phase of scenario 7: single-unit orders at a steady rate (each on its own SKU, so its
 * reservation is the only change of that SKU), stock receipts at a steady rate on other SKUs, both
 * watched over availabilityChanged; then every order's decision, a sample of traces (where the
 * time goes, and when the ledger caught up) and every push latency.
 */
import { isTimeout, mapLimit, type BenchClient } from './bench-client.js';
import type { AvailabilityArrival } from './live-availability.js';
import { placeOrder, waitUntilDecided, type DecidedOrder, type OrderRequest } from './orders.js';
import { steadyLoad } from './steady-load.js';
import { recordMovement } from './stock.js';
import { availabilityPublishedMs, ledgerCaughtUp, readTrace, stepName, type TraceStep } from './workflow-trace.js';

export interface PhasePlan {
  readonly label: string;
  readonly ordersPerSecond: number;
  readonly seconds: number;
  readonly orders: readonly OrderRequest[];
  readonly movementsPerSecond: number;
  /** SKUs (at movementLocation) to receive one unit of, in rotation. */
  readonly movementSkus: readonly string[];
  readonly movementLocation: string;
  readonly keyPrefix: string;
  /** Orders whose trace is read (evenly spread over the phase). */
  readonly traceSample: number;
}

export interface TracedOrder {
  readonly order: DecidedOrder;
  readonly steps: readonly TraceStep[];
  /** When the ledger had handled the order's placement and decision events (server time). */
  readonly ledgerAt: number;
}

/**
 * Receipts whose trace is read, per phase: every one, so that the bench measures the same
 * population as the services' KPI histogram (every stock change of the phase) it is compared with.
 */
const MOVEMENT_TRACES = Number.POSITIVE_INFINITY;

export interface TracedMovement {
  readonly sentAt: number;
  /** When its availability change reached the subscriber (undefined: never). */
  readonly pushedAt: number | undefined;
  /** That change's own instant (the pushed `at`). */
  readonly changedAt: number | undefined;
  readonly steps: readonly TraceStep[];
}

export interface PhaseOutcome {
  readonly plan: PhasePlan;
  readonly offeredPerSecond: number;
  /** placeOrder calls the gateway timed out on every attempt (their orders are left out). */
  readonly failedOrders: number;
  /** Orders / (first send to last decision). */
  readonly decidedPerSecond: number;
  readonly decided: readonly DecidedOrder[];
  readonly traced: readonly TracedOrder[];
  /** Traces whose ledger steps had not all appeared 60 s after the load. */
  readonly ledgerMissing: number;
  /** recordStockMovement sent -> its change received over the socket, ms. */
  readonly movementPushMs: readonly number[];
  readonly movementTraces: readonly TracedMovement[];
  readonly movementsUnpushed: number;
  /** placeOrder sent -> the order's reservation received over the socket, ms. */
  readonly reservationPushMs: readonly number[];
  readonly reservationsUnpushed: number;
  /**
   * Stock change -> its availability-changed published (trace step), ms, for the traced orders'
   * reservations and the traced receipts: what the inventory KPI histogram measures, measured here.
   */
  readonly availabilityPublishMs: readonly number[];
}

/** The first change of `sku` at `locationId` received at or after `after`, if any. */
function firstArrival(arrivals: readonly AvailabilityArrival[], sku: string, locationId: string, after: number): AvailabilityArrival | undefined {
  return arrivals.find((arrival) => arrival.kind === 'CHANGE' && arrival.sku === sku && arrival.locationId === locationId && arrival.receivedAt >= after);
}

export async function runWorkflowPhase(client: BenchClient, arrivals: readonly AvailabilityArrival[], plan: PhasePlan): Promise<PhaseOutcome> {
  const movementCount = Math.max(1, Math.round(plan.movementsPerSecond * plan.seconds));
  const movementSent: { sku: string; sentAt: number; correlationId?: string }[] = [];
  const started = Date.now();
  const [orders] = await Promise.all([
    // A placeOrder the gateway still timed out on after its repeats is counted (the mesh could not take the load), not thrown.
    steadyLoad(plan.orders, plan.ordersPerSecond, (request) => placeOrder(client, request), isTimeout),
    steadyLoad(
      Array.from({ length: movementCount }, (_, index) => index),
      plan.movementsPerSecond,
      async (index) => {
        const sku = plan.movementSkus[index % plan.movementSkus.length]!;
        const sent: { sku: string; sentAt: number; correlationId?: string } = { sku, sentAt: Date.now() };
        movementSent.push(sent);
        sent.correlationId = await recordMovement(client, {
          sku,
          locationId: plan.movementLocation,
          type: 'RECEIPT',
          quantity: 1,
          idempotencyKey: `${plan.keyPrefix}-move-${index}`,
        });
      },
    ),
  ]);
  const decided = await waitUntilDecided(client, orders.results, 240_000);
  const lastDecision = Math.max(...decided.map((order) => order.decidedAt));

  // Traces of an even sample, read after the load so they do not add to it; the ledger may lag.
  const step = Math.max(1, Math.floor(decided.length / plan.traceSample));
  const sample = [...decided]
    .sort((a, b) => a.sentAt - b.sentAt)
    .filter((_, index) => index % step === 0)
    .slice(0, plan.traceSample);
  const deadline = Date.now() + 60_000;
  const traced: TracedOrder[] = [];
  let pending = sample;
  while (pending.length > 0 && Date.now() < deadline) {
    const read = await mapLimit(pending, 4, async (order) => ({ order, steps: await readTrace(client, order.correlationId) }));
    pending = [];
    for (const { order, steps } of read) {
      const ledgerAt = ledgerCaughtUp(steps);
      if (ledgerAt === undefined) pending.push(order);
      else traced.push({ order, steps, ledgerAt });
    }
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 500));
  }

  // Pushes: allow stragglers a moment to arrive before matching.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const movementPushMs: number[] = [];
  const movementTraces: TracedMovement[] = [];
  for (const [index, sent] of movementSent.entries()) {
    const arrival = firstArrival(arrivals, sent.sku, plan.movementLocation, sent.sentAt);
    if (arrival) movementPushMs.push(arrival.receivedAt - sent.sentAt);
    // The receipts' traces show where a movement's push time goes (and measure the KPI's span).
    if (index < MOVEMENT_TRACES && sent.correlationId)
      movementTraces.push({
        sentAt: sent.sentAt,
        pushedAt: arrival?.receivedAt,
        changedAt: arrival?.changedAt,
        steps: await readTrace(client, sent.correlationId),
      });
  }
  const reservationPushMs: number[] = [];
  const confirmed = decided.filter((order) => order.status === 'CONFIRMED');
  for (const order of confirmed) {
    const arrival = firstArrival(arrivals, order.request.sku, order.request.locationId, order.sentAt);
    if (arrival) reservationPushMs.push(arrival.receivedAt - order.sentAt);
  }
  const availabilityPublishMs = [
    ...traced.map(({ order, steps }) =>
      availabilityPublishedMs(firstArrival(arrivals, order.request.sku, order.request.locationId, order.sentAt)?.changedAt, steps),
    ),
    ...movementTraces.map(({ changedAt, steps }) => availabilityPublishedMs(changedAt, steps)),
  ].filter((value): value is number => value !== undefined);
  return {
    plan,
    offeredPerSecond: orders.offeredPerSecond,
    failedOrders: orders.failed,
    decidedPerSecond: decided.length / (Math.max(1, lastDecision - started) / 1000),
    decided,
    traced,
    ledgerMissing: pending.length,
    movementPushMs,
    movementTraces,
    movementsUnpushed: movementSent.length - movementPushMs.length,
    reservationPushMs,
    reservationsUnpushed: confirmed.length - reservationPushMs.length,
    availabilityPublishMs,
  };
}

/**
 * Offsets (ms) of every trace step from each workflow's origin, by step name, plus the client's
 * own points; a name seen twice in one trace gets `(2nd)`, and so on, so each row is one point
 * of the workflow.
 */
function offsetsOf(
  workflows: readonly { origin: number; steps: readonly TraceStep[]; extra: readonly [string, number | undefined][] }[],
): Map<string, number[]> {
  const offsets = new Map<string, number[]>();
  const add = (name: string, value: number) => offsets.set(name, [...(offsets.get(name) ?? []), value]);
  for (const { origin, steps, extra } of workflows) {
    for (const [name, at] of extra) if (at !== undefined) add(name, at - origin);
    const seen = new Map<string, number>();
    for (const traceStep of [...steps].sort((a, b) => a.at - b.at)) {
      const name = stepName(traceStep);
      const nth = (seen.get(name) ?? 0) + 1;
      seen.set(name, nth);
      add(nth === 1 ? name : `${name} (${nth === 2 ? '2nd' : nth === 3 ? '3rd' : `${nth}th`})`, traceStep.at - origin);
    }
  }
  return offsets;
}

/** Order workflows, from the order's placedAt. */
export const orderStepOffsets = (traced: readonly TracedOrder[]): Map<string, number[]> =>
  offsetsOf(
    traced.map(({ order, steps, ledgerAt }) => ({
      origin: order.placedAt,
      steps,
      extra: [
        ['CLIENT: placeOrder sent', order.sentAt],
        ['CLIENT: placeOrder answered', order.sentAt + order.latencyMs],
        ['LEDGER: caught up (KPI end)', ledgerAt],
      ],
    })),
  );

/** Receipts, from recordStockMovement's send. */
export const movementStepOffsets = (traced: readonly TracedMovement[]): Map<string, number[]> =>
  offsetsOf(
    traced.map(({ sentAt, pushedAt, steps }) => ({
      origin: sentAt,
      steps,
      extra: [
        ['CLIENT: recordStockMovement sent', sentAt],
        ['CLIENT: availability change received (KPI end)', pushedAt],
      ],
    })),
  );
