import type { EventBus } from '@mesh/events';
import { secretKey, type SubgraphResources } from '@mesh/server-kit';
import type { Registry } from 'prom-client';
import type { LedgerModels } from './models/index.js';
import { orderDomainReader, type OrderDomainReader } from './services/order-payments-client.js';
import type { LedgerSettings } from './settings.js';

/** What every request of this process shares. */
export interface LedgerRuntime {
  readonly settings: LedgerSettings;
  readonly models: LedgerModels;
  /** The event bus: the ledger is the mesh's exceptions desk (every consumer's dead letters). */
  readonly bus: EventBus;
  /** The service's /metrics registry, where LiveKpis reads the ledger's KPIs back. */
  readonly registry: Registry;
  /** Reads the order domain's payments for reconciliation; undefined without ORDER_URL (the ledger's own records are the expectation). */
  readonly orderDomain: OrderDomainReader | undefined;
}

export function createLedgerRuntime({ settings, models, bus, metrics, config, logger }: SubgraphResources<LedgerSettings, LedgerModels>): LedgerRuntime {
  const { orderUrl } = settings;
  const warn = (reason: string) => logger.warn({ orderUrl, reason }, 'reconciliation could not ask the order domain; using the ledger records');
  const orderDomain = orderUrl ? orderDomainReader(orderUrl, secretKey(config.internalSecret), warn) : undefined;
  return { settings, models, bus, registry: metrics.registry, orderDomain };
}
