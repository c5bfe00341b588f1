import { InvalidCursorError, openLiveUpdates, type LiveFeed } from '@mesh/events';
import { badUserInput, identifier, meshError, type CurrencyCode } from '@mesh/server-kit';
import type { LoyaltyTier, SalesChannel } from '../__generated__/schema-types.js';

/** One update of `Subscription.priceChanged` (the GraphQL PriceChange). */
export interface PriceChangeView {
  readonly cursor: string;
  readonly kind: 'CHANGE' | 'RETENTION_EXCEEDED';
  readonly sku: string | null;
  readonly currency: CurrencyCode | null;
  readonly channel: SalesChannel | null;
  readonly storeId: string | null;
  readonly tier: LoyaltyTier | null;
  readonly previousMinor: number | null;
  readonly currentMinor: number | null;
  readonly effectiveFrom: Date | null;
}

/** Most SKUs one subscription may watch (a clienteling app watches a client's wish list or a store's window). */
export const MAX_WATCHED_SKUS = 200;

/**
 * Opens the price changes of the watched SKUs as they take effect (`product.price-changed`, from
 * every replica through the feed). With `after`, the changes since that cursor come first; beyond
 * the retention window a RETENTION_EXCEEDED marker comes first instead (prices now: ask
 * ProductVariant.price). A slow reader gets the newest change per price list, never a backlog.
 */
export async function watchPriceChanges(
  feed: LiveFeed,
  args: { skus: readonly string[]; after?: string | null },
): Promise<AsyncIterableIterator<PriceChangeView | Error>> {
  if (args.skus.length === 0 || args.skus.length > MAX_WATCHED_SKUS) throw badUserInput(`skus must list 1 to ${MAX_WATCHED_SKUS} SKUs`, { argument: 'skus' });
  const skus = new Set(args.skus.map((sku) => identifier(sku, 'skus')));
  const empty = { sku: null, currency: null, channel: null, storeId: null, tier: null, previousMinor: null, currentMinor: null, effectiveFrom: null };
  try {
    return await openLiveUpdates<'product.price-changed', PriceChangeView>({
      feed,
      topic: 'product.price-changed',
      after: args.after ?? null,
      snapshot: false,
      readSnapshot: async () => [],
      toUpdate: ({ cursor, envelope: { data, occurredAt } }) =>
        skus.has(data.sku)
          ? {
              cursor,
              kind: 'CHANGE',
              sku: data.sku,
              currency: data.current.currency,
              channel: data.channel,
              storeId: data.storeId ?? null,
              tier: (data.tier as LoyaltyTier | undefined) ?? null,
              previousMinor: data.previous?.minorUnits ?? null,
              currentMinor: data.current.minorUnits,
              effectiveFrom: new Date(data.effectiveFrom ?? occurredAt),
            }
          : undefined,
      retentionExceeded: (cursor) => ({ cursor, kind: 'RETENTION_EXCEEDED', ...empty }),
      policy: {
        kind: 'coalesce',
        key: (update) => [update.sku, update.currency, update.channel, update.storeId, update.tier].join('\u0000'),
        max: 10_000,
        overflow: () => meshError('SLOW_CONSUMER', 'Price changes arrived faster than this subscriber read them; resubscribe with your last cursor'),
      },
      failed: () => meshError('UNAVAILABLE', 'The live price feed failed; resubscribe with your last cursor'),
    });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw badUserInput(error.message, { argument: 'after' });
    throw error;
  }
}
