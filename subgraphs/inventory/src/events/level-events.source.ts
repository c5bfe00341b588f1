import { createEnvelope, type AnyEnvelope, type MovementType, type PendingDocument, type PendingEventsSource } from '@mesh/events';
import type { LevelChange, StockLevelRecord } from '../models/stock-level.model.js';
import type { InventoryModels } from '../models/index.js';
import { LEVELS_COLLECTION } from '../services/level-change.js';

type QueuedLevel = Pick<StockLevelRecord, 'sku' | 'locationId' | 'onHand' | 'reserved' | 'inTransit' | 'safetyStock'> & {
  _id: unknown;
  changes?: LevelChange[];
};

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

/**
 * The stock levels as a relay source: their queued changes become events. Levels with queued
 * changes are found through the sparse index on `changes.id`: the working set, not the catalog.
 */
export function levelEventsSource(models: InventoryModels): PendingEventsSource {
  const projection = { sku: 1, locationId: 1, onHand: 1, reserved: 1, inTransit: 1, safetyStock: 1, changes: 1 };
  return {
    collectionName: LEVELS_COLLECTION,
    async withPendingEvents(limit) {
      const levels = await models.levels
        .find({ 'changes.id': { $exists: true } }, projection)
        .limit(limit)
        .lean<QueuedLevel[]>();
      const pending: PendingDocument[] = [];
      const silent: { _id: unknown; ids: string[] }[] = [];
      for (const level of levels) {
        const { events, silentHead } = eventsOfLevel(level);
        if (silentHead.length > 0) silent.push({ _id: level._id, ids: silentHead });
        if (events.length > 0) pending.push({ documentId: level._id, pendingEvents: events });
      }
      // Changes that moved nothing visible have no event: dropped here, or they would be read again.
      if (silent.length > 0) {
        await models.levels.bulkWrite(
          silent.map(({ _id, ids }) => ({ updateOne: { filter: { _id }, update: { $pull: { changes: { id: { $in: ids } } } } } })),
          { ordered: false },
        );
      }
      return pending;
    },
    async markPublished(published) {
      if (published.length === 0) return;
      // A change goes once every event derived from it was published.
      const levels = await models.levels.find({ _id: { $in: published.map((entry) => entry.documentId) } }, projection).lean<QueuedLevel[]>();
      const sentOf = new Map(published.map((entry) => [String(entry.documentId), new Set(entry.eventIds)]));
      const pulls = levels.flatMap((level) => {
        const sent = sentOf.get(String(level._id)) ?? new Set<string>();
        const done = [...eventsOfLevel(level).eventIdsOf].filter(([, ids]) => ids.length > 0 && ids.every((id) => sent.has(id))).map(([changeId]) => changeId);
        return done.length > 0 ? [{ updateOne: { filter: { _id: level._id }, update: { $pull: { changes: { id: { $in: done } } } } } }] : [];
      });
      if (pulls.length > 0) await models.levels.bulkWrite(pulls, { ordered: false });
    },
  };
}
