import type { Money, SalesChannel } from './common.payloads.js';

/**
 * A price took effect: published by the product domain's price announcer when a scheduled period
 * starts (not when it was entered), once per (price list, period start).
 */
export interface PriceChanged {
  readonly sku: string;
  /** The channel the price applies to; null for the default price in that currency. */
  readonly channel: SalesChannel | null;
  /** Set when the price list is narrowed to one store. */
  readonly storeId?: string;
  /** Set when the price list is narrowed to one loyalty tier (NONE, SILVER, GOLD, PLATINUM). */
  readonly tier?: string;
  /** The list's price before this period; null when the SKU had no price in this list before. */
  readonly previous: Money | null;
  readonly current: Money;
  /** When the new price took effect (ISO 8601). Absent on events from before scheduling existed. */
  readonly effectiveFrom?: string;
  /** When it ends, if scheduled to (ISO 8601). */
  readonly effectiveTo?: string;
}
