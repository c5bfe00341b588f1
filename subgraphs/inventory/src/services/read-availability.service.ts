import { boundedList, identifier, notFound } from '@mesh/server-kit';
import type { InventoryLoaders, SkuLevels } from '../loaders.js';

/** Availability of one SKU as the graph returns it: its levels (at the asked locations) and when they were read. */
export type AvailabilityView = SkuLevels;

/**
 * Availability per SKU in the order asked, through the per-request loader (all SKUs of a request
 * in one query). `requireKnown` turns an unknown SKU into NOT_FOUND; entity references skip it
 * because the product subgraph already vouched for them.
 */
export async function readAvailability(
  loaders: InventoryLoaders,
  skus: readonly string[],
  locationIds: readonly string[] | null | undefined,
  options: { requireKnown: boolean },
): Promise<AvailabilityView[]> {
  const checkedSkus = (boundedList(skus, 'skus') ?? []).map((sku) => identifier(sku, 'skus'));
  const wanted = locationFilter(locationIds);
  if (options.requireKnown) {
    const known = await loaders.skuById.loadMany(checkedSkus);
    const unknown = checkedSkus.filter((_, index) => known[index] == null || known[index] instanceof Error);
    if (unknown.length > 0) throw notFound(`No SKU ${unknown.join(', ')}`, { argument: 'skus', skus: unknown });
  }
  // Named locations are the ones the page shows beside the levels: read them in the same round
  // as the levels (two queries in flight at once) rather than after them. loadMany never rejects.
  if (wanted) void loaders.locationById.loadMany([...wanted]);
  const found = await Promise.all(checkedSkus.map((sku) => loaders.levelsBySku.load(sku)));
  return found.map((entry) => (wanted ? { ...entry, levels: entry.levels.filter((level) => wanted.has(level.locationId)) } : entry));
}

function locationFilter(locationIds: readonly string[] | null | undefined): ReadonlySet<string> | undefined {
  const checked = boundedList(locationIds, 'locationIds');
  return checked ? new Set(checked.map((id) => identifier(id, 'locationIds'))) : undefined;
}
