import { secretKey } from '@mesh/server-kit';
import type { IntegrationSettings } from './integration-settings.js';
import type { OrderCommandTarget } from './services/order-commands.js';
import type { ServiceTarget } from './services/service-call.js';

/**
 * What request-time code and HTTP routes share with the module's start hook: the inbound worker's
 * wake-up (a no-op until it runs) and where commands go.
 */
export class IntegrationRuntime {
  private wakeWorker: () => void = () => {};
  private wakeLanes: (subscriptionIds: readonly string[]) => void = () => {};
  private secret: Uint8Array | null = null;

  constructor(readonly settings: IntegrationSettings) {}

  /** Called by the start hook before the worker runs: commands are signed with the internal secret. */
  useSecret(internalSecret: string): void {
    this.secret = secretKey(internalSecret);
  }

  /** Called by the start hook once the worker runs. */
  useWorker(wake: () => void): void {
    this.wakeWorker = wake;
  }

  /** Called by the start hook once the subscriber lanes run. */
  useSubscriberDelivery(wake: (subscriptionIds: readonly string[]) => void): void {
    this.wakeLanes = wake;
  }

  stopped(): void {
    this.wakeWorker = () => {};
    this.wakeLanes = () => {};
  }

  /** Subscriptions were registered, changed or replayed: their lanes look now. */
  wakeSubscribers(subscriptionIds: readonly string[]): void {
    this.wakeLanes(subscriptionIds);
  }

  /** A message is due: the worker looks now instead of at its next pass. */
  wake(): void {
    this.wakeWorker();
  }

  /** Where one message's commands go, signed as the integration service under its correlation id. */
  orderTarget(correlationId: string): OrderCommandTarget {
    if (!this.secret) throw new Error('the integration module has not been started (no internal secret)');
    return { orderUrl: this.settings.orderUrl, secret: this.secret, correlationId };
  }

  /** The order and ledger subgraphs as a settlement import asks them, under its correlation id. */
  settlementTargets(correlationId: string): { readonly order: ServiceTarget; readonly ledger: ServiceTarget } {
    if (!this.secret) throw new Error('the integration module has not been started (no internal secret)');
    return {
      order: { url: this.settings.orderUrl, secret: this.secret, correlationId },
      ledger: { url: this.settings.ledgerUrl, secret: this.secret, correlationId },
    };
  }
}
