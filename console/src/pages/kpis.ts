import { timeSeriesChart } from '../charts.js';
import { el } from '../dom.js';
import { describeError } from '../graph.js';
import { poll, type Page } from '../page.js';

/** How often the KPIs are read from the graph. */
const INTERVAL_MS = 2000;

const PLACED = `query ConsoleOrdersPlaced($since: DateTime!) { orders(filter: { placedFrom: $since }, first: 1) { totalCount } }`;
const PENDING = `query ConsoleOrdersPending { orders(filter: { status: PENDING }, first: 1) { totalCount } }`;
const DEAD_LETTERS = `query ConsoleDeadLetterCount { deadLetters { id } }`;
const MISMATCHES = `query ConsoleMismatchesToday($date: String!) { reconciliation(date: $date) { mismatches { orderId } } }`;
const LIVE = `query ConsoleLiveKpis {
  liveKpis {
    orderPlacedToLedger { count sumSeconds }
    stockMovementToAvailability { count sumSeconds }
    oldestPendingOrderAgeSeconds
    ledgerConsumerBacklog
    inventoryConsumerBacklog
    orderConsumerBacklog
  }
}`;

interface Count {
  readonly orders: { readonly totalCount: number };
}
interface Latency {
  readonly count: number;
  readonly sumSeconds: number;
}
interface LiveKpis {
  readonly liveKpis: {
    readonly orderPlacedToLedger: Latency;
    readonly stockMovementToAvailability: Latency;
    readonly oldestPendingOrderAgeSeconds: number;
    readonly ledgerConsumerBacklog: number;
    readonly inventoryConsumerBacklog: number;
    readonly orderConsumerBacklog: number;
  };
}

/**
 * The mean in ms of what a latency histogram observed since the previous reading; undefined on
 * the first reading (what the service observed before the page opened, the seeded history's
 * backdated orders included, is not this page's interval) and when it observed nothing in between.
 */
function intervalMeanMs(now: Latency, previous: Latency | undefined): number | undefined {
  if (!previous) return undefined;
  const count = now.count - previous.count;
  const sum = now.sumSeconds - previous.sumSeconds;
  return count > 0 ? Math.round((sum / count) * 1000) : undefined;
}

/**
 * The retailer's KPIs, read from the graph every two seconds and charted over time: orders
 * placed since the page opened and per interval, orders still PENDING, open dead letters, and
 * today's reconciliation mismatches; and those only the services' metrics hold (Query.liveKpis):
 * order placed -> ledger and stock change -> availability published (the mean of each interval),
 * the age of the oldest PENDING order and the consumers' backlog. A KPI whose query fails keeps
 * its last point and says why.
 */
