/**
 * Stock levels for the order-placing scenarios: reading them through the gateway and giving SKUs a
 * known number of sellable units before a run (a CYCLE_COUNT sets on hand absolutely, so
 * available = the units given whatever earlier runs reserved).
 */
import type { BenchClient } from './bench-client.js';
import { mapLimit } from './bench-client.js';

export interface Level {
  readonly onHand: number;
  readonly reserved: number;
  readonly safetyStock: number;
  /** As the API reports it: max(0, onHand - reserved - safetyStock). */
  readonly available: number;
}

const LEVELS = `query BenchLevels($skus: [ID!]!, $locationIds: [ID!]) {
  availability(skus: $skus, locationIds: $locationIds) { sku levels { onHand reserved safetyStock available } }
}`;

const MOVE = `mutation BenchStockMovement($input: RecordStockMovementInput!) {
  recordStockMovement(input: $input) {
    __typename
    ... on StockMovementRecorded { movement { correlationId } }
    ... on InsufficientStock { available }
  }
}`;

/** The level of each SKU at one location (200 SKUs per request, the API's limit). */
export async function readLevels(client: BenchClient, skus: readonly string[], locationId: string): Promise<Map<string, Level>> {
  const levels = new Map<string, Level>();
  for (let start = 0; start < skus.length; start += 200) {
    const batch = skus.slice(start, start + 200);
    const data = await client.request<{ availability: { sku: string; levels: Level[] }[] }>('availability', LEVELS, { skus: batch, locationIds: [locationId] });
    for (const entry of data.availability) {
      const level = entry.levels[0];
      if (!level) throw new Error(`no stock level of ${entry.sku} at ${locationId}`);
      levels.set(entry.sku, level);
    }
  }
  return levels;
}

/** Records one movement; throws unless it was applied. Answers the movement's correlation id (for its trace). */
export async function recordMovement(
  client: BenchClient,
  input: { sku: string; locationId: string; type: 'RECEIPT' | 'CYCLE_COUNT' | 'ADJUSTMENT_IN'; quantity: number; idempotencyKey: string },
): Promise<string> {
  const data = await client.request<{ recordStockMovement: { __typename: string; movement?: { correlationId: string } } }>('recordStockMovement', MOVE, {
    input: { ...input, reason: 'benchmark' },
  });
  const { movement } = data.recordStockMovement;
  if (!movement) throw new Error(`recordStockMovement of ${input.sku} at ${input.locationId}: ${data.recordStockMovement.__typename}`);
  return movement.correlationId;
}

/**
 * Gives each SKU exactly `units` available at the location: a cycle count to
 * reserved + safety stock + units. Answers the levels read afterwards (checked).
 */
export async function setAvailable(
  client: BenchClient,
  skus: readonly string[],
  locationId: string,
  units: number,
  keyPrefix: string,
): Promise<Map<string, Level>> {
  const before = await readLevels(client, skus, locationId);
  await mapLimit(skus, 8, async (sku, index) => {
    const level = before.get(sku)!;
    await recordMovement(client, {
      sku,
      locationId,
      type: 'CYCLE_COUNT',
      quantity: level.reserved + level.safetyStock + units,
      idempotencyKey: `${keyPrefix}-count-${index}`,
    });
  });
  const after = await readLevels(client, skus, locationId);
  for (const sku of skus) {
    const level = after.get(sku)!;
    if (level.available !== units)
      throw new Error(`${sku} at ${locationId}: available ${level.available} after the cycle count, expected ${units} (reserved changed meanwhile?)`);
  }
  return after;
}

/** Tops up SKUs with fewer than `units` available by a receipt of the difference; answers the levels afterwards. */
export async function ensureAvailable(
  client: BenchClient,
  skus: readonly string[],
  locationId: string,
  units: number,
  keyPrefix: string,
): Promise<Map<string, Level>> {
  const before = await readLevels(client, skus, locationId);
  const short = skus.filter((sku) => before.get(sku)!.available < units);
  await mapLimit(short, 8, async (sku, index) => {
    const level = before.get(sku)!;
    // available is clamped at zero: receive from the raw free stock, so the top-up is exact.
    const free = level.onHand - level.reserved - level.safetyStock;
    await recordMovement(client, { sku, locationId, type: 'RECEIPT', quantity: units - free, idempotencyKey: `${keyPrefix}-receipt-${index}` });
  });
  return short.length === 0 ? before : readLevels(client, skus, locationId);
}

/** Free stock before the clamp: negative would mean more reserved than can be sold (an oversell). */
export const rawFree = (level: Level): number => level.onHand - level.reserved - level.safetyStock;
