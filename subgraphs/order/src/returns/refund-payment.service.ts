import { announceEvents, storedEnvelope } from '@mesh/events';
import { createHash, randomUUID } from 'node:crypto';
import { badUserInput, idempotencyKeyReused, identifier, notFound, type Principal } from '@mesh/server-kit';
import type { RefundPaymentInput } from '../__generated__/schema-types.js';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import type { RefundRecord } from '../models/order-return.schema.js';
import { eventMoney, orderEnvelope } from '../events/order-envelopes.js';
import type { OrderRuntime } from '../runtime.js';
import { assertMayProcessReturns, backoff, goodwillTax, REFUNDABLE_STATUSES } from './return-rules.js';
import type { RefundPaymentOutcome } from './return-outcomes.js';

/** Enough for 100+ concurrent refunds of one order across instances: each lost race means another refund was recorded. */
const MAX_ATTEMPTS = 400;

interface CheckedInput {
  readonly orderId: string;
  readonly idempotencyKey: string;
  readonly amountMinor: number;
  readonly currency: RefundPaymentInput['currency'];
  readonly reason: RefundPaymentInput['reason'];
}

function validate(input: RefundPaymentInput): CheckedInput {
  if (input.idempotencyKey.length < 1 || input.idempotencyKey.length > 128)
    throw badUserInput('idempotencyKey must be 1 to 128 characters', { argument: 'input.idempotencyKey' });
  const amount = BigInt(input.amountMinor);
  if (amount < 1n || amount > BigInt(Number.MAX_SAFE_INTEGER)) throw badUserInput('amountMinor must be at least 1', { argument: 'input.amountMinor' });
  if (input.reason === 'RETURN') throw badUserInput('RETURN refunds are paid by receiveReturn', { argument: 'input.reason' });
  return {
    orderId: identifier(input.orderId, 'input.orderId'),
    idempotencyKey: input.idempotencyKey,
    amountMinor: Number(amount),
    currency: input.currency,
    reason: input.reason,
  };
}

const requestHash = (input: CheckedInput) =>
  createHash('sha256')
    .update(JSON.stringify([input.orderId, input.amountMinor, input.currency, input.reason]))
    .digest('hex');

/**
 * Pays money back without goods (see Mutation.refundPayment) in one guarded single-document
 * update: `payment.refundedMinor` is raised only while it is exactly the value the refund was
 * checked against (and so at most captured minus this amount), with the refund and its
 * order.payment-refunded event (exact `refundedTotal`) in the same write. Of many concurrent
 * refunds, every one that still fits is recorded and every other is RefundRefused
 * REFUND_EXCEEDS_CAPTURED, writing nothing; the refunded total never passes captured. Refunds and
 * receipts of one order queue up in this process to spare lost races; the guard holds across processes.
 */
export async function refundPayment(
  models: OrderModels,
  runtime: Pick<OrderRuntime, 'orderQueue'>,
  principal: Principal,
  rawInput: RefundPaymentInput,
): Promise<RefundPaymentOutcome> {
  assertMayProcessReturns(principal);
  const input = validate(rawInput);
  return runtime.orderQueue.run(input.orderId, () => attemptRefund(models, input));
}

async function attemptRefund(models: OrderModels, input: CheckedInput): Promise<RefundPaymentOutcome> {
  const hash = requestHash(input);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const order = await models.orders.findById(input.orderId).lean<OrderRecord>();
    if (!order) throw notFound(`There is no order ${input.orderId}`);
    const earlier = order.refunds?.find((refund) => refund.idempotencyKey === input.idempotencyKey);
    if (earlier) {
      if (earlier.requestHash !== hash) throw idempotencyKeyReused(input.idempotencyKey);
      return { kind: 'issued', order, refund: earlier };
    }
    if (input.currency !== order.currency)
      throw badUserInput(`Order ${order._id} is in ${order.currency}, not ${input.currency}`, { argument: 'input.currency' });
    const captured = order.payment.capturedMinor;
    const refundedBefore = order.payment.refundedMinor;
    if (!REFUNDABLE_STATUSES.includes(order.status) || captured === 0) return { kind: 'refused', reason: 'ORDER_NOT_REFUNDABLE', order };
    if (refundedBefore + input.amountMinor > captured) return { kind: 'refused', reason: 'REFUND_EXCEEDS_CAPTURED', order };

    const at = new Date();
    const taxMinor = goodwillTax(order, input.amountMinor);
    const refund: RefundRecord = {
      _id: `rfd_${randomUUID()}`,
      reason: input.reason,
      amountMinor: input.amountMinor,
      taxMinor,
      at,
      idempotencyKey: input.idempotencyKey,
      requestHash: hash,
      refundedTotalMinor: refundedBefore + input.amountMinor,
    };
    const event = orderEnvelope(
      'order.payment-refunded',
      {
        orderId: order._id,
        channel: order.channel,
        locationId: order.fulfillment.locationId,
        paymentId: `pay_${order._id}`,
        refundId: refund._id,
        ...(order.customerId ? { customerId: order.customerId } : {}),
        amount: eventMoney(input.amountMinor, order),
        tax: eventMoney(taxMinor, order),
        refundedTotal: eventMoney(refund.refundedTotalMinor, order),
      },
      order._id,
      `refund:${refund._id}`,
      { correlationId: order.correlationId },
      at,
    );
    const updated = await models.orders
      .findOneAndUpdate(
        {
          _id: order._id,
          status: { $in: REFUNDABLE_STATUSES },
          'payment.capturedMinor': captured,
          'payment.refundedMinor': { $eq: refundedBefore, $lte: captured - input.amountMinor },
          'refunds.idempotencyKey': { $ne: input.idempotencyKey },
        },
        {
          $inc: { 'payment.refundedMinor': input.amountMinor },
          $push: { refunds: refund, pendingEvents: storedEnvelope(event) },
        },
        { returnDocument: 'after' },
      )
      .lean<OrderRecord>();
    if (updated) {
      announceEvents(models.orders);
      return { kind: 'issued', order: updated, refund };
    }
    await backoff(attempt);
  }
  throw new Error(`order ${input.orderId} kept changing while a refund was paid`);
}
