import { AGREEMENT_TOLERANCE, type KpiAgreement } from '../../lib/kpi-agreement.js';
import { ratio, type MeasuredRatio, type ResultTable } from '../../lib/scenario.js';
import { percentile, round } from '../../lib/stats.js';
import { movementStepOffsets, orderStepOffsets, type PhaseOutcome } from '../../lib/workflow-phase.js';
import { TARGET_MS } from './settings.js';

/** Scenario 7's result tables and ratios, from the phases it ran. */
const p = (values: readonly number[], at: number) => (values.length === 0 ? '-' : percentile(values, at));

export function kpis(outcome: PhaseOutcome) {
  const ledgerValues = outcome.traced.map((traced) => traced.ledgerAt - traced.order.placedAt);
  const ledger = ledgerValues;
  const ledgerFromSend = outcome.traced.map((traced) => traced.ledgerAt - traced.order.sentAt);
  const decision = outcome.decided.map((order) => order.decidedAt - order.placedAt);
  const stats = (values: readonly number[]) => ({ count: values.length, p50: percentile(values, 50), p99: percentile(values, 99) });
  return {
    ledgerValues,
    ledger: stats(ledger),
    ledgerFromSend: stats(ledgerFromSend),
    decision: stats(decision),
    movement: stats(outcome.movementPushMs),
    reservation: stats(outcome.reservationPushMs),
  };
}

const rateLabel = (outcome: PhaseOutcome) => `${outcome.plan.label} (${outcome.decidedPerSecond.toFixed(1)} orders/s decided)`;

export function loadTable(phases: readonly PhaseOutcome[]): ResultTable {
  return {
    title: 'Load',
    columns: [
      'phase',
      'offered rate (target) /s',
      'offered rate (achieved) /s',
      'decided orders/s',
      'orders',
      'placeOrder failed (time-out x3)',
      'confirmed',
      'answered PENDING',
      'gateway time-outs (retried)',
      'placeOrder p50 ms',
      'placeOrder p99 ms',
      'receipts',
    ],
    rows: phases.map((outcome) => {
      const latencies = outcome.decided.map((order) => order.latencyMs);
      return [
        outcome.plan.label,
        outcome.plan.ordersPerSecond,
        outcome.offeredPerSecond,
        outcome.decidedPerSecond,
        outcome.decided.length,
        outcome.failedOrders,
        outcome.decided.filter((order) => order.status === 'CONFIRMED').length,
        outcome.decided.filter((order) => order.answeredStatus === 'PENDING').length,
        outcome.decided.reduce((sum, order) => sum + order.timeouts, 0),
        p(latencies, 50),
        p(latencies, 99),
        outcome.movementPushMs.length + outcome.movementsUnpushed,
      ];
    }),
  };
}

export function kpiTable(phases: readonly PhaseOutcome[]): ResultTable {
  return {
    title: `KPIs (target: p99 < ${TARGET_MS} ms at 50 orders/s)`,
    columns: ['phase', 'measure', 'samples', 'p50 ms', 'p99 ms'],
    rows: phases.flatMap((outcome) => {
      const kpi = kpis(outcome);
      const row = (name: string, stats: { count: number; p50: number; p99: number }) => [
        rateLabel(outcome),
        name,
        stats.count,
        stats.count === 0 ? '-' : stats.p50,
        stats.count === 0 ? '-' : stats.p99,
      ];
      return [
        row('(a) order placedAt -> ledger caught up', kpi.ledger),
        row('(a) placeOrder sent -> ledger caught up', kpi.ledgerFromSend),
        row('order placedAt -> CONFIRMED/REJECTED', kpi.decision),
        row('(b) receipt sent -> availability pushed', kpi.movement),
        row('(b) placeOrder sent -> reservation pushed', kpi.reservation),
      ];
    }),
  };
}

