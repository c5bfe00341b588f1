import type { CurrencyCode } from '@mesh/server-kit';
import type { IntegrationModels } from '../models/index.js';
import type { ExceptionCode, InboundMessageRecord } from '../models/inbound-message.model.js';
import { mappingId, type MappingKind } from '../models/mapping.model.js';
import {
  isShopifyTopic,
  minorUnitsOf,
  shopifyCancelledOrderSchema,
  shopifyOrderSchema,
  shopifyRefundSchema,
  type ShopifyCancelledOrder,
  type ShopifyOrder,
  type ShopifyRefund,
} from '../shopify/shopify-payloads.js';
import { cancelOrder, CommandRefused, recordExternalOrder, refundPayment, type OrderCommandTarget } from './order-commands.js';

/** What became of one message: done (with the order it made or touched), an exception to fix, or not yet (retry later). */
export type ProcessOutcome =
  | { readonly kind: 'processed'; readonly orderId: string }
  | { readonly kind: 'exception'; readonly code: ExceptionCode; readonly message: string }
  | { readonly kind: 'retry'; readonly reason: string };

const SUPPORTED_CURRENCIES: readonly CurrencyCode[] = ['USD', 'EUR'];

class MessageException extends Error {
  constructor(readonly code: ExceptionCode, message: string) {
    super(message);
  }
}

/** A message of this order that arrived earlier is still waiting: this one must wait for it. */
class WaitForEarlier extends Error {}

/**
 * Translates one recorded Shopify message into the order domain's command and runs it:
 * orders/create -> recordExternalOrder (SKUs, location and customer through the mapping tables),
 * orders/cancelled -> cancelOrder, refunds/create -> refundPayment (the refund's successful
 * transactions). Every command carries a key derived from Shopify's ids, so running a message
 * again (a replay, a crash mid-way) changes nothing twice. A refusal by the order domain is an
 * exception with its code; a failure to reach it is a retry.
 */
export async function processInboundMessage(models: IntegrationModels, target: OrderCommandTarget, message: InboundMessageRecord): Promise<ProcessOutcome> {
  try {
    if (!isShopifyTopic(message.topic)) throw new MessageException('UNSUPPORTED_TOPIC', `the mesh does not act on ${message.topic}`);
    const body = parseJson(message.body);
    const shop = message.shopDomain;
    switch (message.topic) {
      case 'orders/create':
        return { kind: 'processed', orderId: await placeStorefrontOrder(models, target, shop, parse(shopifyOrderSchema, body)) };
      case 'orders/cancelled':
        return { kind: 'processed', orderId: await cancelStorefrontOrder(models, target, message, parse(shopifyCancelledOrderSchema, body)) };
      case 'refunds/create':
        return { kind: 'processed', orderId: await refundStorefrontOrder(models, target, message, parse(shopifyRefundSchema, body)) };
    }
  } catch (error) {
    if (error instanceof MessageException) return { kind: 'exception', code: error.code, message: error.message };
    if (error instanceof WaitForEarlier) return { kind: 'retry', reason: error.message };
    if (error instanceof CommandRefused) return { kind: 'exception', ...refusalOf(error) };
    return { kind: 'retry', reason: (error as Error).message };
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new MessageException('INVALID_PAYLOAD', 'the body is not JSON');
  }
}

