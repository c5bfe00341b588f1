import { insertOrReadStored } from '@mesh/events';
import { createHash, randomUUID } from 'node:crypto';
import { badUserInput, boundedText, idempotencyKeyReused, identifier, notFound, positiveQuantity } from '@mesh/server-kit';
import { requireCapability } from '../access.js';
import type { InventoryModels } from '../models/index.js';
import type { MovementRecord } from '../models/stock-movement.model.js';
import type { TransferRecord } from '../models/transfer.model.js';
import { applyLevelStep } from './level-change.js';
import type { Caller, InsufficientStockOutcome } from './record-movement.service.js';
import { settleMovement } from './settle-movement.service.js';
import { logMovementOnce } from './log-movement.js';

export interface TransferStockInput {
  readonly sku: string;
  readonly fromLocationId: string;
  readonly toLocationId: string;
  readonly quantity: number;
  readonly idempotencyKey: string;
  readonly reason?: string | null;
}

/** The units left the source (TRANSFER_OUT) and are in transit to the destination. */
export interface StockTransferredOutcome {
  readonly kind: 'transferred';
  readonly transfer: TransferRecord;
  readonly movement: MovementRecord;
  readonly replayed: boolean;
}

export type TransferStockOutcome = StockTransferredOutcome | InsufficientStockOutcome;

/**
 * Ships units from one location to another: a TRANSFER_OUT movement at the source (on hand and
 * free drop, guarded: never below what is reserved), then the destination's inTransit rises
 * (once, by marker). Needs stock:write; bad input is BAD_USER_INPUT, an unknown SKU or location
 * NOT_FOUND, both before anything is written. Too little free stock is InsufficientStock. The
 * idempotency key makes a repeat return the first outcome (IDEMPOTENCY_KEY_REUSED for another input).
 */
export async function transferStock(models: InventoryModels, caller: Caller, input: TransferStockInput): Promise<TransferStockOutcome> {
  requireCapability(caller.principal, 'stock:write');
  const checked = validate(input);
  const [skuKnown, fromKnown, toKnown] = await Promise.all([
    models.skus.exists({ _id: checked.sku }),
    models.locations.exists({ _id: checked.fromLocationId }),
    models.locations.exists({ _id: checked.toLocationId }),
  ]);
  if (!skuKnown) throw notFound(`No SKU ${checked.sku}`, { argument: 'input.sku' });
  if (!fromKnown) throw notFound(`No location ${checked.fromLocationId}`, { argument: 'input.fromLocationId' });
  if (!toKnown) throw notFound(`No location ${checked.toLocationId}`, { argument: 'input.toLocationId' });
  const transfer: TransferRecord = {
    _id: `trf_${randomUUID()}`,
    key: checked.idempotencyKey,
    fingerprint: fingerprintOf(checked),
    sku: checked.sku,
    fromLocationId: checked.fromLocationId,
    toLocationId: checked.toLocationId,
    quantity: checked.quantity,
    reason: checked.reason ?? null,
    status: 'PENDING',
    correlationId: caller.correlationId,
    recordedBy: caller.principal.subject ?? null,
    createdAt: new Date(),
  };
  const { record: stored, inserted } = await insertOrReadStored(
    transfer,
    (attempt) => models.transfers.insertMany([attempt], { lean: true }),
    () => models.transfers.findOne({ key: transfer.key }).lean<TransferRecord>(),
    `transfer key ${transfer.key}`,
  );
  if (stored.fingerprint !== transfer.fingerprint) throw idempotencyKeyReused(transfer.key);
  return ship(models, stored, !inserted);
}

/** Drives a transfer out of PENDING; safe to repeat (a retry with the same key resumes it). */
async function ship(models: InventoryModels, transfer: TransferRecord, replayed: boolean): Promise<TransferStockOutcome> {
  const movement = await settleMovement(models, await transferMovement(models, transfer, 'TRANSFER_OUT'));
  if (movement.status === 'REJECTED') {
    const rejected = await models.transfers
      .findOneAndUpdate(
        { _id: transfer._id, status: { $in: ['PENDING', 'REJECTED'] } },
        { $set: { status: 'REJECTED', available: movement.available ?? 0, outMovementId: movement._id } },
        { returnDocument: 'after' },
      )
      .lean<TransferRecord>();
    return {
      kind: 'insufficient',
      sku: transfer.sku,
      locationId: transfer.fromLocationId,
      requested: transfer.quantity,
      available: rejected?.available ?? movement.available ?? 0,
    };
  }
  const transit = await applyLevelStep(models, {
    sku: transfer.sku,
    locationId: transfer.toLocationId,
    marker: `${transfer._id}:in-transit`,
    delta: { inTransit: transfer.quantity },
    guard: {},
    lineage: { correlationId: transfer.correlationId },
    create: true,
  });
  if (!transit.applied) throw new Error(`transfer ${transfer._id}: the destination's in-transit was refused`);
  await models.transfers.updateOne({ _id: transfer._id, status: 'PENDING' }, { $set: { status: 'IN_TRANSIT', outMovementId: movement._id } });
  const stored = await models.transfers.findById(transfer._id).lean<TransferRecord>();
  if (!stored) throw new Error(`transfer ${transfer._id} disappeared`);
  return { kind: 'transferred', transfer: stored, movement, replayed };
}

/** The transfer's movement of one side, logged once under its derived key (the stored one when it exists). */
export async function transferMovement(models: InventoryModels, transfer: TransferRecord, type: 'TRANSFER_OUT' | 'TRANSFER_IN'): Promise<MovementRecord> {
  const movement: MovementRecord = {
    _id: `mov_${randomUUID()}`,
    idempotencyKey: `${transfer._id}:${type === 'TRANSFER_OUT' ? 'out' : 'in'}`,
    sku: transfer.sku,
    locationId: type === 'TRANSFER_OUT' ? transfer.fromLocationId : transfer.toLocationId,
    type,
    quantity: transfer.quantity,
    quantityDelta: 0,
    status: 'PENDING',
    occurredAt: new Date(),
    reason: transfer.reason ?? null,
    correlationId: transfer.correlationId,
    orderId: null,
    transferId: transfer._id,
    recordedBy: transfer.recordedBy ?? null,
  };
  return logMovementOnce(models, movement);
}

function validate(input: TransferStockInput): TransferStockInput {
  const checked = {
    sku: identifier(input.sku, 'input.sku'),
    fromLocationId: identifier(input.fromLocationId, 'input.fromLocationId'),
    toLocationId: identifier(input.toLocationId, 'input.toLocationId'),
    quantity: positiveQuantity(input.quantity, 'input.quantity'),
    idempotencyKey: identifier(input.idempotencyKey, 'input.idempotencyKey'),
    reason: boundedText(input.reason, 'input.reason') ?? null,
  };
  if (checked.fromLocationId === checked.toLocationId) throw badUserInput('a transfer needs two different locations', { argument: 'input.toLocationId' });
  return checked;
}

function fingerprintOf(input: TransferStockInput): string {
  const canonical = JSON.stringify([input.sku, input.fromLocationId, input.toLocationId, input.quantity, input.reason ?? null]);
  return createHash('sha256').update(canonical).digest('base64url');
}
