import { laneChart } from '../charts.js';
import { el, table, timeOfDay } from '../dom.js';
import { describeError } from '../graph.js';
import type { Page } from '../page.js';

const ORDER_BY_NUMBER = `query ConsoleOrderByNumber($number: String!) { orderByNumber(number: $number) { number correlationId } }`;
const TRACE = `query ConsoleTrace($correlationId: String!) { trace(correlationId: $correlationId) { correlationId steps { at domain kind summary reference } } }`;

/** The domains in the order a workflow usually crosses them: the timeline's lanes, top to bottom. */
const LANES = ['ORDER', 'INVENTORY', 'LEDGER', 'CUSTOMER', 'PRODUCT'] as const;

interface TraceStep {
  readonly at: string;
  readonly domain: string;
  readonly kind: string;
  readonly summary: string;
  readonly reference: string | null;
}

/**
 * One workflow as a timeline across domains. The search takes an order number (R-100001) or a
 * correlation id: an order number is resolved to its order's correlation id first. An id the mesh
 * has no step for shows "not found" on the page, not an error. `#trace/<id>` opens a search.
 */
export const tracePage: Page = (root, { graph, say }, initial = '') => {
  const input = el('input', { id: 'trace-query', placeholder: 'order number or correlation id', size: '40', autocomplete: 'off' });
  input.value = initial;
  const form = el('form', { id: 'trace-form', class: 'inline' }, input, el('button', { type: 'submit' }, 'Trace'));
  const result = el('div', { id: 'trace-result' });
  root.append(el('h2', {}, 'Trace'), form, result);
  let chart: ReturnType<typeof laneChart> | undefined;

  const search = async (query: string) => {
    chart?.destroy();
    chart = undefined;
    result.replaceChildren(el('p', { class: 'hint' }, 'Searching…'));
    const correlationId = (await orderCorrelationId(query)) ?? query;
    const { trace } = await graph<{ trace: { correlationId: string; steps: TraceStep[] } }>(TRACE, { correlationId });
    if (trace.steps.length === 0) {
      result.replaceChildren(
        el('p', { class: 'empty', 'data-state': 'not-found' }, `Not found: nothing in the mesh carries "${query}" as an order number or correlation id.`),
      );
      return;
    }
    const canvas = el('canvas', { id: 'trace-chart' });
    const domains = new Set(trace.steps.map((step) => step.domain));
    result.replaceChildren(
      el(
        'p',
        { 'data-state': 'found' },
        `${trace.steps.length} steps across ${domains.size} domains · correlation id `,
        el('span', { class: 'mono', id: 'trace-correlation-id' }, trace.correlationId),
      ),
      el('div', { class: 'chart short' }, canvas),
      table<TraceStep>(
        [
          ['At (UTC)', (step) => timeOfDay(step.at)],
          ['Domain', (step) => step.domain],
          ['What happened', (step) => step.kind],
          ['Detail', (step) => step.summary],
        ],
        trace.steps,
        (step) => ({ 'data-domain': step.domain, 'data-at': step.at }),
      ),
    );
    chart = laneChart(
      canvas,
      LANES.filter((lane) => domains.has(lane)),
      trace.steps.map((step) => ({ at: Date.parse(step.at), lane: step.domain, label: `${step.domain} · ${step.kind}` })),
    );
  };

  const orderCorrelationId = async (query: string): Promise<string | null> => {
    const { orderByNumber } = await graph<{ orderByNumber: { correlationId: string } | null }>(ORDER_BY_NUMBER, { number: query });
    return orderByNumber?.correlationId ?? null;
  };

  const run = (query: string) => {
    say('');
    search(query).catch((error: unknown) => {
      result.replaceChildren();
      say(describeError(error));
    });
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = input.value.trim();
    if (query) run(query);
  });
  if (initial) run(initial);
  return () => chart?.destroy();
};
