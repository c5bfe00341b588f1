import { announceEvents, storedEnvelope } from '@mesh/events';
import { randomUUID } from 'node:crypto';
import type { EnvelopeOf, Topic } from '@mesh/events';
import { badUserInput, identifier, notFound, type Principal } from '@mesh/server-kit';
import type { OrderStatus, ReceiveReturnInput } from '../__generated__/schema-types.js';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import type { RefundRecord, ReturnLineRecord, ReturnRecord } from '../models/order-return.schema.js';
import { eventMoney, orderEnvelope, statusChanged } from '../events/order-envelopes.js';
import type { OrderRuntime } from '../runtime.js';
import { assertMayProcessReturns, backoff, lineRefund, returnedGuard, RETURNABLE_STATUSES } from './return-rules.js';
import type { ReceiveReturnOutcome } from './return-outcomes.js';

const MAX_ATTEMPTS = 60;

function validate(input: ReceiveReturnInput): ReceiveReturnInput {
  identifier(input.returnId, 'input.returnId');
  identifier(input.locationId, 'input.locationId');
  if (input.idempotencyKey.length < 1 || input.idempotencyKey.length > 128)
    throw badUserInput('idempotencyKey must be 1 to 128 characters', { argument: 'input.idempotencyKey' });
  const seen = new Set<number>();
  for (const line of input.lines) {
    if (seen.has(line.lineNumber)) throw badUserInput(`line ${line.lineNumber} appears more than once`, { argument: 'input.lines' });
    seen.add(line.lineNumber);
  }
  return input;
}

/**
 * Receives a return's goods and refunds them (see Mutation.receiveReturn) in ONE guarded
 * single-document update of the order: the return COMPLETED with its lines' dispositions and
 * refunds, each line's `returnedQuantity` raised, `payment.refundedMinor` raised, the status
 * (PARTIALLY_RETURNED or RETURNED) with its history, and the pending events
 * (order.return-received, order.payment-refunded, order.order-status-changed when the status
 * changes, order.return-completed), all with the order's correlation id.
 *
 * The update only applies while the order is exactly as the refund was computed from: every
 * line's returned counter and the refunded total unchanged (so the telescoping tax shares, the new
 * status and the event's refundedTotal are exact), and the refunded total at most captured minus
 * this refund. A concurrent receipt or refund makes it re-read and decide again; a refund that no
 * longer fits is ReturnNotReceivable REFUND_EXCEEDS_CAPTURED, with nothing written. Receipts and
 * refunds of one order queue up in this process to spare lost races; the guard holds across processes.
 */
export async function receiveReturn(
  models: OrderModels,
  runtime: OrderRuntime,
  principal: Principal,
  rawInput: ReceiveReturnInput,
): Promise<ReceiveReturnOutcome> {
  assertMayProcessReturns(principal);
  const input = validate(rawInput);
  const owner = await models.orders.findOne({ 'returns._id': input.returnId }, { _id: 1 }).lean<{ _id: string }>();
  if (!owner) throw notFound(`There is no return ${input.returnId}`);
  const outcome = await runtime.orderQueue.run(owner._id, () => attemptReceipt(models, input));
  if (outcome.kind === 'received' && outcome.now) runtime.kpis.returnRefunded(outcome.order.channel, outcome.record.requestedAt);
  return outcome;
}

