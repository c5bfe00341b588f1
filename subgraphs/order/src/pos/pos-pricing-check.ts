import type { GraphQLError } from 'graphql';
import type { CurrencyCode } from '@mesh/server-kit';
import type { CartPricing } from '../clients/product-client.js';
import type { OrderRuntime } from '../runtime.js';
import { PosRejection, type PosSale } from './pos-sale.js';

/**
 * What is wrong with the till's pricing of `sale` against the rules in force at its time
 * (`pricing`: the product domain's priceCart for the same basket, channel POS, the store, the
 * sale's instant, the tier of the customer whose card was scanned), in words; null when the list prices, every line's discount and the set of
 * promotions all match. A promotion the till claims that was not in force shows as a difference
 * in the set.
 */
export function tillPricingProblem(sale: PosSale, pricing: CartPricing): string | null {
  const problems: string[] = [];
  sale.lines.forEach((line, index) => {
    const priced = pricing.lines[index];
    if (!priced) return;
    if (priced.unitListPriceMinor !== line.unitPriceMinor) problems.push(`${line.sku}: list price ${priced.unitListPriceMinor}, till ${line.unitPriceMinor}`);
    if (priced.discountMinor !== line.discountMinor) problems.push(`${line.sku}: discount ${priced.discountMinor}, till ${line.discountMinor}`);
  });
  const ruled = pricing.promotions.map((promotion) => promotion.promotionId).sort();
  const claimed = [...(sale.promotionIds ?? [])].sort();
  const notInForce = claimed.filter((id) => !ruled.includes(id));
  const missed = ruled.filter((id) => !claimed.includes(id));
  if (notInForce.length) problems.push(`not applicable at ${sale.occurredAt.toISOString()}: ${notInForce.join(', ')}`);
  if (missed.length) problems.push(`in force but not applied: ${missed.join(', ')}`);
  return problems.length ? `the till's pricing differs from the rules in force (${problems.join('; ')}) in ${sale.currency} minor units` : null;
}

/**
 * The rules' pricing of every sale that names its promotions, by sale key, read before anything is
 * written (a failing product subgraph fails the upload, as the catalog read does). A SKU the
 * catalog does not know is UNKNOWN_SKU, one with no price at the store then is PRICING_MISMATCH.
 */
export async function rulesPricingOf(
  runtime: OrderRuntime,
  correlationId: string,
  storeId: string,
  sales: readonly PosSale[],
): Promise<Map<string, CartPricing | PosRejection>> {
  const priced = new Map<string, CartPricing | PosRejection>();
  for (const sale of sales) {
    if (!sale.promotionIds) continue;
    try {
      // A scanned loyalty card prices with the customer's tier (as the customer domain holds it now: tiers keep no history).
      const tier = sale.customerId ? await runtime.loyalty.tierOf(sale.customerId, correlationId) : null;
      const cart = {
        currency: sale.currency as CurrencyCode,
        channel: 'POS',
        storeId,
        ...(tier ? { tier } : {}),
        at: sale.occurredAt.toISOString(),
        lines: sale.lines.map((line) => ({ sku: line.sku, quantity: line.quantity })),
      };
      priced.set(sale.key, await runtime.catalog.priceCart(cart, correlationId));
    } catch (error) {
      const code = (error as Partial<GraphQLError>).extensions?.['code'];
      if (code === 'NOT_FOUND') priced.set(sale.key, new PosRejection('UNKNOWN_SKU', (error as Error).message));
      else if (code === 'NOT_SOLD')
        priced.set(sale.key, new PosRejection('PRICING_MISMATCH', `a SKU has no list price at ${storeId} at ${sale.occurredAt.toISOString()}`));
      else throw error;
    }
  }
  return priced;
}