/** Where the time goes: each step's offset from the workflow's origin, ordered by median. */
function breakdown(title: string, offsets: ReadonlyMap<string, number[]>): ResultTable {
  const rows = [...offsets].map(([name, values]) => ({ name, values, p50: percentile(values, 50), p99: percentile(values, 99) }));
  rows.sort((a, b) => a.p50 - b.p50 || a.name.localeCompare(b.name));
  return {
    title,
    columns: ['step', 'workflows with it', 'p50 ms', 'p99 ms', 'p50 ms since previous row'],
    rows: rows.map((entry, index) => [entry.name, entry.values.length, entry.p50, entry.p99, index === 0 ? '-' : entry.p50 - rows[index - 1]!.p50]),
  };
}

export const orderBreakdown = (outcome: PhaseOutcome): ResultTable =>
  breakdown(
    `Where an order's time goes, ${rateLabel(outcome)}: trace steps in ms after the order's placedAt (${outcome.traced.length} sampled orders)`,
    orderStepOffsets(outcome.traced),
  );

export const movementBreakdown = (outcome: PhaseOutcome): ResultTable =>
  breakdown(
    `Where a receipt's push time goes, ${rateLabel(outcome)}: trace steps in ms after recordStockMovement was sent (first ${outcome.movementTraces.length} receipts)`,
    movementStepOffsets(outcome.movementTraces),
  );

export function kpiRatios(outcome: PhaseOutcome): MeasuredRatio[] {
  const kpi = kpis(outcome);
  const target = { text: `< ${TARGET_MS} ms`, met: (median: number) => median < TARGET_MS };
  return [
    ratio(`p99 ms, order placed -> ledger, ${rateLabel(outcome)}`, [kpi.ledger.p99], target),
    ratio(`p99 ms, stock movement -> availability pushed, ${rateLabel(outcome)}`, [kpi.movement.p99], target),
  ];
}

export function agreementTable(phases: readonly PhaseOutcome[], agreements: ReadonlyMap<PhaseOutcome, readonly KpiAgreement[]>): ResultTable {
  const ms = (value: number) => (Number.isFinite(value) ? round(value) : '-');
  const times = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '-');
  return {
    title: `KPI metrics (the services' /metrics, delta over the phase) vs the bench's own measurement of the same span: agree when metrics/bench is within 1 ± ${AGREEMENT_TOLERANCE} for mean, p50 and p99`,
    columns: [
      'phase',
      'span (metric)',
      'metrics n',
      'bench n',
      'mean ms metrics',
      'mean ms bench',
      'mean ratio',
      'p50 ms metrics',
      'p50 ms bench',
      'p50 ratio',
      'p99 ms metrics',
      'p99 ms bench',
      'p99 ratio',
      'agree',
    ],
    rows: phases.flatMap((outcome) =>
      (agreements.get(outcome) ?? []).map((entry) => [
        rateLabel(outcome),
        `${entry.span} (${entry.metric})`,
        entry.metrics.count,
        entry.own.count,
        ms(entry.metrics.meanMs),
        ms(entry.own.meanMs),
        times(entry.ratios.mean),
        ms(entry.metrics.p50Ms),
        ms(entry.own.p50Ms),
        times(entry.ratios.p50),
        ms(entry.metrics.p99Ms),
        ms(entry.own.p99Ms),
        times(entry.ratios.p99),
        entry.agrees ? 'yes' : 'no',
      ]),
    ),
  };
}

export function agreementRatios(outcome: PhaseOutcome, compared: readonly KpiAgreement[]): MeasuredRatio[] {
  const target = { text: `${1 - AGREEMENT_TOLERANCE}..${1 + AGREEMENT_TOLERANCE}`, met: (median: number) => Math.abs(median - 1) <= AGREEMENT_TOLERANCE };
  return compared.flatMap((entry) => [
    ratio(`metrics/bench mean, ${entry.span}, ${rateLabel(outcome)}`, [entry.ratios.mean], target),
    ratio(`metrics/bench p99, ${entry.span}, ${rateLabel(outcome)}`, [entry.ratios.p99], target),
  ]);
}
