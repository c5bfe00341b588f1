import type { Stoppable, SubgraphResources } from '@mesh/server-kit';
import type { StoreHoursModels } from './models/index.js';
import type { StoreHoursRuntime } from './runtime.js';
import type { StoreHoursSettings } from './settings.js';

/**
 * The store-hours background work: one job that clears `closedUntil` once it has passed. A domain
 * that publishes events starts its outbox relay here too (see customer's events.ts); its topics
 * are declared in @mesh/events first.
 */
export async function startStoreHoursEvents(
  runtime: StoreHoursRuntime,
  { logger }: SubgraphResources<StoreHoursSettings, StoreHoursModels>,
): Promise<Stoppable> {
  const reopen = () =>
    runtime.models.storeHours
      .updateMany({ closedUntil: { $lte: new Date() } }, { $unset: { closedUntil: 1 } })
      .catch((error: unknown) => logger.warn({ err: error }, 'reopening stores failed; retrying on the next pass'));
  const timer = setInterval(() => void reopen(), runtime.settings.reopenSweepMs);
  return { stop: async () => clearInterval(timer) };
}
