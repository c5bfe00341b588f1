import { announceEvents, isDuplicateKey, storedEnvelope } from '@mesh/events';
import { createHash, randomUUID } from 'node:crypto';
import { badUserInput, can, forbidden, idempotencyKeyReused, identifier, notFound, positiveQuantity, type Principal } from '@mesh/server-kit';
import type { ExternalOrderInput } from '../__generated__/schema-types.js';
import { paymentMismatch } from '../errors.js';
import type { OrderModels } from '../models/index.js';
import type { OrderLineRecord, OrderRecord } from '../models/order.model.js';
import { orderEnvelope, orderPlaced, statusChanged } from '../events/order-envelopes.js';
import type { OrderRuntime } from '../runtime.js';
import { taxOf } from './tax-rules.js';
import { requireSignedIn } from '../access.js';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES } from './place-order-input.js';

interface ExternalOrderCaller {
  readonly principal: Principal;
  readonly correlationId: string;
}

/** An external order's input with its amounts as safe integers. */
interface CheckedExternalOrder {
  readonly input: ExternalOrderInput;
  readonly lines: readonly { sku: string; quantity: number; unitPriceMinor: number }[];
  readonly paidMinor: number;
  readonly hash: string;
}

function minorOf(value: bigint, argument: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw badUserInput(`${argument} must be a whole number of minor units from 0`, { argument });
  return Number(value);
}

function validate(input: ExternalOrderInput): CheckedExternalOrder {
  if (input.idempotencyKey.length < 1 || input.idempotencyKey.length > 128)
    throw badUserInput('idempotencyKey must be 1 to 128 characters', { argument: 'input.idempotencyKey' });
  if (input.customerId != null) identifier(input.customerId, 'input.customerId');
  identifier(input.fulfillment.locationId, 'input.fulfillment.locationId');
  if (input.fulfillment.type === 'CARRY_OUT')
    throw badUserInput('an external order is shipped or picked up, not carried out at a till', { argument: 'input.fulfillment.type' });
  if (input.payment.provider.length < 1 || input.payment.provider.length > 64)
    throw badUserInput('payment.provider must be 1 to 64 characters', { argument: 'input.payment.provider' });
  if (input.payment.reference.length < 1 || input.payment.reference.length > 128)
    throw badUserInput('payment.reference must be 1 to 128 characters', { argument: 'input.payment.reference' });
  if (input.lines.length < 1 || input.lines.length > MAX_ORDER_LINES)
    throw badUserInput(`lines must hold 1 to ${MAX_ORDER_LINES} lines`, { argument: 'input.lines' });
  const seen = new Set<string>();
  const lines = input.lines.map((line, index) => {
    identifier(line.sku, `input.lines[${index}].sku`);
    positiveQuantity(line.quantity, `input.lines[${index}].quantity`, MAX_LINE_QUANTITY);
    if (seen.has(line.sku)) throw badUserInput(`SKU ${line.sku} appears on more than one line`, { argument: 'input.lines' });
    seen.add(line.sku);
    const unitPriceMinor = minorOf(line.unitPriceMinor, `input.lines[${index}].unitPriceMinor`);
    if (!Number.isSafeInteger(unitPriceMinor * line.quantity)) throw badUserInput(`input.lines[${index}] is too large`, { argument: 'input.lines' });
    return { sku: line.sku, quantity: line.quantity, unitPriceMinor };
  });
  const paidMinor = minorOf(input.payment.amountMinor, 'input.payment.amountMinor');
  const canonical = JSON.stringify([
    input.channel,
    input.customerId ?? null,
    input.currency,
    input.fulfillment.type,
    input.fulfillment.locationId,
    lines.map((line) => [line.sku, line.quantity, line.unitPriceMinor]),
    [input.payment.provider, input.payment.reference, paidMinor],
  ]);
  return { input, lines, paidMinor, hash: createHash('sha256').update(canonical).digest('hex') };
}

