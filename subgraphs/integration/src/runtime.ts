import { secretKey, type SubgraphResources } from '@mesh/server-kit';
import type { IntegrationModels } from './models/index.js';
import { ActiveSubscriptions } from './outbound/active-subscriptions.js';
import type { OrderCommandTarget } from './services/order-commands.js';
import type { ServiceTarget } from './services/service-call.js';
import { WakeSignal } from './services/wake-signal.js';
import type { IntegrationSettings } from './settings.js';

/** What every request, route and background loop of this process shares. */
export interface IntegrationRuntime {
  readonly settings: IntegrationSettings;
  readonly models: IntegrationModels;
  /** A message was recorded or replayed: the inbound worker looks now instead of at its next pass. */
  readonly inboxDue: WakeSignal;
  /** Deliveries were queued, or subscriptions registered, changed or replayed: their lanes look now. */
  readonly subscribersDue: WakeSignal<readonly string[]>;
  /** The active subscriptions by topic, as the fan-out reads them (changed by this process: seen at once). */
  readonly activeSubscriptions: ActiveSubscriptions;
  /** Where one message's commands go, signed as the integration service under its correlation id. */
  orderTarget(correlationId: string): OrderCommandTarget;
  /** The order and ledger subgraphs as a settlement import asks them, under its correlation id. */
  settlementTargets(correlationId: string): { readonly order: ServiceTarget; readonly ledger: ServiceTarget };
}

export function createIntegrationRuntime({ settings, models, config }: SubgraphResources<IntegrationSettings, IntegrationModels>): IntegrationRuntime {
  const secret = secretKey(config.internalSecret);
  return {
    settings,
    models,
    inboxDue: new WakeSignal(),
    subscribersDue: new WakeSignal<readonly string[]>(),
    activeSubscriptions: new ActiveSubscriptions(models.eventSubscriptions),
    orderTarget: (correlationId) => ({ orderUrl: settings.orderUrl, secret, correlationId }),
    settlementTargets: (correlationId) => ({
      order: { url: settings.orderUrl, secret, correlationId },
      ledger: { url: settings.ledgerUrl, secret, correlationId },
    }),
  };
}
