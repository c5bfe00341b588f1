import type { SubscribeOptions } from '@mesh/events';
import { readInt, readOptionalString, type Environment } from '@mesh/server-kit';

/** The ledger's own settings beside the kit's SubgraphConfig, read once at start (the kit freezes them). */
export interface LedgerSettings {
  /**
   * The order subgraph's GraphQL endpoint (ORDER_URL): reconciliation reads the order domain's own
   * payments of the day from it. Without it reconciliation falls back to the ledger's records of
   * the order events (and cannot see a consumer that never received them).
   */
  readonly orderUrl: string | undefined;
  /**
   * Pause between the relay's safety-net sweeps for `ledger.business-day-closed` events a crashed
   * write left behind (LEDGER_RELAY_INTERVAL_MS, default 30 s); every close also wakes it.
   */
  readonly relayIntervalMs: number;
  /** Delivery policy (retries, backoff, ack wait) of every ledger consumer; not read from the environment (tests shorten it). Default: the bus's. */
  readonly consumerDelivery?: SubscribeOptions;
  /** How long a consumer's claim on an event lasts before another delivery may take it over; not read from the environment (tests). */
  readonly consumerLeaseMs?: number;
}

export function readLedgerSettings(env: Environment): LedgerSettings {
  return {
    orderUrl: readOptionalString(env, 'ORDER_URL'),
    relayIntervalMs: readInt(env, 'LEDGER_RELAY_INTERVAL_MS', 30_000, { min: 10 }),
  };
}
