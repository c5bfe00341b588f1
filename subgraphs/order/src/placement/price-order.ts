import { randomUUID } from 'node:crypto';
import type { PlaceOrderInput } from '../__generated__/schema-types.js';
import { couponRefused } from '../errors.js';
import type { OrderLineRecord, OrderRecord } from '../models/order.model.js';
import type { OrderRuntime } from '../runtime.js';
import { taxOf } from './tax-rules.js';

/**
 * The order as it will be stored, priced by the product domain's priceCart (list prices and the
 * promotions in force now for the customer's loyalty tier, read from the customer domain: the
 * same answer every channel gets) and costed from the catalog. CUSTOMER_UNAVAILABLE when the tier cannot be read.
 * NOT_FOUND for an unknown SKU, NOT_SOLD for a SKU without a price there, COUPON_REFUSED for a
 * coupon that cannot be used. Tax is the order domain's rule, on each line's discounted amount.
 */
export async function priceOrder(runtime: OrderRuntime, correlationId: string, input: PlaceOrderInput, hash: string): Promise<OrderRecord> {
  const coupons = input.couponCodes ?? [];
  // The customer domain owns the tier: a tier price list or promotion prices this order as priceCart
  // does for that tier. An id it does not know prices as no tier.
  const tier = await runtime.loyalty.tierOf(input.customerId, correlationId);
  const pricing = await runtime.catalog.priceCart(
    {
      currency: input.currency,
      channel: input.channel,
      storeId: input.fulfillment.locationId,
      ...(tier ? { tier } : {}),
      // Beyond its tier, the customer matters to pricing only through per-customer coupon limits:
      // without coupons, identical baskets of customers of one tier share one pricing request (a flash sale).
      ...(coupons.length ? { customerId: input.customerId, couponCodes: coupons } : {}),
      lines: input.lines.map((line) => ({ sku: line.sku, quantity: line.quantity })),
    },
    correlationId,
  );
  const refused = pricing.coupons.find((coupon) => coupon.refusal !== null);
  if (refused) throw couponRefused(refused.code, refused.refusal!);
  const lines: OrderLineRecord[] = input.lines.map((line, index) => {
    const priced = pricing.lines[index]!;
    const net = priced.unitListPriceMinor * line.quantity - priced.discountMinor;
    const tax = taxOf(net, input.currency);
    return {
      lineNumber: index + 1,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceMinor: priced.unitListPriceMinor,
      ...(priced.discountMinor > 0 ? { discountMinor: priced.discountMinor, discounts: priced.discounts.map((discount) => ({ ...discount })) } : {}),
      taxMinor: tax,
      lineTotalMinor: net + tax,
      unitCostMinor: priced.unitCostMinor ?? 0,
    };
  });
  const subtotalMinor = lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity - (line.discountMinor ?? 0), 0);
  const taxMinor = lines.reduce((sum, line) => sum + line.taxMinor, 0);
  const id = `ord_${randomUUID()}`;
  const now = new Date();
  return {
    _id: id,
    number: `W-${id.slice(4, 12).toUpperCase()}${id.slice(-4).toUpperCase()}`,
    idempotencyKey: input.idempotencyKey,
    requestHash: hash,
    correlationId,
    channel: input.channel,
    status: 'PLACED',
    customerId: input.customerId,
    currency: input.currency,
    fulfillment: { type: input.fulfillment.type, locationId: input.fulfillment.locationId },
    lines,
    totals: { subtotalMinor, taxMinor, totalMinor: subtotalMinor + taxMinor },
    payment: { authorizedMinor: 0, capturedMinor: 0, refundedMinor: 0 },
    placedAt: now,
    statusHistory: [{ status: 'PLACED', at: now }],
    ...(pricing.promotions.length ? { promotions: pricing.promotions.map((promotion) => ({ ...promotion })) } : {}),
    ...(coupons.length ? { couponCodes: [...coupons] } : {}),
  };
}

/** Uses the order's coupons before it is stored (all or none); COUPON_REFUSED when one was used up meanwhile. */
export async function redeemCoupons(runtime: OrderRuntime, order: OrderRecord): Promise<void> {
  if (!order.couponCodes?.length) return;
  const checks = await runtime.catalog.redeemCoupons(
    { orderId: order._id, ...(order.customerId ? { customerId: order.customerId } : {}), codes: order.couponCodes },
    order.correlationId,
  );
  const refused = checks.find((check) => check.refusal !== null);
  if (refused) throw couponRefused(refused.code, refused.refusal!);
}
