import { idempotent, mongoProcessedEvents, type EventBus, type SubscribeOptions, type Subscription, type Topic } from '@mesh/events';
import type { Logger } from '@mesh/server-kit';
import type { LedgerModels } from '../models/index.js';
import { CUSTOMER_TOPICS, INVENTORY_TOPICS, ORDER_TOPICS, handleLedgerEvent, type LedgerTopic } from './handle-ledger-event.js';

/**
 * The ledger's durable consumer names, one per source domain: each keeps its own position and its
 * own dead letters, and every ledger replica joins the same ones (they share the work).
 */
export const LEDGER_CONSUMERS = {
  orders: 'ledger-orders',
  inventory: 'ledger-inventory',
  customers: 'ledger-customers',
} as const;
export const LEDGER_CONSUMER_NAMES: readonly string[] = Object.values(LEDGER_CONSUMERS);

export interface LedgerConsumerOptions {
  /** Delivery policy of every ledger consumer (retries, backoff, ack wait); the bus defaults otherwise. */
  readonly delivery?: SubscribeOptions;
  /** How long a claim on an event lasts before another delivery may take it over (idempotent consumer lease). */
  readonly leaseMs?: number;
}

/**
 * Subscribes the ledger's consumers. Each event runs through the idempotent-consumer guard (a
 * completed event is skipped), and each posting is unique per source in the journal itself, so a
 * handler re-run after a crash still posts once. Resolves once every consumer exists.
 */
export async function startLedgerConsumers(
  models: LedgerModels,
  bus: EventBus,
  logger: Logger,
  options: LedgerConsumerOptions = {},
): Promise<{ stop(): Promise<void> }> {
  const store = mongoProcessedEvents(models.processedEvents);
  const handler = idempotent<LedgerTopic>(store, (envelope) => handleLedgerEvent(models, envelope), options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs });
  const plan: [readonly Topic[], string][] = [
    [ORDER_TOPICS, LEDGER_CONSUMERS.orders],
    [INVENTORY_TOPICS, LEDGER_CONSUMERS.inventory],
    [CUSTOMER_TOPICS, LEDGER_CONSUMERS.customers],
  ];
  const subscriptions: Subscription[] = [];
  const stop = async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
  };
  try {
    for (const [topics, consumer] of plan) {
      subscriptions.push(await bus.subscribe(topics as readonly LedgerTopic[], consumer, handler, options.delivery));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info({ consumers: LEDGER_CONSUMER_NAMES }, 'ledger consumers started');
  return { stop };
}
