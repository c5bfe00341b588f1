import { announceEvents, isDuplicateKey } from '@mesh/events';
import { idempotencyKeyReused, identifier, notFound, type Principal } from '@mesh/server-kit';
import { requirePricingWrite } from '../access.js';
import type { SchedulePriceInput } from '../__generated__/schema-types.js';
import { productError } from '../errors.js';
import type { ProductModels } from '../models/index.js';
import { priceListId, type PriceListRecord, type PricePeriodRecord, type PriceScope } from './price-list.model.js';
import { appendPeriod, nextDueAt } from './price-timeline.js';

/** How many times a change is re-read and re-tried when another write to the same list won the race. */
const MAX_ATTEMPTS = 5;

export interface ScheduledPrice {
  readonly list: PriceListRecord;
  readonly period: PricePeriodRecord;
}

/**
 * Schedules a price (Mutation.schedulePrice): appends a period to the scope's price list by the
 * timeline rules (price-timeline.ts), one guarded single-document update on the list's revision.
 * Nothing is published now: the due job announces `product.price-changed` when the period starts.
 * Idempotent by `idempotencyKey` (per list): a repeat returns the period it scheduled; the same key
 * with another price or time is IDEMPOTENCY_KEY_REUSED. Refusals change nothing.
 */
export async function schedulePrice(models: ProductModels, principal: Principal, input: SchedulePriceInput, now = new Date()): Promise<ScheduledPrice> {
  requirePricingWrite(principal, 'change prices');
  const scope: PriceScope = {
    sku: identifier(input.sku, 'sku'),
    currency: input.currency,
    ...(input.channel ? { channel: input.channel } : {}),
    ...(input.storeId ? { storeId: identifier(input.storeId, 'storeId') } : {}),
    ...(input.tier ? { tier: input.tier } : {}),
  };
  const key = identifier(input.idempotencyKey, 'idempotencyKey');
  if (!(await models.variants.exists({ _id: scope.sku }))) throw notFound(`There is no SKU ${scope.sku}`, { sku: scope.sku });
  const amountMinor = Number(input.amountMinor);
  const from = input.effectiveFrom ?? now;
  const to = input.effectiveTo ?? undefined;
  const id = priceListId(scope);

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const list = await models.priceLists.findById(id).lean<PriceListRecord>();
    const repeated = list?.periods.find((period) => period.key === key);
    if (list && repeated) {
      // "Now" differs on every retry, so a repeat without effectiveFrom matches on the rest.
      const sameFrom = input.effectiveFrom == null || repeated.from.getTime() === from.getTime();
      if (repeated.amountMinor !== amountMinor || !sameFrom || repeated.to?.getTime() !== to?.getTime()) throw idempotencyKeyReused(key);
      return { list, period: repeated };
    }
    const periods = appendPeriod(
      list?.periods ?? [],
      { amountMinor, from, to, key, recordedAt: now, recordedBy: principal.subject ?? principal.role, announced: false },
      now,
    );
    if (typeof periods === 'string') throw productError(periods, { priceListId: id });
    const due = nextDueAt(periods);
    const written = list
      ? await models.priceLists
          .findOneAndUpdate(
            { _id: id, revision: list.revision },
            { $set: { periods, ...(due ? { nextDueAt: due } : {}) }, $inc: { revision: 1 } },
            { returnDocument: 'after' },
          )
          .lean<PriceListRecord>()
      : await insertList(models, { _id: id, ...scope, periods, revision: 1, ...(due ? { nextDueAt: due } : {}) });
    const period = written?.periods.find((candidate) => candidate.key === key);
    if (written && period) {
      // Wakes this process's price announcer (and relay): it sleeps until the next due change it knows of.
      announceEvents(models.priceLists);
      return { list: written, period };
    }
  }
  throw productError('WRITE_CONTENDED', { priceListId: id });
}

/** Creates a scope's first list; null when a concurrent request created it first (the caller re-reads). */
async function insertList(models: ProductModels, list: PriceListRecord): Promise<PriceListRecord | null> {
  try {
    return (await models.priceLists.create(list)).toObject<PriceListRecord>();
  } catch (error) {
    if (isDuplicateKey(error)) return null;
    throw error;
  }
}
