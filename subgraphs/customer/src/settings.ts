import { readInt, type Environment } from '@mesh/server-kit';

/** The customer domain's own settings, read once at start. */
export interface CustomerSettings {
  /**
   * Pause between the outbox relay's safety-net sweeps for events a crashed or slow write left
   * behind (CUSTOMER_RELAY_INTERVAL_MS, default 30 s); every write that records events wakes it.
   */
  readonly relayIntervalMs: number;
}

export function readCustomerSettings(env: Environment): CustomerSettings {
  return {
    relayIntervalMs: readInt(env, 'CUSTOMER_RELAY_INTERVAL_MS', 30_000, { min: 10 }),
  };
}
