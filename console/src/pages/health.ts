import { el, table } from '../dom.js';
import { describeError } from '../graph.js';
import { poll, type Page } from '../page.js';

const INTERVAL_MS = 5000;

/** One cheap read per domain, each answered by that domain's subgraph alone (through the gateway). */
const PROBES: ReadonlyArray<readonly [domain: string, query: string]> = [
  ['product', '{ products(first: 1) { totalCount } }'],
  ['inventory', '{ locations { id } }'],
  ['order', '{ orders(first: 1) { totalCount } }'],
  ['customer', '{ customers(first: 1) { totalCount } }'],
  ['ledger', '{ accounts { code } }'],
  ['integration', '{ eventSubscriptions { id } }'],
];
const LETTERS_BY_CONSUMER = `query ConsoleConsumerHealth { deadLetters { consumer lastFailedAt } }`;

interface Probe {
  readonly domain: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
}
interface ConsumerRow {
  readonly consumer: string;
  readonly open: number;
  readonly lastFailedAt: string;
}

/**
 * Subgraph and consumer health as the graph shows them: each domain answering a read through the
 * gateway (and how long it took), and each consumer's open dead letters (a consumer with none is
 * keeping up). Refreshed every five seconds.
 */
export const healthPage: Page = (root, { graph, say }) => {
  const subgraphs = el('div', { id: 'subgraph-health' });
  const consumers = el('div', { id: 'consumer-health' });
  root.append(el('h2', {}, 'Health'), el('h3', {}, 'Subgraphs'), subgraphs, el('h3', {}, 'Consumers'), consumers);

  const probe = async ([domain, query]: readonly [string, string]): Promise<Probe> => {
    const started = performance.now();
    try {
      await graph(query);
      return { domain, ok: true, ms: Math.round(performance.now() - started), detail: 'answering' };
    } catch (error) {
      return { domain, ok: false, ms: Math.round(performance.now() - started), detail: describeError(error) };
    }
  };

  return poll(
    async () => {
      const probes = await Promise.all(PROBES.map(probe));
      subgraphs.replaceChildren(
        table<Probe>(
          [
            ['Domain', (row) => row.domain],
            ['State', (row) => el('span', { class: row.ok ? 'ok' : 'bad' }, row.ok ? 'up' : 'down')],
            ['Answered in', (row) => `${row.ms} ms`],
            ['Detail', (row) => row.detail],
          ],
          probes,
          (row) => ({ 'data-domain': row.domain, 'data-state': row.ok ? 'up' : 'down' }),
        ),
      );
      const { deadLetters } = await graph<{ deadLetters: Array<{ consumer: string; lastFailedAt: string }> }>(LETTERS_BY_CONSUMER);
      const byConsumer = new Map<string, ConsumerRow>();
      for (const letter of deadLetters) {
        const seen = byConsumer.get(letter.consumer);
        byConsumer.set(letter.consumer, {
          consumer: letter.consumer,
          open: (seen?.open ?? 0) + 1,
          lastFailedAt: seen && seen.lastFailedAt > letter.lastFailedAt ? seen.lastFailedAt : letter.lastFailedAt,
        });
      }
      consumers.replaceChildren(
        byConsumer.size === 0
          ? el('p', { class: 'ok', 'data-state': 'keeping-up' }, 'No consumer has an open dead letter.')
          : table<ConsumerRow>(
              [
                ['Consumer', (row) => row.consumer],
                ['Open dead letters', (row) => el('a', { href: '#dead-letters' }, String(row.open))],
                ['Last failure (UTC)', (row) => row.lastFailedAt.slice(0, 19).replace('T', ' ')],
              ],
              [...byConsumer.values()],
              (row) => ({ 'data-consumer': row.consumer }),
            ),
      );
      say('');
    },
    INTERVAL_MS,
    (error) => say(describeError(error)),
  );
};
