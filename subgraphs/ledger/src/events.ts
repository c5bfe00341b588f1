import { createOutboxModel, pendingEventsSource, startOutboxRelay, type WithPendingEvents } from '@mesh/events';
import { DEFAULT_EVENT_CONCURRENCY, type Stoppable, type SubgraphResources } from '@mesh/server-kit';
import type { Model } from 'mongoose';
import { startLedgerConsumers } from './consumers/ledger-consumers.js';
import { createLedgerKpis } from './consumers/ledger-kpis.js';
import type { ClosedDayRecord } from './models/closed-day.model.js';
import type { LedgerModels } from './models/index.js';
import type { LedgerRuntime } from './runtime.js';
import { repairBalances } from './services/apply-balances.service.js';
import type { LedgerSettings } from './settings.js';

/**
 * The ledger's background work: first the balance repair (postings a crash interrupted are
 * finished before any new event is posted, also without seeding), then the consumers of the
 * order, inventory and customer events (consumers/), and the relay that publishes
 * `ledger.business-day-closed` from the close records (each close wakes it; the sweep every
 * `relayIntervalMs` is the safety net). Stopped relay first.
 */
export async function startLedgerEvents(
  { settings, models }: LedgerRuntime,
  { connection, bus, logger, config, metrics }: SubgraphResources<LedgerSettings, LedgerModels>,
): Promise<Stoppable> {
  await repairBalances(models, logger);
  const consumers = await startLedgerConsumers(models, bus, logger, {
    concurrency: config.eventConcurrency ?? DEFAULT_EVENT_CONCURRENCY,
    kpis: createLedgerKpis(metrics.registry),
    ...(settings.consumerDelivery ? { delivery: settings.consumerDelivery } : {}),
    ...(settings.consumerLeaseMs === undefined ? {} : { leaseMs: settings.consumerLeaseMs }),
  });
  const outbox = createOutboxModel(connection);
  await outbox.init();
  const relay = startOutboxRelay({
    model: outbox,
    bus,
    logger,
    intervalMs: settings.relayIntervalMs,
    sources: [pendingEventsSource(closeRecordsWithEvents(models))],
  });
  return {
    async stop() {
      await relay.stop();
      await consumers.stop();
    },
  };
}

/** Close records carry `pendingEvents` only while they have some; the relay reads it as always present (it filters on it). */
function closeRecordsWithEvents(models: LedgerModels): Model<ClosedDayRecord & WithPendingEvents> {
  return models.closedDays as unknown as Model<ClosedDayRecord & WithPendingEvents>;
}
