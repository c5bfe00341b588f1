import type { EnvelopeOf } from '@mesh/events';
import type { OrderModels } from '../models/index.js';

/**
 * Applies `customer.customers-merged`: from now on the merged id's orders count as the
 * survivor's. Safe to run again (the consumer is wrapped in `idempotent` as well): every write
 * sets the same values. Merges of a chain (A into B, then B into C) may arrive in either order;
 * both orders leave A and B pointing at C.
 */
export async function recordCustomerMerge(models: OrderModels, event: EnvelopeOf<'customer.customers-merged'>): Promise<void> {
  const { survivorId, mergedId } = event.data;
  // The survivor may itself have been merged away already (its event came first): point at its survivor.
  const survivorAlias = await models.customerAliases.findById(survivorId, { survivorId: 1 }).lean();
  const finalSurvivor = survivorAlias?.survivorId ?? survivorId;
  if (finalSurvivor === mergedId) throw new Error(`customers-merged ${event.id} would make ${mergedId} its own survivor`);
  await models.customerAliases.updateOne(
    { _id: mergedId },
    { $set: { survivorId: finalSurvivor }, $setOnInsert: { mergedAt: new Date(event.occurredAt), eventId: event.id } },
    { upsert: true },
  );
  // Ids merged into the merged record earlier move along with it, keeping every alias one hop.
  await models.customerAliases.updateMany({ survivorId: mergedId }, { $set: { survivorId: finalSurvivor } });
}
