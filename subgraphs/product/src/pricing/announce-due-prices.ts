import { createEnvelope, withPendingEvents, type EnvelopeOf } from '@mesh/events';
import type { ProductModels } from '../models/index.js';
import type { PriceListRecord } from './price-list.model.js';
import { nextDueAt } from './price-timeline.js';

/**
 * Records `product.price-changed` for every period that has started and was not announced yet, on
 * up to `limit` lists, and returns how many were announced. Each list is one guarded update on its
 * revision that marks its due periods announced and pushes their events (the relay publishes
 * them): both or neither. A list changed meanwhile is left for the next pass. The event of a
 * period is keyed by (list, period start), so a re-run can never announce it twice.
 */
export async function announceDuePrices(models: ProductModels, now: Date, limit: number): Promise<number> {
  const due = await models.priceLists
    .find({ nextDueAt: { $lte: now } })
    .limit(limit)
    .lean<PriceListRecord[]>();
  let announced = 0;
  for (const list of due) {
    const events: EnvelopeOf<'product.price-changed'>[] = [];
    const periods = list.periods.map((period, index) => {
      if (period.announced || period.from.getTime() > now.getTime()) return period;
      const previous = list.periods[index - 1];
      events.push(
        createEnvelope(
          'product.price-changed',
          {
            sku: list.sku,
            channel: list.channel ?? null,
            ...(list.storeId ? { storeId: list.storeId } : {}),
            ...(list.tier ? { tier: list.tier } : {}),
            previous: previous ? { minorUnits: previous.amountMinor, currency: list.currency } : null,
            current: { minorUnits: period.amountMinor, currency: list.currency },
            effectiveFrom: period.from.toISOString(),
            ...(period.to ? { effectiveTo: period.to.toISOString() } : {}),
          },
          { correlationId: `price:${period.key}`, idempotencyKey: `price-changed:${list._id}@${period.from.toISOString()}`, occurredAt: period.from },
        ),
      );
      return { ...period, announced: true };
    });
    const next = nextDueAt(periods);
    const set = next ? { $set: { periods, nextDueAt: next } } : { $set: { periods }, $unset: { nextDueAt: 1 } };
    const update = withPendingEvents({ ...set, $inc: { revision: 1 } }, ...events);
    const written = await models.priceLists.updateOne({ _id: list._id, revision: list.revision }, update);
    if (written.modifiedCount === 1) announced += events.length;
  }
  return announced;
}
