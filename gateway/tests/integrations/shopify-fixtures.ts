import { createHmac } from 'node:crypto';

// Webhook bodies shaped like Shopify's REST Admin API payloads for orders/create, orders/cancelled
// and refunds/create (the fields Shopify documents, including many the mesh ignores), and the
// headers Shopify sends with them.

export const SHOP = 'mesh-test.myshopify.com';
export const WEBHOOK_SECRET = 'shopify-test-signing-key';

export interface FixtureLine {
  readonly sku: string | null;
  readonly quantity: number;
  /** Net unit price in cents. */
  readonly priceMinor: number;
}

const decimal = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
/** The mesh's US sales tax (8% per line, half away from zero), which the storefront is configured to charge too. */
const taxOf = (netMinor: number) => Math.round((netMinor * 800) / 10_000);

/** An orders/create body: a paid USD order with `lines`, optionally at a Shopify location and for a Shopify customer. */
export function shopifyOrder(
  id: number,
  lines: readonly FixtureLine[],
  options: { locationId?: number | null; customerId?: number; financialStatus?: string } = {},
): Record<string, unknown> {
  const net = lines.map((line) => line.priceMinor * line.quantity);
  const taxes = net.map(taxOf);
  const subtotal = net.reduce((sum, value) => sum + value, 0);
  const tax = taxes.reduce((sum, value) => sum + value, 0);
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    app_id: 580111,
    browser_ip: '203.0.113.7',
    buyer_accepts_marketing: false,
    cancel_reason: null,
    cancelled_at: null,
    confirmed: true,
    contact_email: 'jon@example.com',
    created_at: '2026-12-03T10:30:00-05:00',
    currency: 'USD',
    current_total_price: decimal(subtotal + tax),
    email: 'jon@example.com',
    financial_status: options.financialStatus ?? 'paid',
    fulfillment_status: null,
    gateway: 'shopify_payments',
    location_id: options.locationId === undefined ? 655441491 : options.locationId,
    name: `#${id % 100000}`,
    number: id % 100000,
    order_number: 1000 + (id % 100000),
    processed_at: '2026-12-03T10:30:00-05:00',
    source_name: 'web',
    subtotal_price: decimal(subtotal),
    tags: '',
    taxes_included: false,
    test: false,
    total_discounts: '0.00',
    total_line_items_price: decimal(subtotal),
    total_price: decimal(subtotal + tax),
    total_tax: decimal(tax),
    total_weight: 0,
    customer: options.customerId
      ? { id: options.customerId, email: 'jon@example.com', first_name: 'Jon', last_name: 'Doe', state: 'enabled', verified_email: true }
      : null,
    line_items: lines.map((line, index) => ({
      id: id * 10 + index,
      admin_graphql_api_id: `gid://shopify/LineItem/${id * 10 + index}`,
      fulfillable_quantity: line.quantity,
      fulfillment_service: 'manual',
      fulfillment_status: null,
      gift_card: false,
      grams: 200,
      name: `Item ${line.sku}`,
      price: decimal(line.priceMinor),
      price_set: {
        shop_money: { amount: decimal(line.priceMinor), currency_code: 'USD' },
        presentment_money: { amount: decimal(line.priceMinor), currency_code: 'USD' },
      },
      product_exists: true,
      product_id: 632910392,
      quantity: line.quantity,
      requires_shipping: true,
      sku: line.sku,
      taxable: true,
      title: 'Item',
      total_discount: '0.00',
      variant_id: 808950810 + index,
      tax_lines: [{ title: 'State Tax', price: decimal(taxes[index] ?? 0), rate: 0.08 }],
    })),
    shipping_lines: [],
    shipping_address: { first_name: 'Jon', last_name: 'Doe', address1: '1 Main St', city: 'Newark', province_code: 'NJ', country_code: 'US', zip: '07102' },
  };
}

/** An orders/cancelled body: the order as it stands, cancelled. */
export function shopifyCancelledOrder(id: number, lines: readonly FixtureLine[], reason = 'customer'): Record<string, unknown> {
  return { ...shopifyOrder(id, lines), cancel_reason: reason, cancelled_at: '2026-12-03T11:00:00-05:00', financial_status: 'refunded' };
}

/** A refunds/create body paying back `amountMinor` on order `orderId` in one successful refund transaction. */
export function shopifyRefund(refundId: number, orderId: number, amountMinor: number): Record<string, unknown> {
  return {
    id: refundId,
    order_id: orderId,
    admin_graphql_api_id: `gid://shopify/Refund/${refundId}`,
    created_at: '2026-12-04T09:00:00-05:00',
    note: 'wrong size',
    processed_at: '2026-12-04T09:00:00-05:00',
    restock: false,
    user_id: null,
    order_adjustments: [],
    refund_line_items: [],
    transactions: [
      {
        id: refundId * 7,
        order_id: orderId,
        kind: 'refund',
        gateway: 'shopify_payments',
        status: 'success',
        message: null,
        amount: decimal(amountMinor),
        currency: 'USD',
        parent_id: orderId * 3,
        test: false,
      },
      {
        id: refundId * 7 + 1,
        order_id: orderId,
        kind: 'refund',
        gateway: 'shopify_payments',
        status: 'failure',
        message: 'declined',
        amount: '1.00',
        currency: 'USD',
        parent_id: orderId * 3,
        test: false,
      },
    ],
  };
}

export interface Delivery {
  readonly status: number;
  readonly body: { status?: string; id?: string; error?: string };
  readonly ms: number;
}

/** POSTs a body to the webhook endpoint as Shopify does: signed with `secret` unless `signature` is given (null: no header). */
export async function deliver(
  url: string,
  topic: string,
  webhookId: string,
  payload: unknown,
  options: { signature?: string | null; secret?: string } = {},
): Promise<Delivery> {
  const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signature =
    options.signature === undefined
      ? createHmac('sha256', options.secret ?? WEBHOOK_SECRET)
          .update(raw)
          .digest('base64')
      : options.signature;
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': SHOP,
      'x-shopify-webhook-id': webhookId,
      'x-shopify-api-version': '2026-01',
      'x-shopify-triggered-at': new Date().toISOString(),
      ...(signature === null ? {} : { 'x-shopify-hmac-sha256': signature }),
    },
    body: raw,
  });
  return { status: response.status, body: (await response.json()) as Delivery['body'], ms: performance.now() - started };
}