export const kpisPage: Page = (root, { graph, say }) => {
  const openedAt = new Date().toISOString();
  const tiles = el('div', { class: 'tiles' });
  const flowCanvas = el('canvas', { id: 'orders-chart' });
  const exceptionsCanvas = el('canvas', { id: 'exceptions-chart' });
  const latencyCanvas = el('canvas', { id: 'latency-chart' });
  const backlogCanvas = el('canvas', { id: 'backlog-chart' });
  root.append(
    el('h2', {}, 'KPIs, live'),
    el('p', { class: 'hint' }, `Read from the graph every ${INTERVAL_MS / 1000} s since ${openedAt.slice(11, 19)} UTC.`),
    tiles,
    el('section', {}, el('h3', {}, 'Order flow'), el('div', { class: 'chart' }, flowCanvas)),
    el('section', {}, el('h3', {}, 'Exceptions'), el('div', { class: 'chart' }, exceptionsCanvas)),
    el('section', {}, el('h3', {}, 'Workflow latency (ms, mean of each interval)'), el('div', { class: 'chart' }, latencyCanvas)),
    el('section', {}, el('h3', {}, 'Waiting work'), el('div', { class: 'chart' }, backlogCanvas)),
  );
  const flow = timeSeriesChart(flowCanvas, [
    { key: 'placed', label: 'orders placed since opened', color: '#2f5bea' },
    { key: 'placedInInterval', label: 'placed in the interval', color: '#7a2ee6' },
  ]);
  const exceptions = timeSeriesChart(exceptionsCanvas, [
    { key: 'pending', label: 'orders PENDING', color: '#b54708' },
    { key: 'deadLetters', label: 'open dead letters', color: '#b42318' },
    { key: 'mismatches', label: 'reconciliation mismatches today', color: '#0e7090' },
  ]);
  const latency = timeSeriesChart(latencyCanvas, [
    { key: 'placedToLedgerMs', label: 'order placed -> ledger', color: '#2f5bea' },
    { key: 'movementToAvailabilityMs', label: 'stock change -> availability published', color: '#067647' },
  ]);
  const backlog = timeSeriesChart(backlogCanvas, [
    { key: 'oldestPendingSeconds', label: 'oldest PENDING order, s', color: '#b54708' },
    { key: 'consumerBacklog', label: 'events waiting for a consumer', color: '#7a2ee6' },
  ]);
  let previousPlaced: number | undefined;
  let previousLive: LiveKpis['liveKpis'] | undefined;
  const stop = poll(
    async () => {
      const today = new Date().toISOString().slice(0, 10);
      const [placed, pending, letters, mismatches, live] = await Promise.allSettled([
        graph<Count>(PLACED, { since: openedAt }).then((data) => data.orders.totalCount),
        graph<Count>(PENDING).then((data) => data.orders.totalCount),
        graph<{ deadLetters: unknown[] }>(DEAD_LETTERS).then((data) => data.deadLetters.length),
        graph<{ reconciliation: { mismatches: unknown[] } }>(MISMATCHES, { date: today }).then((data) => data.reconciliation.mismatches.length),
        graph<LiveKpis>(LIVE).then((data) => data.liveKpis),
      ]);
      const values: Record<string, number> = {};
      const failures: string[] = [];
      for (const [key, result] of Object.entries({ placed, pending, deadLetters: letters, mismatches })) {
        if (result.status === 'fulfilled') values[key] = result.value;
        else failures.push(`${key}: ${describeError(result.reason)}`);
      }
      if (live.status === 'fulfilled') {
        const kpis = live.value;
        const ledgerMs = intervalMeanMs(kpis.orderPlacedToLedger, previousLive?.orderPlacedToLedger);
        const availabilityMs = intervalMeanMs(kpis.stockMovementToAvailability, previousLive?.stockMovementToAvailability);
        if (ledgerMs !== undefined) values['placedToLedgerMs'] = ledgerMs;
        if (availabilityMs !== undefined) values['movementToAvailabilityMs'] = availabilityMs;
        values['oldestPendingSeconds'] = Math.round(kpis.oldestPendingOrderAgeSeconds);
        values['consumerBacklog'] = kpis.ledgerConsumerBacklog + kpis.inventoryConsumerBacklog + kpis.orderConsumerBacklog;
        previousLive = kpis;
      } else failures.push(`live KPIs: ${describeError(live.reason)}`);
      if (values['placed'] !== undefined) {
        values['placedInInterval'] = values['placed'] - (previousPlaced ?? values['placed']);
        previousPlaced = values['placed'];
      }
      const at = Date.now();
      flow.push(at, values);
      exceptions.push(at, values);
      latency.push(at, values);
      backlog.push(at, values);
      tiles.replaceChildren(
        ...[
          ['placed', 'Orders placed since opened'],
          ['pending', 'Orders PENDING'],
          ['deadLetters', 'Open dead letters'],
          ['mismatches', 'Reconciliation mismatches today'],
        ].map(([key, label]) =>
          el('div', { class: 'tile', 'data-kpi': key ?? '' }, el('strong', {}, String(values[key ?? ''] ?? '–')), el('span', {}, label ?? '')),
        ),
      );
      say(failures.join(' · '));
    },
    INTERVAL_MS,
    (error) => say(describeError(error)),
  );
  return () => {
    stop();
    flow.destroy();
    exceptions.destroy();
    latency.destroy();
    backlog.destroy();
  };
};
