import { z } from 'zod';

// The parts of Shopify's webhook payloads the mesh reads (REST Admin API shapes, as Shopify
// documents them for orders/create, orders/cancelled and refunds/create). Unknown fields are
// ignored (Shopify adds fields in new API versions); a missing or mistyped required one makes
// the message an INVALID_PAYLOAD exception.

/** Shopify ids are 64-bit integers in JSON; kept as strings so none loses precision. */
const shopifyId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);
/** Shopify money: a decimal string such as "199.00". */
const decimal = z.string().regex(/^\d{1,15}(\.\d{1,2})?$/, 'a decimal amount such as "199.00"');

export const shopifyOrderSchema = z.object({
  id: shopifyId,
  name: z.string().optional(),
  currency: z.string().length(3),
  total_price: decimal,
  financial_status: z.string().nullable().optional(),
  location_id: shopifyId.nullable().optional(),
  customer: z.object({ id: shopifyId, email: z.string().nullable().optional() }).nullable().optional(),
  line_items: z
    .array(
      z.object({
        id: shopifyId,
        sku: z.string().nullable(),
        quantity: z.number().int().positive(),
        price: decimal,
      }),
    )
    .min(1),
});
export type ShopifyOrder = z.infer<typeof shopifyOrderSchema>;

export const shopifyCancelledOrderSchema = z.object({
  id: shopifyId,
  cancel_reason: z.string().nullable().optional(),
});
export type ShopifyCancelledOrder = z.infer<typeof shopifyCancelledOrderSchema>;

export const shopifyRefundSchema = z.object({
  id: shopifyId,
  order_id: shopifyId,
  transactions: z.array(
    z.object({
      kind: z.string(),
      status: z.string(),
      amount: decimal,
      currency: z.string().length(3).optional(),
    }),
  ),
});
export type ShopifyRefund = z.infer<typeof shopifyRefundSchema>;

/** The topics the mesh acts on, and which order each names (the partition key of its messages). */
export const SHOPIFY_TOPICS = ['orders/create', 'orders/cancelled', 'refunds/create'] as const;
export type ShopifyTopic = (typeof SHOPIFY_TOPICS)[number];

export function isShopifyTopic(topic: string): topic is ShopifyTopic {
  return (SHOPIFY_TOPICS as readonly string[]).includes(topic);
}

/** The external order id a message is about, read leniently (a broken payload still gets a key of its own). */
export function orderIdOf(topic: string, body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = topic === 'refunds/create' ? (body as { order_id?: unknown }).order_id : (body as { id?: unknown }).id;
  return typeof value === 'number' || typeof value === 'string' ? String(value) : undefined;
}

/** "199.00" in minor units of a two-decimal currency (USD, EUR). */
export function minorUnitsOf(amount: string): number {
  const [whole = '0', fraction = ''] = amount.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}
