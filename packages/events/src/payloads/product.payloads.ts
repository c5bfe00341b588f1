import type { Money, SalesChannel } from './common.payloads.js';

export interface ProductUpserted {
  readonly productId: string;
  readonly name: string;
  readonly brand: string;
  readonly category: string;
  /** Every sellable SKU of the product after the change. */
  readonly skus: readonly string[];
  /** True when the product did not exist before. */
  readonly created: boolean;
}

export interface PriceChanged {
  readonly sku: string;
  /** The channel the price applies to; null for the default price in that currency. */
  readonly channel: SalesChannel | null;
  /** null when the SKU had no price in that currency before. */
  readonly previous: Money | null;
  readonly current: Money;
}
