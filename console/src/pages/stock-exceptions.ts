import { el, table, timeOfDay } from '../dom.js';
import { describeError } from '../graph.js';
import { poll, type Page } from '../page.js';

const INTERVAL_MS = 5000;

const STOCK_EXCEPTIONS = `query ConsoleStockExceptions {
  stockExceptions(first: 50) {
    unitsBeyondStock
    movement { id sku occurredAt orderId correlationId location { code name } }
    countedBy { occurredAt quantityDelta }
  }
}`;

interface StockException {
  readonly unitsBeyondStock: number;
  readonly movement: {
    readonly id: string;
    readonly sku: string;
    readonly occurredAt: string;
    readonly orderId: string | null;
    readonly correlationId: string;
    readonly location: { readonly code: string; readonly name: string };
  };
  readonly countedBy: { readonly occurredAt: string; readonly quantityDelta: number } | null;
}

/**
 * Stock exceptions: till sales that sold more than inventory had on record, newest first, each
 * marked "needs a cycle count" until a count of its SKU at that store is recorded.
 */
export const stockExceptionsPage: Page = (root, { graph, say }) => {
  const list = el('div', { id: 'stock-exceptions' });
  root.append(
    el('h2', {}, 'Stock exceptions'),
    el('p', { class: 'hint' }, 'Till sales beyond recorded stock: the shelf and the books disagree until the SKU is counted at that store.'),
    list,
  );
  return poll(
    async () => {
      const { stockExceptions } = await graph<{ stockExceptions: StockException[] }>(STOCK_EXCEPTIONS);
      list.replaceChildren(
        stockExceptions.length === 0
          ? el('p', { class: 'empty' }, 'No till sale went beyond recorded stock.')
          : table<StockException>(
              [
                ['Sold', (exception) => `${exception.movement.occurredAt.slice(0, 10)} ${timeOfDay(exception.movement.occurredAt)}`],
                ['Store', (exception) => `${exception.movement.location.name} (${exception.movement.location.code})`],
                ['SKU', (exception) => exception.movement.sku],
                ['Units beyond stock', (exception) => String(exception.unitsBeyondStock)],
                [
                  'Order',
                  (exception) =>
                    el(
                      'a',
                      { href: `#trace/${encodeURIComponent(exception.movement.correlationId)}`, class: 'mono' },
                      exception.movement.orderId ?? exception.movement.correlationId,
                    ),
                ],
                [
                  'Cycle count',
                  (exception) =>
                    exception.countedBy
                      ? el(
                          'span',
                          { class: 'ok' },
                          `counted ${exception.countedBy.occurredAt.slice(0, 10)} (${exception.countedBy.quantityDelta >= 0 ? '+' : ''}${exception.countedBy.quantityDelta})`,
                        )
                      : el('span', { class: 'bad' }, 'needs a cycle count'),
                ],
              ],
              stockExceptions,
              (exception) => ({ 'data-movement-id': exception.movement.id, 'data-state': exception.countedBy ? 'counted' : 'needs-count' }),
            ),
      );
      say('');
    },
    INTERVAL_MS,
    (error) => say(describeError(error)),
  );
};
