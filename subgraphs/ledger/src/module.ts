import { readFileSync } from 'node:fs';
import { createOutboxModel, pendingEventsSource, startOutboxRelay, type EventBus, type WithPendingEvents } from '@mesh/events';
import type { Model } from 'mongoose';
import type { Registry } from 'prom-client';
import type { ClosedDayRecord } from './models/closed-day.model.js';
import { DEFAULT_EVENT_CONCURRENCY, secretKey, type SubgraphModule } from '@mesh/server-kit';
import { startLedgerConsumers, type LedgerConsumerOptions } from './consumers/ledger-consumers.js';
import { createLedgerKpis } from './consumers/ledger-kpis.js';
import { createLedgerContext, type LedgerContext } from './context.js';
import { readLedgerSettings } from './ledger-settings.js';
import { createLedgerModels, type LedgerModels } from './models/index.js';
import { orderDomainReader, type OrderDomainReader } from './services/order-payments-client.js';
import { resolvers } from './resolvers/index.js';
import { seedLedger } from './seed.js';
import { repairBalances } from './services/apply-balances.service.js';

/** How often the relay sweeps for close events a crashed write left behind. */
const CLOSE_EVENTS_SWEEP_MS = 30_000;

/**
 * The ledger subgraph as a unit: schema, resolvers, models, per-request context, seed, and its
 * event consumers started in `start`. No side effects until started. `options` tune the
 * consumers' delivery policy (tests shorten the retries).
 */
export function createLedgerSubgraph(options: LedgerConsumerOptions = {}): SubgraphModule<LedgerModels, LedgerContext> {
  // The kit hands the bus to `start` only; requests find it through their models (one per running instance).
  const buses = new WeakMap<LedgerModels, EventBus>();
  const orderDomains = new WeakMap<LedgerModels, OrderDomainReader>();
  const registries = new WeakMap<LedgerModels, Registry>();
  return {
    name: 'ledger',
    typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
    resolvers,
    createModels: createLedgerModels,
    createContext: (base, models) => createLedgerContext(base, models, buses.get(models), orderDomains.get(models), registries.get(models)),
    seed: async (models, logger) => {
      await seedLedger(models, logger);
    },
    start: async ({ models, connection, bus, logger, config, metrics }) => {
      // Finishes postings a crash interrupted before any new event is posted (also without seeding).
      await repairBalances(models, logger);
      buses.set(models, bus);
      registries.set(models, metrics.registry);
      const { orderUrl } = readLedgerSettings();
      if (orderUrl) {
        const warn = (reason: string) => logger.warn({ orderUrl, reason }, 'reconciliation could not ask the order domain; using the ledger records');
        orderDomains.set(models, orderDomainReader(orderUrl, secretKey(config.internalSecret), warn));
      }
      const kpis = createLedgerKpis(metrics.registry);
      const consumers = await startLedgerConsumers(models, bus, logger, { concurrency: config.eventConcurrency ?? DEFAULT_EVENT_CONCURRENCY, kpis, ...options });
      // Publishes ledger.business-day-closed from the close records (each close wakes it; the sweep is the safety net).
      const outbox = createOutboxModel(connection);
      await outbox.init();
      const relay = startOutboxRelay({ model: outbox, bus, logger, intervalMs: CLOSE_EVENTS_SWEEP_MS, sources: [pendingEventsSource(closeRecordsWithEvents(models))] });
      return {
        async stop() {
          await relay.stop();
          await consumers.stop();
          buses.delete(models);
          orderDomains.delete(models);
          registries.delete(models);
        },
      };
    },
  };
}

/** Close records carry `pendingEvents` only while they have some; the relay reads it as always present (it filters on it). */
function closeRecordsWithEvents(models: LedgerModels): Model<ClosedDayRecord & WithPendingEvents> {
  return models.closedDays as unknown as Model<ClosedDayRecord & WithPendingEvents>;
}

/** The ledger subgraph with the bus's default delivery policy. */
export const ledgerSubgraph = createLedgerSubgraph();

export { createLedgerModels, type LedgerModels } from './models/index.js';
export { LEDGER_CONSUMERS, type LedgerConsumerOptions } from './consumers/ledger-consumers.js';
export { readLedgerSettings, type LedgerSettings } from './ledger-settings.js';
export { postJournalEntry, type PostJournalEntryInput, type PostingResult } from './services/post-journal-entry.service.js';
export { reverseJournalEntry, type ReverseJournalEntryInput } from './services/reverse-journal-entry.service.js';
export { repairBalances } from './services/apply-balances.service.js';
