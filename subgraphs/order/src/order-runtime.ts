import { readInt, readString, secretKey } from '@mesh/server-kit';
import { KeyedQueue } from './services/order-queue.js';

/** How the order subgraph reaches the product subgraph, and the poke of its outbox relay. */
export interface OrderRuntimeSettings {
  /** The product subgraph's GraphQL endpoint (PRODUCT_URL, default http://127.0.0.1:4001/graphql). */
  readonly productUrl: string;
  /** How long placeOrder waits for inventory's answer (default 3000 ms). */
  readonly decisionWaitMs: number;
  /** Pause between the outbox relay's safety-net passes (ORDER_RELAY_INTERVAL_MS, default 1000 ms); every write also pokes it. */
  readonly relayIntervalMs: number;
  /** Days after an order became COMPLETED during which its goods may be returned (ORDER_RETURN_WINDOW_DAYS, default 30). */
  readonly returnWindowDays: number;
}

export function readOrderRuntimeSettings(env: Readonly<Record<string, string | undefined>> = process.env): OrderRuntimeSettings {
  return {
    productUrl: readString(env, 'PRODUCT_URL', 'http://127.0.0.1:4001/graphql'),
    decisionWaitMs: 3000,
    relayIntervalMs: readInt(env, 'ORDER_RELAY_INTERVAL_MS', 1000, { min: 10 }),
    returnWindowDays: readInt(env, 'ORDER_RETURN_WINDOW_DAYS', 30, { min: 0, max: 3650 }),
  };
}

/**
 * What request-time code shares with the module's start hook: set when the module starts (the
 * internal secret for signing calls to product, the relay to poke after a write).
 */
export class OrderRuntime {
  secret: Uint8Array | null = null;
  pokeRelay: () => void = () => undefined;
  /** Refunds and return receipts of one order run one at a time in this process (see KeyedQueue). */
  readonly orderQueue = new KeyedQueue();
  constructor(readonly settings: OrderRuntimeSettings) {}

  useSecret(internalSecret: string): void {
    this.secret = secretKey(internalSecret);
  }
}
