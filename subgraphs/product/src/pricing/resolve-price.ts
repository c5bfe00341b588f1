import type { CurrencyCode } from '@mesh/server-kit';
import type { LoyaltyTier, SalesChannel } from '../__generated__/schema-types.js';
import type { PriceListRecord } from './price-list.model.js';
import { periodAt } from './price-timeline.js';

/** Where and for whom a price is asked. Absent fields match only lists that do not narrow by them. */
export interface PriceQuery {
  readonly currency: CurrencyCode;
  readonly channel?: SalesChannel | null | undefined;
  readonly storeId?: string | null | undefined;
  readonly tier?: LoyaltyTier | null | undefined;
  readonly at: Date;
}

/** A list price and the list it came from. */
export interface ResolvedPrice {
  readonly amountMinor: number;
  readonly currency: CurrencyCode;
  readonly priceListId: string;
  readonly from: Date;
  readonly to: Date | undefined;
}

/** How specific a list is: a store beats a tier beats a channel beats the default price. */
function specificity(list: PriceListRecord): number {
  return (list.storeId ? 4 : 0) + (list.tier ? 2 : 0) + (list.channel ? 1 : 0);
}

/**
 * The one rule for a SKU's list price: of the SKU's lists in the currency that apply to the query
 * (each narrowing field equal to the query's), the most specific one with a period in force at
 * `at`; a more specific list with nothing in force then falls back to the next. Null: not sold.
 */
export function resolvePrice(lists: readonly PriceListRecord[], query: PriceQuery): ResolvedPrice | null {
  const applicable = lists
    .filter((list) => list.currency === query.currency)
    .filter(
      (list) =>
        (!list.channel || list.channel === query.channel) && (!list.storeId || list.storeId === query.storeId) && (!list.tier || list.tier === query.tier),
    )
    .sort((a, b) => specificity(b) - specificity(a));
  for (const list of applicable) {
    const period = periodAt(list.periods, query.at);
    if (period) return { amountMinor: period.amountMinor, currency: list.currency, priceListId: list._id, from: period.from, to: period.to };
  }
  return null;
}
