import { retailDataset } from '@mesh/seed-data';

/** Helpers the order suites that run the mesh's domains together share (not a test file itself). */

const dataset = retailDataset();

/** The seed's USD warehouse, where these suites' web orders ship from. */
export const USD_WAREHOUSE = dataset.locations.find((location) => location.currency === 'USD' && location.type === 'WAREHOUSE')!.id;

/**
 * SKUs with a USD price and at least `free` units free (on hand less reserved and safety stock) at
 * USD_WAREHOUSE, in seed order, except those `leaveOut` names: each test takes its own, so that
 * tests do not disturb each other's stock.
 */
export function stockedAtWarehouse(free: number, leaveOut: (sku: string) => boolean = () => false): string[] {
  return dataset.stockLevels
    .filter((level) => level.locationId === USD_WAREHOUSE && level.onHand - level.reserved - level.safetyStock >= free && !leaveOut(level.sku))
    .map((level) => level.sku)
    .filter((sku) => dataset.variants.find((variant) => variant.sku === sku)?.prices.some((price) => price.currency === 'USD'));
}

/** Asks `probe` every 50 ms until it answers something truthy, and returns that; fails after `timeoutMs`, naming `what`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
