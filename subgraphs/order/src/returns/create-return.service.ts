import { announceEvents, storedEnvelope } from '@mesh/events';
import { createHash, randomUUID } from 'node:crypto';
import { badUserInput, idempotencyKeyReused, identifier, notFound, positiveQuantity, type Principal } from '@mesh/server-kit';
import type { CreateReturnInput, ReturnRefusalReason } from '../__generated__/schema-types.js';
import type { OrderLoaders } from '../loaders.js';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';
import type { ReturnRecord } from '../models/order-return.schema.js';
import { orderEnvelope } from '../events/order-envelopes.js';
import type { OrderRuntime } from '../runtime.js';
import { assertMayReturn, backoff, RETURNABLE_STATUSES, returnableOf, returnWindowEnd } from './return-rules.js';
import type { CreateReturnOutcome, ReturnRefusedOutcome } from './return-outcomes.js';

export const MAX_RETURN_LINES = 50;
const MAX_ATTEMPTS = 20;

export interface ReturnCaller {
  readonly principal: Principal;
  readonly loaders: OrderLoaders;
}

function validate(input: CreateReturnInput): CreateReturnInput {
  if (input.idempotencyKey.length < 1 || input.idempotencyKey.length > 128)
    throw badUserInput('idempotencyKey must be 1 to 128 characters', { argument: 'input.idempotencyKey' });
  identifier(input.orderId, 'input.orderId');
  if (input.lines.length < 1 || input.lines.length > MAX_RETURN_LINES)
    throw badUserInput(`lines must hold 1 to ${MAX_RETURN_LINES} lines`, { argument: 'input.lines' });
  const seen = new Set<number>();
  input.lines.forEach((line, index) => {
    positiveQuantity(line.lineNumber, `input.lines[${index}].lineNumber`, 10_000);
    positiveQuantity(line.quantity, `input.lines[${index}].quantity`, 1000);
    if (seen.has(line.lineNumber)) throw badUserInput(`line ${line.lineNumber} appears more than once`, { argument: 'input.lines' });
    seen.add(line.lineNumber);
  });
  return input;
}

/** What "the same request" means for a createReturn key. */
function requestHash(input: CreateReturnInput): string {
  const canonical = { orderId: input.orderId, reason: input.reason, lines: input.lines.map((line) => [line.lineNumber, line.quantity]) };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

function refused(order: OrderRecord, reason: ReturnRefusalReason, windowEndsAt: Date | null): ReturnRefusedOutcome {
  return {
    kind: 'refused',
    reason,
    lines: order.lines.map((line) => ({ lineNumber: line.lineNumber, quantity: line.quantity, returnable: Math.max(0, returnableOf(line)) })),
    windowEndsAt,
  };
}

/**
 * Opens a return (see Mutation.createReturn). Checks input, access and the key first; then the
 * eligibility (status, window, returnable units), refusing with a result that writes nothing; then
 * claims the units in one guarded single-document update: each line's `claimedQuantity` is raised
 * only while it stays at most the bought quantity, so of many concurrent returns of a line only
 * those that fit succeed. The same write records order.return-requested (the order's correlation
 * id). A lost race re-reads and decides again.
 */
export async function createReturn(
  models: OrderModels,
  runtime: OrderRuntime,
  caller: ReturnCaller,
  rawInput: CreateReturnInput,
): Promise<CreateReturnOutcome> {
  const input = validate(rawInput);
  const hash = requestHash(input);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const order = await models.orders.findById(input.orderId).lean<OrderRecord>();
    if (!order) throw notFound(`There is no order ${input.orderId}`);
    await assertMayReturn(caller.principal, order, caller.loaders);
    const earlier = order.returns?.find((candidate) => candidate.idempotencyKey === input.idempotencyKey);
    if (earlier) {
      if (earlier.requestHash !== hash) throw idempotencyKeyReused(input.idempotencyKey);
      return { kind: 'created', order, record: earlier };
    }
    if (attempt === 0 && (await models.orders.exists({ 'returns.idempotencyKey': input.idempotencyKey, _id: { $ne: order._id } }))) {
      throw idempotencyKeyReused(input.idempotencyKey);
    }
    const indexed = input.lines.map((requested) => {
      const index = order.lines.findIndex((line) => line.lineNumber === requested.lineNumber);
      if (index < 0) throw badUserInput(`Order ${order._id} has no line ${requested.lineNumber}`, { argument: 'input.lines' });
      return { index, line: order.lines[index]!, quantity: requested.quantity };
    });

    const windowEndsAt = returnWindowEnd(order, runtime.settings.returnWindowDays);
    if (!RETURNABLE_STATUSES.includes(order.status)) return refused(order, 'ORDER_NOT_RETURNABLE', windowEndsAt);
    if (!windowEndsAt || Date.now() > windowEndsAt.getTime()) return refused(order, 'WINDOW_CLOSED', windowEndsAt);
    if (indexed.some(({ line, quantity }) => quantity > returnableOf(line))) return refused(order, 'QUANTITY_EXCEEDED', windowEndsAt);

    const record: ReturnRecord = {
      _id: `ret_${randomUUID()}`,
      idempotencyKey: input.idempotencyKey,
      requestHash: hash,
      status: 'REQUESTED',
      reason: input.reason,
      lines: indexed.map(({ line, quantity }) => ({ lineNumber: line.lineNumber, sku: line.sku, quantity })),
      requestedAt: new Date(),
      ...(caller.principal.subject ? { requestedBy: caller.principal.subject } : {}),
    };
    const filter: Record<string, unknown> = { _id: order._id, status: { $in: RETURNABLE_STATUSES }, 'returns.idempotencyKey': { $ne: input.idempotencyKey } };
    const inc: Record<string, number> = {};
    for (const { index, line, quantity } of indexed) {
      // Matches an absent counter too (a line no return has touched yet).
      filter[`lines.${index}.claimedQuantity`] = { $not: { $gt: line.quantity - quantity } };
      inc[`lines.${index}.claimedQuantity`] = quantity;
      // Creates the returned counter at 0, so receipts can guard on its exact value.
      inc[`lines.${index}.returnedQuantity`] = 0;
    }
    const event = orderEnvelope(
      'order.return-requested',
      {
        orderId: order._id,
        channel: order.channel,
        locationId: order.fulfillment.locationId,
        returnId: record._id,
        ...(order.customerId ? { customerId: order.customerId } : {}),
        reason: record.reason,
        lines: record.lines.map((line) => ({ lineNumber: line.lineNumber, sku: line.sku, quantity: line.quantity })),
      },
      order._id,
      `return:${record._id}:requested`,
      { correlationId: order.correlationId },
      record.requestedAt,
    );
    const pending = storedEnvelope(event);
    const updated = await models.orders
      .findOneAndUpdate(filter, { $inc: inc, $push: { returns: record, pendingEvents: pending } }, { returnDocument: 'after' })
      .lean<OrderRecord>();
    if (updated) {
      announceEvents(models.orders);
      return { kind: 'created', order: updated, record };
    }
    await backoff(attempt);
  }
  throw new Error(`order ${input.orderId} kept changing while a return was opened`);
}
