import { randomUUID } from 'node:crypto';
import type { EnvelopeOf } from '@mesh/events';
import type { InventoryModels } from '../models/index.js';
import type { MovementRecord } from '../models/stock-movement.model.js';
import { settleMovement } from './settle-movement.service.js';
import { logMovementOnce } from './log-movement.js';

/** The movement-log key of a return's units of one SKU: one RETURN movement per (return, SKU), whatever redelivers the event. */
export const returnMovementKey = (returnId: string, sku: string) => `return:${returnId}:${sku}`;

/**
 * Puts the SELLABLE units of a received return back on hand at the location they were brought
 * to: one RETURN movement per SKU (+on hand), logged under `return:<returnId>:<sku>` and settled
 * like every movement, so stock-movement-recorded and availability-changed follow from the level
 * change. DAMAGED units add nothing to stock: the ledger writes their cost off to shrinkage from
 * the return event itself, so no DAMAGE movement is recorded (it would post shrinkage twice).
 * Safe to run again for the same event: a logged movement is found by its key and settled once.
 * Throws (so the bus retries, then dead-letters) for a location or SKU inventory does not know.
 */
export async function recordReturnMovements(models: InventoryModels, envelope: EnvelopeOf<'order.return-received'>): Promise<MovementRecord[]> {
  const { returnId, orderId, receivedAtLocationId: locationId } = envelope.data;
  const units = new Map<string, number>();
  for (const line of envelope.data.lines) {
    if (line.disposition === 'SELLABLE') units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
  }
  if (units.size === 0) return [];
  const [locationKnown, knownSkus] = await Promise.all([
    models.locations.exists({ _id: locationId }),
    models.skus.find({ _id: { $in: [...units.keys()] } }, { _id: 1 }).lean<{ _id: string }[]>(),
  ]);
  if (!locationKnown) throw new Error(`return ${returnId} was received at unknown location ${locationId}`);
  const unknown = [...units.keys()].filter((sku) => !knownSkus.some((known) => known._id === sku));
  if (unknown.length > 0) throw new Error(`return ${returnId} holds unknown SKUs ${unknown.join(', ')}`);

  const settled: MovementRecord[] = [];
  for (const [sku, quantity] of units) {
    const movement = await logMovementOnce(models, {
      _id: `mov_${randomUUID()}`,
      idempotencyKey: returnMovementKey(returnId, sku),
      sku,
      locationId,
      type: 'RETURN',
      quantity,
      quantityDelta: 0,
      status: 'PENDING',
      occurredAt: new Date(envelope.occurredAt),
      reason: `return ${returnId}`,
      correlationId: envelope.correlationId,
      orderId,
      recordedBy: null,
    });
    const result = await settleMovement(models, movement);
    if (result.status !== 'APPLIED') throw new Error(`RETURN movement ${result._id} of return ${returnId} was not applied`);
    settled.push(result);
  }
  return settled;
}
