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

interface Count {
  readonly orders: { readonly totalCount: number };
}

/**
 * The retailer's KPIs, read from the graph every two seconds and charted over time: orders
 * placed since the page opened and per interval, orders still PENDING, open dead letters, and
 * today's reconciliation mismatches. A KPI whose query fails keeps its last point and says why.
 */
export const kpisPage: Page = (root, { graph, say }) => {
  const openedAt = new Date().toISOString();
  const tiles = el('div', { class: 'tiles' });
  const flowCanvas = el('canvas', { id: 'orders-chart' });
  const exceptionsCanvas = el('canvas', { id: 'exceptions-chart' });
  root.append(
    el('h2', {}, 'KPIs, live'),
    el('p', { class: 'hint' }, `Read from the graph every ${INTERVAL_MS / 1000} s since ${openedAt.slice(11, 19)} UTC.`),
    tiles,
    el('section', {}, el('h3', {}, 'Order flow'), el('div', { class: 'chart' }, flowCanvas)),
    el('section', {}, el('h3', {}, 'Exceptions'), el('div', { class: 'chart' }, exceptionsCanvas)),
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
  let previousPlaced: number | undefined;
  const stop = poll(
    async () => {
      const today = new Date().toISOString().slice(0, 10);
      const [placed, pending, letters, mismatches] = await Promise.allSettled([
        graph<Count>(PLACED, { since: openedAt }).then((data) => data.orders.totalCount),
        graph<Count>(PENDING).then((data) => data.orders.totalCount),
        graph<{ deadLetters: unknown[] }>(DEAD_LETTERS).then((data) => data.deadLetters.length),
        graph<{ reconciliation: { mismatches: unknown[] } }>(MISMATCHES, { date: today }).then((data) => data.reconciliation.mismatches.length),
      ]);
      const values: Record<string, number> = {};
      const failures: string[] = [];
      for (const [key, result] of Object.entries({ placed, pending, deadLetters: letters, mismatches })) {
        if (result.status === 'fulfilled') values[key] = result.value;
        else failures.push(`${key}: ${describeError(result.reason)}`);
      }
      if (values['placed'] !== undefined) {
        values['placedInInterval'] = values['placed'] - (previousPlaced ?? values['placed']);
        previousPlaced = values['placed'];
      }
      const at = Date.now();
      flow.push(at, values);
      exceptions.push(at, values);
      tiles.replaceChildren(
        ...[
          ['placed', 'Orders placed since opened'],
          ['pending', 'Orders PENDING'],
          ['deadLetters', 'Open dead letters'],
          ['mismatches', 'Reconciliation mismatches today'],
        ].map(([key, label]) => el('div', { class: 'tile', 'data-kpi': key ?? '' }, el('strong', {}, String(values[key ?? ''] ?? '–')), el('span', {}, label ?? ''))),
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
  };
};
