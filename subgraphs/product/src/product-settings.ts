import { readInt } from '@mesh/server-kit';

/** The product subgraph's own settings beside the kit's SubgraphConfig; parsed once, frozen, failing fast. */
export interface ProductSettings {
  /** How often the price announcer looks for scheduled prices that took effect (PRODUCT_PRICE_ANNOUNCER_INTERVAL_MS, default 1 s): the most a change is announced late. */
  readonly priceAnnouncerIntervalMs: number;
  /** Pause between outbox relay passes while they find events (PRODUCT_RELAY_INTERVAL_MS, default 250 ms). */
  readonly relayIntervalMs: number;
  /** Longest pause while relay passes find nothing (PRODUCT_RELAY_IDLE_INTERVAL_MS, default 5 s). */
  readonly relayIdleIntervalMs: number;
}

export function readProductSettings(env: Readonly<Record<string, string | undefined>> = process.env): ProductSettings {
  return Object.freeze({
    priceAnnouncerIntervalMs: readInt(env, 'PRODUCT_PRICE_ANNOUNCER_INTERVAL_MS', 1000, { min: 10 }),
    relayIntervalMs: readInt(env, 'PRODUCT_RELAY_INTERVAL_MS', 250, { min: 10 }),
    relayIdleIntervalMs: readInt(env, 'PRODUCT_RELAY_IDLE_INTERVAL_MS', 5000, { min: 10 }),
  });
}