function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } } }, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`);
  throw new MessageException('INVALID_PAYLOAD', issues.join('; '));
}

function refusalOf(error: CommandRefused): { code: ExceptionCode; message: string } {
  if (error.code === 'NOT_FOUND' && typeof error.extensions['sku'] === 'string') return { code: 'UNKNOWN_SKU', message: error.message };
  if (error.code === 'PAYMENT_MISMATCH') return { code: 'PAYMENT_MISMATCH', message: error.message };
  return { code: 'COMMAND_REFUSED', message: `${error.code}: ${error.message}` };
}

async function mapped(models: IntegrationModels, kind: MappingKind, externalId: string): Promise<string | undefined> {
  const mapping = await models.mappings.findById(mappingId(kind, 'shopify', externalId)).lean();
  return mapping?.internalId;
}

async function placeStorefrontOrder(models: IntegrationModels, target: OrderCommandTarget, shop: string, order: ShopifyOrder): Promise<string> {
  const currency = order.currency as CurrencyCode;
  if (!SUPPORTED_CURRENCIES.includes(currency)) throw new MessageException('INVALID_PAYLOAD', `currency ${order.currency} is not one the mesh sells in`);
  if (order.financial_status !== 'paid') throw new MessageException('NOT_PAID', `order ${order.name ?? order.id} is ${order.financial_status ?? 'without a financial status'}, not paid`);
  const externalLocation = order.location_id ?? 'default';
  const locationId = await mapped(models, 'LOCATION', externalLocation);
  if (!locationId) throw new MessageException('UNKNOWN_LOCATION', `no LOCATION mapping for Shopify location ${externalLocation}`);
  const lines = [];
  for (const item of order.line_items) {
    if (!item.sku) throw new MessageException('UNKNOWN_SKU', `line item ${item.id} has no SKU`);
    // A storefront SKU without a mapping is taken as the mesh's own SKU; the order domain says whether it exists.
    lines.push({ sku: (await mapped(models, 'SKU', item.sku)) ?? item.sku, quantity: item.quantity, unitPriceMinor: minorUnitsOf(item.price) });
  }
  const customerId = order.customer ? ((await mapped(models, 'CUSTOMER', order.customer.id)) ?? null) : null;
  const placed = await recordExternalOrder(target, {
    idempotencyKey: `shopify:${shop}:order:${order.id}`,
    customerId,
    currency,
    lines,
    locationId,
    payment: { provider: 'shopify', reference: `${shop}/orders/${order.id}`, amountMinor: minorUnitsOf(order.total_price) },
  });
  await models.orderLinks.updateOne(
    { _id: `shopify:${shop}:${order.id}` },
    { $setOnInsert: { orderId: placed.id, currency, linkedAt: new Date() } },
    { upsert: true },
  );
  return placed.id;
}

/** The mesh order an external order became; waits for an earlier message of it, else ORDER_NOT_RECORDED. */
async function linkedOrder(models: IntegrationModels, message: InboundMessageRecord, externalOrderId: string) {
  const link = await models.orderLinks.findById(`shopify:${message.shopDomain}:${externalOrderId}`).lean();
  if (link) return link;
  const earlier = await models.inboundMessages.exists({ partitionKey: message.partitionKey, status: 'RECEIVED', receivedAt: { $lt: message.receivedAt } });
  if (earlier) throw new WaitForEarlier(`an earlier message of Shopify order ${externalOrderId} is still waiting`);
  throw new MessageException('ORDER_NOT_RECORDED', `Shopify order ${externalOrderId} has not become a mesh order (its orders/create is missing or an exception)`);
}

async function cancelStorefrontOrder(models: IntegrationModels, target: OrderCommandTarget, message: InboundMessageRecord, order: ShopifyCancelledOrder): Promise<string> {
  const link = await linkedOrder(models, message, order.id);
  const reason = order.cancel_reason === 'customer' ? 'CUSTOMER_REQUEST' : 'STORE_REQUEST';
  await cancelOrder(target, link.orderId, reason, `shopify:${message.shopDomain}:cancel:${order.id}`);
  return link.orderId;
}

async function refundStorefrontOrder(models: IntegrationModels, target: OrderCommandTarget, message: InboundMessageRecord, refund: ShopifyRefund): Promise<string> {
  const link = await linkedOrder(models, message, refund.order_id);
  const amountMinor = refund.transactions.filter((transaction) => transaction.kind === 'refund' && transaction.status === 'success').reduce((sum, transaction) => sum + minorUnitsOf(transaction.amount), 0);
  if (amountMinor === 0) throw new MessageException('INVALID_PAYLOAD', `refund ${refund.id} has no successful refund transaction`);
  await refundPayment(target, { idempotencyKey: `shopify:${message.shopDomain}:refund:${refund.id}`, orderId: link.orderId, amountMinor, currency: link.currency });
  return link.orderId;
}
