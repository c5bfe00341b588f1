import { readInt, readOptionalString, readString, type Environment } from '@mesh/server-kit';

/** The order domain's own settings, read once at start: where the product and customer subgraphs are, how long placement waits. */
export interface OrderSettings {
  /** The product subgraph's GraphQL endpoint (PRODUCT_URL, default http://127.0.0.1:4001/graphql). */
  readonly productUrl: string;
  /**
   * The customer subgraph's GraphQL endpoint, asked for the customer's loyalty tier when an order
   * is priced (CUSTOMER_URL). Every deployment sets it; left unset (a test of the order domain
   * alone), orders are priced without a tier, as for a customer without one.
   */
  readonly customerUrl: string | null;
  /**
   * The bound on placeOrder's answer time, from the client's request reaching the mesh (the
   * gateway): within it placeOrder waits for inventory's answer, else answers PENDING
   * (ORDER_DECISION_WAIT_MS, default 3000 ms). See answer-budget.ts for what is kept back from it.
   */
  readonly decisionWaitMs: number;
  /**
   * Kept back from the bound, beyond the time the request took to arrive, for the answer's way
   * back through the gateway (ORDER_ANSWER_MARGIN_MS, default 250 ms).
   */
  readonly answerMarginMs: number;
  /** Orders this replica may have placing or undecided before new ones are refused with INTAKE_SATURATED (ORDER_INTAKE_MAX_BACKLOG, default 200). */
  readonly intakeMaxBacklog: number;
  /**
   * How long a caller past the backlog may wait in line for a decision to free a place before it
   * is refused (ORDER_INTAKE_QUEUE_WAIT_MS, default 1000 ms, at most half of the decision wait; 0
   * refuses at once). The line keeps a burst's intake full without callers polling.
   */
  readonly intakeQueueWaitMs: number;
  /** Pause between the outbox relay's safety-net passes (ORDER_RELAY_INTERVAL_MS, default 1000 ms); every write also pokes it. */
  readonly relayIntervalMs: number;
  /** Days after an order became COMPLETED during which its goods may be returned (ORDER_RETURN_WINDOW_DAYS, default 30). */
  readonly returnWindowDays: number;
  /** How often the age of the oldest PENDING order is measured for /metrics (ORDER_KPI_INTERVAL_MS, default 15000 ms). */
  readonly kpiIntervalMs: number;
  /** How long a customer's loyalty tier read from the customer domain is used (ORDER_LOYALTY_TIER_CACHE_MS, default 30000 ms). */
  readonly loyaltyTierCacheMs: number;
}

export function readOrderSettings(env: Environment): OrderSettings {
  return {
    productUrl: readString(env, 'PRODUCT_URL', 'http://127.0.0.1:4001/graphql'),
    customerUrl: readOptionalString(env, 'CUSTOMER_URL') ?? null,
    decisionWaitMs: readInt(env, 'ORDER_DECISION_WAIT_MS', 3000, { min: 0, max: 8000 }),
    answerMarginMs: readInt(env, 'ORDER_ANSWER_MARGIN_MS', 250, { min: 0, max: 2000 }),
    intakeMaxBacklog: readInt(env, 'ORDER_INTAKE_MAX_BACKLOG', 200, { min: 1 }),
    intakeQueueWaitMs: readInt(env, 'ORDER_INTAKE_QUEUE_WAIT_MS', 1000, { min: 0, max: 4000 }),
    relayIntervalMs: readInt(env, 'ORDER_RELAY_INTERVAL_MS', 1000, { min: 10 }),
    returnWindowDays: readInt(env, 'ORDER_RETURN_WINDOW_DAYS', 30, { min: 0, max: 3650 }),
    kpiIntervalMs: readInt(env, 'ORDER_KPI_INTERVAL_MS', 15_000, { min: 100 }),
    loyaltyTierCacheMs: readInt(env, 'ORDER_LOYALTY_TIER_CACHE_MS', 30_000, { min: 1 }),
  };
}