/**
 * Mutation.recordExternalOrder: an order a storefront or marketplace already took payment for.
 * Prices are the channel's, tax the order domain's rule, unit costs the catalog's; the payment
 * the channel took must equal the total (PAYMENT_MISMATCH otherwise), an unknown SKU is NOT_FOUND;
 * both write nothing. The order is inserted PLACED with order.order-status-changed and
 * order.order-placed in the same write, exactly like placeOrder, so inventory reserves it and the
 * usual decision, capture at fulfilment and ledger postings follow; unlike placeOrder it answers
 * at once (an integration does not wait). A repeated key returns the stored order; a repeated key
 * with other content is IDEMPOTENCY_KEY_REUSED.
 */
export async function recordExternalOrder(
  models: OrderModels,
  runtime: OrderRuntime,
  caller: ExternalOrderCaller,
  rawInput: ExternalOrderInput,
): Promise<OrderRecord> {
  requireSignedIn(caller.principal);
  if (!can(caller.principal, 'orders:place-any')) throw forbidden('Your role may not record channel orders');
  const checked = validate(rawInput);
  const existing = await models.orders.findOne({ idempotencyKey: checked.input.idempotencyKey }).lean<OrderRecord>();
  if (existing) return sameRequest(existing, checked);
  const order = await buildOrder(runtime, caller.correlationId, checked);
  const lineage = { correlationId: caller.correlationId };
  // No coupon was redeemed here: the product domain has nothing to confirm (and skips the event).
  const placed = orderPlaced(order, 'PLACED', []);
  const events = [
    statusChanged(order, null, 'PLACED', lineage, order.placedAt),
    orderEnvelope('order.order-placed', placed, order._id, 'placed', lineage, order.placedAt),
  ];
  try {
    await models.orders.create({ ...order, pendingEvents: events.map((event) => storedEnvelope(event)) });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const winner = await models.orders.findOne({ idempotencyKey: checked.input.idempotencyKey }).lean<OrderRecord>();
    if (!winner) throw error;
    return sameRequest(winner, checked);
  }
  announceEvents(models.orders);
  return order;
}

function sameRequest(order: OrderRecord, checked: CheckedExternalOrder): OrderRecord {
  if (order.requestHash !== checked.hash) throw idempotencyKeyReused(checked.input.idempotencyKey);
  return order;
}

async function buildOrder(runtime: OrderRuntime, correlationId: string, checked: CheckedExternalOrder): Promise<OrderRecord> {
  const { input } = checked;
  const catalog = await runtime.catalog.readVariants(
    checked.lines.map((line) => line.sku),
    input.currency,
    correlationId,
  );
  const lines: OrderLineRecord[] = checked.lines.map((line, index) => {
    const variant = catalog[index];
    if (!variant) throw notFound(`There is no SKU ${line.sku}`, { sku: line.sku });
    const net = line.unitPriceMinor * line.quantity;
    const tax = taxOf(net, input.currency);
    return {
      lineNumber: index + 1,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceMinor: line.unitPriceMinor,
      taxMinor: tax,
      lineTotalMinor: net + tax,
      unitCostMinor: variant.unitCostMinor ?? 0,
    };
  });
  const subtotalMinor = lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0);
  const taxMinor = lines.reduce((sum, line) => sum + line.taxMinor, 0);
  const totalMinor = subtotalMinor + taxMinor;
  if (checked.paidMinor !== totalMinor) throw paymentMismatch(checked.paidMinor, totalMinor, subtotalMinor, taxMinor, input.currency);
  const id = `ord_${randomUUID()}`;
  const now = new Date();
  const { provider, reference } = input.payment;
  return {
    _id: id,
    number: `X-${id.slice(4, 12).toUpperCase()}${id.slice(-4).toUpperCase()}`,
    idempotencyKey: input.idempotencyKey,
    requestHash: checked.hash,
    correlationId,
    channel: input.channel,
    status: 'PLACED',
    ...(input.customerId ? { customerId: input.customerId } : {}),
    currency: input.currency,
    fulfillment: { type: input.fulfillment.type, locationId: input.fulfillment.locationId },
    lines,
    totals: { subtotalMinor, taxMinor, totalMinor },
    payment: { authorizedMinor: 0, capturedMinor: 0, refundedMinor: 0 },
    externalPayment: { provider, reference, amountMinor: checked.paidMinor },
    placedAt: now,
    statusHistory: [{ status: 'PLACED', at: now, reason: `paid on ${provider} (${reference})` }],
  };
}
