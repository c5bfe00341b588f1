import { createEnvelope, type AnyEnvelope, type MovementType } from '@mesh/events';
import type { LevelChange, StockLevelRecord } from '../models/stock-level.model.js';
import type { InventoryModels } from '../models/index.js';
import { LEVELS_COLLECTION } from '../services/level-change.js';
import type { HintedCollection } from './hinted-source.js';

type QueuedLevel = Pick<StockLevelRecord, 'sku' | 'locationId' | 'onHand' | 'reserved' | 'inTransit' | 'safetyStock'> & { _id: unknown; changes?: LevelChange[] };

const available = (onHand: number, reserved: number, safetyStock: number) => Math.max(0, onHand - reserved - safetyStock);

/**
 * The events of a level's queued changes, oldest first: per change, `stock-movement-recorded`
 * when it applied a movement, then `availability-changed` when available-to-sell moved. The
 * quantities right after a change are the level's current ones minus the deltas of every later
 * queued change (each change is queued by the update that applies it, in application order), so
 * they are exact however late the relay runs; envelope ids come from the change, so a re-derived
 * event is the same event. Also returns the changes with no event that lead the queue (safe to drop).
 */
export function eventsOfLevel(level: QueuedLevel): { events: AnyEnvelope[]; eventIdsOf: Map<string, string[]>; silentHead: string[] } {
  const changes = level.changes ?? [];
  const events: AnyEnvelope[] = [];
  const eventIdsOf = new Map<string, string[]>();
  const silentHead: string[] = [];
  let { onHand, reserved, inTransit } = level;
  const after: { onHand: number; reserved: number; inTransit: number }[] = [];
  for (let index = changes.length - 1; index >= 0; index--) {
    const change = changes[index]!;
    after[index] = { onHand, reserved, inTransit };
    onHand -= change.onHand;
    reserved -= change.reserved;
    inTransit -= change.inTransit;
  }
  changes.forEach((change, index) => {
    const now = after[index]!;
    const lineage = { correlationId: change.correlationId, ...(change.causationId ? { causationId: change.causationId } : {}) };
    const ids: string[] = [];
    if (change.movement) {
      const movement = change.movement;
      events.push(
        createEnvelope(
          'inventory.stock-movement-recorded',
          {
            movementId: movement.movementId,
            sku: level.sku,
            locationId: level.locationId,
            movementType: movement.type as MovementType,
            quantity: movement.quantity,
            quantityDelta: change.onHand,
            onHandAfter: now.onHand,
            ...(movement.orderId ? { orderId: movement.orderId } : {}),
            ...(movement.transferId ? { transferId: movement.transferId } : {}),
            ...(movement.reason ? { reason: movement.reason } : {}),
            ...(typeof movement.unitCostMinor === 'number' && movement.currency ? { unitCostMinor: movement.unitCostMinor, currency: movement.currency } : {}),
          },
          { ...lineage, id: movement.eventId, occurredAt: change.at, idempotencyKey: `movement:${movement.movementId}` },
        ) as AnyEnvelope,
      );
      ids.push(movement.eventId);
    }
    const availableToSell = available(now.onHand, now.reserved, level.safetyStock);
    const previousAvailableToSell = available(now.onHand - change.onHand, now.reserved - change.reserved, level.safetyStock);
    if (availableToSell !== previousAvailableToSell) {
      events.push(
        createEnvelope(
          'inventory.availability-changed',
          { sku: level.sku, locationId: level.locationId, ...now, safetyStock: level.safetyStock, availableToSell, previousAvailableToSell },
          { ...lineage, id: change.id, occurredAt: change.at, idempotencyKey: `availability:${level.sku}@${level.locationId}:${change.marker}` },
        ) as AnyEnvelope,
      );
      ids.push(change.id);
    }
    if (ids.length === 0 && silentHead.length === index) silentHead.push(change.id);
    eventIdsOf.set(change.id, ids);
  });
  return { events, eventIdsOf, silentHead };
}

/** The stock levels as a relay source: their queued changes become events. */
export function levelEventsCollection(models: InventoryModels): HintedCollection {
  const projection = { sku: 1, locationId: 1, onHand: 1, reserved: 1, inTransit: 1, safetyStock: 1, changes: 1 };
  return {
    collectionName: LEVELS_COLLECTION,
    async pendingOf(documentIds) {
      const levels = await models.levels.find({ _id: { $in: [...documentIds] } }, projection).lean<QueuedLevel[]>();
      const pending: { documentId: unknown; pendingEvents: AnyEnvelope[] }[] = [];
      for (const level of levels) {
        const { events, silentHead } = eventsOfLevel(level);
        if (silentHead.length > 0) await models.levels.updateOne({ _id: level._id }, { $pull: { changes: { id: { $in: silentHead } } } });
        if (events.length > 0) pending.push({ documentId: level._id, pendingEvents: events });
        else if ((level.changes ?? []).length > silentHead.length) pending.push({ documentId: level._id, pendingEvents: [] });
      }
      return pending;
    },
    async scan(limit) {
      const found = await models.levels.find({ 'changes.id': { $exists: true } }, { _id: 1 }).limit(limit).lean<{ _id: unknown }[]>();
      return found.map((level) => level._id);
    },
    async pull(documentId, eventIds) {
      // A change goes once every event derived from it was published.
      const level = await models.levels.findOne({ _id: documentId }, projection).lean<QueuedLevel>();
      if (!level) return;
      const published = new Set(eventIds);
      const { eventIdsOf } = eventsOfLevel(level);
      const done = [...eventIdsOf].filter(([, ids]) => ids.length > 0 && ids.every((id) => published.has(id))).map(([changeId]) => changeId);
      if (done.length > 0) await models.levels.updateOne({ _id: documentId }, { $pull: { changes: { id: { $in: done } } } });
    },
  };
}
