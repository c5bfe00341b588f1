import { InvalidCursorError, openLiveUpdates, type LiveFeed } from '@mesh/events';
import { badUserInput, identifier, meshError } from '@mesh/server-kit';
import type { InventoryLoaders } from '../loaders.js';
import { availableToSell } from '../models/stock-level.model.js';

/** One update of `Subscription.availabilityChanged` (the GraphQL AvailabilityUpdate). */
export interface AvailabilityUpdateView {
  readonly cursor: string;
  readonly kind: 'SNAPSHOT' | 'CHANGE' | 'RETENTION_EXCEEDED';
  readonly sku: string | null;
  readonly locationId: string | null;
  readonly available: number | null;
  readonly previousAvailable: number | null;
  readonly onHand: number | null;
  readonly reserved: number | null;
  readonly at: Date;
}

export interface WatchAvailabilityArgs {
  readonly skus: readonly string[];
  readonly locationIds?: readonly string[] | null;
  readonly after?: string | null;
  readonly snapshot?: boolean | null;
}

/** Most SKUs and locations one subscription may watch. */
export const WATCH_LIMITS = Object.freeze({ maxSkus: 200, maxLocations: 50 });

/**
 * Opens the availability updates of the watched SKUs and locations (see the SDL for the
 * contract). Slow readers are coalesced to the newest value per (SKU, location). Throws
 * BAD_USER_INPUT for too many or malformed ids and for a cursor this service never issued.
 */
export async function watchAvailability(
  feed: LiveFeed,
  loaders: InventoryLoaders,
  args: WatchAvailabilityArgs,
): Promise<AsyncIterableIterator<AvailabilityUpdateView | Error>> {
  if (args.skus.length === 0 || args.skus.length > WATCH_LIMITS.maxSkus)
    throw badUserInput(`skus must list 1 to ${WATCH_LIMITS.maxSkus} SKUs`, { argument: 'skus' });
  if (args.locationIds && args.locationIds.length > WATCH_LIMITS.maxLocations) {
    throw badUserInput(`locationIds may list at most ${WATCH_LIMITS.maxLocations} locations`, { argument: 'locationIds' });
  }
  const skus = new Set(args.skus.map((sku) => identifier(sku, 'skus')));
  const locations = args.locationIds ? new Set(args.locationIds.map((id) => identifier(id, 'locationIds'))) : undefined;
  const watched = (sku: string, locationId: string) => skus.has(sku) && (!locations || locations.has(locationId));
  try {
    return await openLiveUpdates<'inventory.availability-changed', AvailabilityUpdateView>({
      feed,
      topic: 'inventory.availability-changed',
      after: args.after ?? null,
      snapshot: args.snapshot ?? false,
      readSnapshot: async (cursor) => {
        const found = await Promise.all([...skus].map((sku) => loaders.levelsBySku.load(sku)));
        return found.flatMap((entry) =>
          entry.levels
            .filter((level) => watched(level.sku, level.locationId))
            .map((level) => ({
              cursor,
              kind: 'SNAPSHOT' as const,
              sku: level.sku,
              locationId: level.locationId,
              available: availableToSell(level),
              previousAvailable: null,
              onHand: level.onHand,
              reserved: level.reserved,
              at: level.updatedAt,
            })),
        );
      },
      toUpdate: ({ cursor, envelope: { data, occurredAt } }) =>
        watched(data.sku, data.locationId)
          ? {
              cursor,
              kind: 'CHANGE',
              sku: data.sku,
              locationId: data.locationId,
              available: data.availableToSell,
              previousAvailable: data.previousAvailableToSell,
              onHand: data.onHand,
              reserved: data.reserved,
              at: new Date(occurredAt),
            }
          : undefined,
      retentionExceeded: (cursor) => ({
        cursor,
        kind: 'RETENTION_EXCEEDED',
        sku: null,
        locationId: null,
        available: null,
        previousAvailable: null,
        onHand: null,
        reserved: null,
        at: new Date(),
      }),
      policy: {
        kind: 'coalesce',
        key: (update) => `${update.sku ?? ''}\u0000${update.locationId ?? ''}`,
        // Below this every change is delivered in order; beyond it they collapse to one per watched
        // pair, and every watched pair (plus a marker) always fits after collapsing.
        max: WATCH_LIMITS.maxSkus * WATCH_LIMITS.maxLocations + 1,
        overflow: () => meshError('SLOW_CONSUMER', 'Availability changes arrived faster than this subscriber read them; resubscribe with your last cursor'),
      },
      failed: () => meshError('UNAVAILABLE', 'The live availability feed failed; resubscribe with your last cursor'),
    });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw badUserInput(error.message, { argument: 'after' });
    throw error;
  }
}
