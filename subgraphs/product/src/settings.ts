import { readInt, type Environment } from '@mesh/server-kit';

/** The product domain's own settings beside the kit's SubgraphConfig, read once at start (the kit freezes them); failing fast. */
export interface ProductSettings {
  /**
   * Longest sleep of the price announcer (PRODUCT_PRICE_ANNOUNCER_RECHECK_MS, default 30 s). It
   * otherwise sleeps until the next scheduled change and is woken by schedules made through this
   * process, so this only bounds how late it sees a change scheduled through another replica that
   * could not announce it itself.
   */
  readonly priceAnnouncerRecheckMs: number;
  /** Pause between outbox relay passes while they find events (PRODUCT_RELAY_INTERVAL_MS, default 250 ms). */
  readonly relayIntervalMs: number;
  /** Longest pause while relay passes find nothing (PRODUCT_RELAY_IDLE_INTERVAL_MS, default 5 s). */
  readonly relayIdleIntervalMs: number;
  /** How often the coupon sweeper looks for uses whose order never appeared (PRODUCT_COUPON_SWEEP_INTERVAL_MS, default 60 s). */
  readonly couponSweepIntervalMs: number;
  /**
   * How long after a coupon use was taken its order must have been placed, or the use is given
   * back (PRODUCT_COUPON_ORDER_TIMEOUT_MS, default 15 min): far above the placement's own few seconds
   * and an event's usual delivery, so that only uses of orders that were never stored go back.
   */
  readonly couponOrderTimeoutMs: number;
}

export function readProductSettings(env: Environment): ProductSettings {
  return {
    priceAnnouncerRecheckMs: readInt(env, 'PRODUCT_PRICE_ANNOUNCER_RECHECK_MS', 30_000, { min: 10 }),
    relayIntervalMs: readInt(env, 'PRODUCT_RELAY_INTERVAL_MS', 250, { min: 10 }),
    relayIdleIntervalMs: readInt(env, 'PRODUCT_RELAY_IDLE_INTERVAL_MS', 5000, { min: 10 }),
    couponSweepIntervalMs: readInt(env, 'PRODUCT_COUPON_SWEEP_INTERVAL_MS', 60_000, { min: 10 }),
    couponOrderTimeoutMs: readInt(env, 'PRODUCT_COUPON_ORDER_TIMEOUT_MS', 15 * 60_000, { min: 1000 }),
  };
}