async function attemptReceipt(models: OrderModels, input: ReceiveReturnInput): Promise<ReceiveReturnOutcome> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const order = await models.orders.findOne({ 'returns._id': input.returnId }).lean<OrderRecord>();
    if (!order) throw notFound(`There is no return ${input.returnId}`);
    const returnIndex = (order.returns ?? []).findIndex((candidate) => candidate._id === input.returnId);
    const record = order.returns![returnIndex]!;
    if (record.status === 'COMPLETED') {
      if (record.receiveKey === input.idempotencyKey) return { kind: 'received', order, record, now: false };
      return { kind: 'not-receivable', returnId: record._id, reason: 'ALREADY_RECEIVED', order };
    }
    const dispositions = new Map(input.lines.map((line) => [line.lineNumber, line.disposition]));
    if (dispositions.size !== record.lines.length || record.lines.some((line) => !dispositions.has(line.lineNumber))) {
      throw badUserInput(`Give every line of return ${record._id} (lines ${record.lines.map((line) => line.lineNumber).join(', ')}) one disposition`, {
        argument: 'input.lines',
      });
    }
    if (!RETURNABLE_STATUSES.includes(order.status)) throw new Error(`order ${order._id} holds an open return but is ${order.status}`);

    const returned = order.lines.map((line) => line.returnedQuantity ?? 0);
    const lines: ReturnLineRecord[] = record.lines.map((returnLine) => {
      const index = order.lines.findIndex((line) => line.lineNumber === returnLine.lineNumber);
      const line = order.lines[index]!;
      const { refundMinor, taxMinor } = lineRefund(line, returned[index]!, returnLine.quantity);
      returned[index] = returned[index]! + returnLine.quantity;
      return { ...returnLine, disposition: dispositions.get(returnLine.lineNumber)!, refundMinor, taxMinor };
    });
    const refundMinor = lines.reduce((sum, line) => sum + line.refundMinor!, 0);
    const taxMinor = lines.reduce((sum, line) => sum + line.taxMinor!, 0);
    const captured = order.payment.capturedMinor;
    const refundedBefore = order.payment.refundedMinor;
    if (refundedBefore + refundMinor > captured) return { kind: 'not-receivable', returnId: record._id, reason: 'REFUND_EXCEEDS_CAPTURED', order };

    const at = new Date();
    const refundId = `rfd_${randomUUID()}`;
    const refundedTotal = refundedBefore + refundMinor;
    const status: OrderStatus = order.lines.every((line, index) => returned[index] === line.quantity) ? 'RETURNED' : 'PARTIALLY_RETURNED';
    const lineage = { correlationId: order.correlationId };
    const fact = `return:${record._id}`;
    const events: EnvelopeOf<Topic>[] = [
      orderEnvelope(
        'order.return-received',
        {
          orderId: order._id,
          channel: order.channel,
          locationId: order.fulfillment.locationId,
          returnId: record._id,
          receivedAtLocationId: input.locationId,
          lines: lines.map((line) => ({
            sku: line.sku,
            quantity: line.quantity,
            disposition: line.disposition!,
            refund: eventMoney(line.refundMinor!, order),
            unitCostMinor: order.lines.find((candidate) => candidate.lineNumber === line.lineNumber)?.unitCostMinor ?? 0,
          })),
        },
        order._id,
        `${fact}:received`,
        lineage,
        at,
      ),
    ];
    if (refundMinor > 0) {
      events.push(
        orderEnvelope(
          'order.payment-refunded',
          {
            orderId: order._id,
            channel: order.channel,
            locationId: order.fulfillment.locationId,
            paymentId: `pay_${order._id}`,
            refundId,
            returnId: record._id,
            ...(order.customerId ? { customerId: order.customerId } : {}),
            amount: eventMoney(refundMinor, order),
            tax: eventMoney(taxMinor, order),
            refundedTotal: eventMoney(refundedTotal, order),
          },
          order._id,
          `refund:${refundId}`,
          lineage,
          at,
        ),
      );
    }
    if (status !== order.status) events.push(statusChanged(order, order.status, status, lineage, at, { reason: `return ${record._id}` }));
    events.push(
      orderEnvelope(
        'order.return-completed',
        { returnId: record._id, orderId: order._id, refunded: eventMoney(refundMinor, order), orderStatus: status },
        order._id,
        `${fact}:completed`,
        lineage,
        at,
      ),
    );

    const refund: RefundRecord = {
      _id: refundId,
      reason: 'RETURN',
      amountMinor: refundMinor,
      taxMinor,
      at,
      returnId: record._id,
      refundedTotalMinor: refundedTotal,
    };
    const prefix = `returns.${returnIndex}`;
    const filter: Record<string, unknown> = {
      _id: order._id,
      status: order.status,
      [`${prefix}._id`]: record._id,
      [`${prefix}.status`]: 'REQUESTED',
      'payment.capturedMinor': captured,
      // The refunded total is exactly what the refund was checked against, so it can never pass captured.
      'payment.refundedMinor': { $eq: refundedBefore, $lte: captured - refundMinor },
    };
    const inc: Record<string, number> = { 'payment.refundedMinor': refundMinor };
    order.lines.forEach((line, index) => {
      filter[`lines.${index}.returnedQuantity`] = returnedGuard(line);
      const delta = returned[index]! - (line.returnedQuantity ?? 0);
      if (delta > 0) inc[`lines.${index}.returnedQuantity`] = delta;
    });
    const completed: ReturnRecord = {
      ...record,
      status: 'COMPLETED',
      lines,
      receiveKey: input.idempotencyKey,
      receivedAt: at,
      receivedAtLocationId: input.locationId,
      refundMinor,
      refundTaxMinor: taxMinor,
      refundId,
    };
    const updated = await models.orders
      .findOneAndUpdate(
        filter,
        {
          $set: { status, [prefix]: completed },
          $inc: inc,
          $push: {
            refunds: refund,
            pendingEvents: { $each: events.map(storedEnvelope) },
            ...(status !== order.status ? { statusHistory: { status, at, reason: `return ${record._id}` } } : {}),
          },
        },
        { returnDocument: 'after' },
      )
      .lean<OrderRecord>();
    if (updated) {
      announceEvents(models.orders);
      return { kind: 'received', order: updated, record: completed, now: true };
    }
    await backoff(attempt);
  }
  throw new Error(`order of return ${input.returnId} kept changing while it was received`);
}
