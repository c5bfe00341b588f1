import { isDuplicateKey } from '@mesh/events';
import type { CurrencyCode } from '@mesh/server-kit';
import type { LedgerModels } from '../models/index.js';
import type { OrderSummaryRecord, SummaryMovement } from '../models/order-summary.model.js';

/** Where an order's money belongs in reconciliation. */
export interface OrderAttributionInput {
  readonly orderId: string;
  readonly channel: string;
  readonly locationId: string;
  readonly currency: CurrencyCode;
  readonly customerId?: string | undefined;
}

/** Records an order's total as order.order-placed reported it; repeating it changes nothing new. */
export async function recordOrderPlaced(models: LedgerModels, order: OrderAttributionInput & { readonly totalMinor: number }): Promise<void> {
  await upsertOnce(models, { _id: order.orderId }, { $set: { ...attribution(order), orderTotalMinor: order.totalMinor } });
}

/**
 * Records one capture or refund the order domain reported, at most once per key: one guarded
 * single-document update (`key` not yet in the list), so a redelivered event is a no-op.
 */
export async function recordOrderMovement(
  models: LedgerModels,
  kind: 'captures' | 'refunds',
  order: OrderAttributionInput,
  movement: SummaryMovement,
): Promise<void> {
  await upsertOnce(models, { _id: order.orderId, [`${kind}.key`]: { $ne: movement.key } }, { $set: attribution(order), $push: { [kind]: movement } });
}

function attribution(order: OrderAttributionInput): Partial<OrderSummaryRecord> {
  return {
    channel: order.channel,
    locationId: order.locationId,
    currency: order.currency,
    ...(order.customerId ? { customerId: order.customerId } : {}),
  };
}

async function upsertOnce(models: LedgerModels, filter: Record<string, unknown>, update: Record<string, unknown>): Promise<void> {
  try {
    await models.orderSummaries.updateOne(filter, update, { upsert: true });
  } catch (error) {
    // Two first events of one order raced to create its summary: the loser's update now finds it
    // (or finds its key already recorded, and changes nothing).
    if (!isDuplicateKey(error)) throw error;
    await models.orderSummaries.updateOne(filter, update);
  }
}
