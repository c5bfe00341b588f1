import { announceEvents, writtenDocuments } from '@mesh/events';
import type { UpdateQuery } from 'mongoose';
import type { OrderModels } from '../models/index.js';
import type { OrderRecord } from '../models/order.model.js';

/**
 * Applies `update` (which records the change's events) to the order while `guard` still holds, and
 * wakes the outbox relay; when it no longer does (another writer moved the order first), the order
 * as it is now. Null only when the order is gone.
 */
export async function updateOrderUnlessMoved(
  models: OrderModels,
  orderId: string,
  guard: Record<string, unknown>,
  update: UpdateQuery<OrderRecord>,
): Promise<OrderRecord | null> {
  const updated = await models.orders.findOneAndUpdate({ _id: orderId, ...guard }, update, { returnDocument: 'after' }).lean<OrderRecord>();
  if (updated) {
    announceEvents(models.orders, writtenDocuments(updated));
    return updated;
  }
  return models.orders.findById(orderId).lean<OrderRecord>();
}
