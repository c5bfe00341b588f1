import type { SubscribeOptions } from '@mesh/events';
import { readInt, type Environment } from '@mesh/server-kit';

/** Inventory's own settings beside the kit's SubgraphConfig, read once at start (the kit freezes them); failing fast. */
export interface InventorySettings {
  /** How long a reservation made for an order is held before the expiry job releases it (INVENTORY_RESERVATION_TTL_MS, default 3 days). */
  readonly reservationTtlMs: number;
  /** How often the expiry job runs (INVENTORY_EXPIRY_INTERVAL_MS, default 30 s). */
  readonly expiryIntervalMs: number;
  /** Pause between outbox relay passes while they find events (INVENTORY_RELAY_INTERVAL_MS, default 250 ms); every write that records events also wakes the relay. */
  readonly relayIntervalMs: number;
  /** Longest pause while passes find nothing: the safety net for other replicas' and crashed writes (INVENTORY_RELAY_IDLE_INTERVAL_MS, default 5 s). */
  readonly relayIdleIntervalMs: number;
  /** How long a location read from the database is used for the levels that name it (INVENTORY_LOCATION_CACHE_MS, default 60 s). */
  readonly locationCacheMs: number;
  /** Delivery policy (retries, backoff) of the order-events consumer; not read from the environment (tests shorten it). Default: the bus's. */
  readonly orderEventsDelivery?: SubscribeOptions;
}

export function readInventorySettings(env: Environment): InventorySettings {
  return {
    reservationTtlMs: readInt(env, 'INVENTORY_RESERVATION_TTL_MS', 3 * 24 * 3600 * 1000, { min: 1000, max: 30 * 24 * 3600 * 1000 }),
    expiryIntervalMs: readInt(env, 'INVENTORY_EXPIRY_INTERVAL_MS', 30_000, { min: 10 }),
    relayIntervalMs: readInt(env, 'INVENTORY_RELAY_INTERVAL_MS', 250, { min: 10 }),
    relayIdleIntervalMs: readInt(env, 'INVENTORY_RELAY_IDLE_INTERVAL_MS', 5000, { min: 10 }),
    locationCacheMs: readInt(env, 'INVENTORY_LOCATION_CACHE_MS', 60_000, { min: 1, max: 24 * 3600 * 1000 }),
  };
}
