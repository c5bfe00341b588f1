import { createHash, randomUUID } from 'node:crypto';
import { badUserInput, boundedText, idempotencyKeyReused, identifier, notFound, positiveQuantity, type Principal } from '@mesh/server-kit';
import { requireCapability } from '../access.js';
import type { InventoryModels } from '../models/index.js';
import type { LevelSnapshot } from '../models/stock-level.model.js';
import type { ManualMovementType, MovementRecord } from '../models/stock-movement.model.js';
import { settleMovement } from './settle-movement.service.js';
import { logMovementOnce } from './log-movement.js';

/** A stock movement recorded by hand, as the mutation receives it. */
export interface RecordMovementInput {
  readonly sku: string;
  readonly locationId: string;
  readonly type: ManualMovementType;
  readonly quantity: number;
  readonly idempotencyKey: string;
  readonly reason?: string | null;
}

/** The movement was applied; `level` is the stock right after it. */
export interface MovementRecorded {
  readonly kind: 'recorded';
  readonly movement: MovementRecord;
  readonly level: LevelSnapshot;
  readonly replayed: boolean;
}

/** An outbound movement found too little free stock; nothing changed. */
export interface InsufficientStockOutcome {
  readonly kind: 'insufficient';
  readonly sku: string;
  readonly locationId: string;
  readonly requested: number;
  readonly available: number;
}

export type RecordMovementOutcome = MovementRecorded | InsufficientStockOutcome;

/** Who is recording, as the request context knows it. */
export interface Caller {
  readonly principal: Principal;
  readonly correlationId: string;
}

const MAX_UNITS = 1_000_000;

/**
 * Records one movement: checks access (stock:write), input and existence before writing
 * anything; logs it as PENDING under its unique idempotency key; then settles it on the level.
 * A repeated key with the same input returns the first outcome with `replayed: true` and changes
 * nothing; with a different input it throws IDEMPOTENCY_KEY_REUSED.
 */
export async function recordStockMovement(models: InventoryModels, caller: Caller, input: RecordMovementInput): Promise<RecordMovementOutcome> {
  requireCapability(caller.principal, 'stock:write');
  const checked = validate(input);
  const [skuKnown, locationKnown] = await Promise.all([models.skus.exists({ _id: checked.sku }), models.locations.exists({ _id: checked.locationId })]);
  if (!skuKnown) throw notFound(`No SKU ${checked.sku}`, { argument: 'input.sku' });
  if (!locationKnown) throw notFound(`No location ${checked.locationId}`, { argument: 'input.locationId' });

  const movement: MovementRecord = {
    _id: `mov_${randomUUID()}`,
    idempotencyKey: checked.idempotencyKey,
    fingerprint: fingerprintOf(checked),
    sku: checked.sku,
    locationId: checked.locationId,
    type: checked.type,
    quantity: checked.quantity,
    quantityDelta: 0,
    status: 'PENDING',
    occurredAt: new Date(),
    reason: checked.reason ?? null,
    correlationId: caller.correlationId,
    orderId: null,
    recordedBy: caller.principal.subject ?? null,
  };
  const stored = await logMovementOnce(models, movement);
  if (stored.fingerprint !== movement.fingerprint) throw idempotencyKeyReused(movement.idempotencyKey);
  // On a replay the first request may still be settling it, or may have crashed: settling is safe to repeat.
  return outcomeOf(await settleMovement(models, stored), stored._id !== movement._id);
}

function outcomeOf(movement: MovementRecord, replayed: boolean): RecordMovementOutcome {
  if (movement.status === 'REJECTED') {
    return { kind: 'insufficient', sku: movement.sku, locationId: movement.locationId, requested: movement.quantity, available: movement.available ?? 0 };
  }
  if (movement.status !== 'APPLIED' || !movement.level) throw new Error(`movement ${movement._id} is ${movement.status} without a result`);
  return { kind: 'recorded', movement, level: movement.level, replayed };
}

function validate(input: RecordMovementInput): RecordMovementInput {
  const quantity = input.type === 'CYCLE_COUNT' ? countedQuantity(input.quantity) : positiveQuantity(input.quantity, 'input.quantity', MAX_UNITS);
  return {
    sku: identifier(input.sku, 'input.sku'),
    locationId: identifier(input.locationId, 'input.locationId'),
    type: input.type,
    quantity,
    idempotencyKey: identifier(input.idempotencyKey, 'input.idempotencyKey'),
    reason: boundedText(input.reason, 'input.reason') ?? null,
  };
}

function countedQuantity(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_UNITS) {
    throw badUserInput(`input.quantity must be a whole number from 0 to ${MAX_UNITS} for a cycle count`, { argument: 'input.quantity' });
  }
  return value;
}

/** What "the same input" means for an idempotency key. */
function fingerprintOf(input: RecordMovementInput): string {
  const canonical = JSON.stringify([input.sku, input.locationId, input.type, input.quantity, input.reason ?? null]);
  return createHash('sha256').update(canonical).digest('base64url');
}
