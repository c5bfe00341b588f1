import type { CurrencyCode } from '@mesh/server-kit';
import type { IntegrationModels } from '../models/index.js';
import type { InboundMessageRecord } from '../models/inbound-message.model.js';
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
import { MessageException, outcomeOfFailure, parse, parseJson, WaitForEarlier, type ProcessOutcome } from './message-outcome.js';
import { cancelOrder, recordExternalOrder, refundPayment, type OrderCommandTarget } from './order-commands.js';
import { processFulfilmentMessage } from './process-fulfilment-message.js';

export type { ProcessOutcome } from './message-outcome.js';

const SUPPORTED_CURRENCIES: readonly CurrencyCode[] = ['USD', 'EUR'];

/**
 * Translates one recorded message into the order domain's command and runs it (fulfilment
 * milestones: process-fulfilment-message.ts). A Shopify message: orders/create -> recordExternalOrder (SKUs, location and customer through the mapping tables),
 * orders/cancelled -> cancelOrder, refunds/create -> refundPayment (the refund's successful
 * transactions). Every command carries a key derived from Shopify's ids, so running a message
 * again (a replay, a crash mid-way) changes nothing twice. A refusal by the order domain is an
 * exception with its code; a failure to reach it is a retry.
 */
export async function processInboundMessage(models: IntegrationModels, target: OrderCommandTarget, message: InboundMessageRecord): Promise<ProcessOutcome> {
  if (message.system === 'fulfilment') return processFulfilmentMessage(target, message);
  try {
    if (!isShopifyTopic(message.topic)) throw new MessageException('UNSUPPORTED_TOPIC', `the mesh does not act on ${message.topic}`);
    const body = parseJson(message.body);
    const shop = message.sender;
    switch (message.topic) {
      case 'orders/create':
        return { kind: 'processed', orderId: await placeStorefrontOrder(models, target, shop, parse(shopifyOrderSchema, body)) };
      case 'orders/cancelled':
        return { kind: 'processed', orderId: await cancelStorefrontOrder(models, target, message, parse(shopifyCancelledOrderSchema, body)) };
      case 'refunds/create':
        return { kind: 'processed', orderId: await refundStorefrontOrder(models, target, message, parse(shopifyRefundSchema, body)) };
    }
  } catch (error) {
    return outcomeOfFailure(error);
  }
}

async function mapped(models: IntegrationModels, kind: MappingKind, externalId: string): Promise<string | undefined> {
  const mapping = await models.mappings.findById(mappingId(kind, 'shopify', externalId)).lean();
  return mapping?.internalId;
}

async function placeStorefrontOrder(models: IntegrationModels, target: OrderCommandTarget, shop: string, order: ShopifyOrder): Promise<string> {
  const currency = order.currency as CurrencyCode;
  if (!SUPPORTED_CURRENCIES.includes(currency)) throw new MessageException('INVALID_PAYLOAD', `currency ${order.currency} is not one the mesh sells in`);
  if (order.financial_status !== 'paid')
    throw new MessageException('NOT_PAID', `order ${order.name ?? order.id} is ${order.financial_status ?? 'without a financial status'}, not paid`);
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
  const link = await models.orderLinks.findById(`shopify:${message.sender}:${externalOrderId}`).lean();
  if (link) return link;
  const earlier = await models.inboundMessages.exists({ partitionKey: message.partitionKey, status: 'RECEIVED', receivedAt: { $lt: message.receivedAt } });
  if (earlier) throw new WaitForEarlier(`an earlier message of Shopify order ${externalOrderId} is still waiting`);
  throw new MessageException(
    'ORDER_NOT_RECORDED',
    `Shopify order ${externalOrderId} has not become a mesh order (its orders/create is missing or an exception)`,
  );
}

async function cancelStorefrontOrder(
  models: IntegrationModels,
  target: OrderCommandTarget,
  message: InboundMessageRecord,
  order: ShopifyCancelledOrder,
): Promise<string> {
  const link = await linkedOrder(models, message, order.id);
  const reason = order.cancel_reason === 'customer' ? 'CUSTOMER_REQUEST' : 'STORE_REQUEST';
  await cancelOrder(target, link.orderId, reason, `shopify:${message.sender}:cancel:${order.id}`);
  return link.orderId;
}

async function refundStorefrontOrder(
  models: IntegrationModels,
  target: OrderCommandTarget,
  message: InboundMessageRecord,
  refund: ShopifyRefund,
): Promise<string> {
  const link = await linkedOrder(models, message, refund.order_id);
  const amountMinor = refund.transactions
    .filter((transaction) => transaction.kind === 'refund' && transaction.status === 'success')
    .reduce((sum, transaction) => sum + minorUnitsOf(transaction.amount), 0);
  if (amountMinor === 0) throw new MessageException('INVALID_PAYLOAD', `refund ${refund.id} has no successful refund transaction`);
  await refundPayment(target, { idempotencyKey: `shopify:${message.sender}:refund:${refund.id}`, orderId: link.orderId, amountMinor, currency: link.currency });
  return link.orderId;
}
