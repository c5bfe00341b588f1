import { idempotent, mongoProcessedEvents, type AnyEnvelope, type EventBus, type SubscribeOptions, type Subscription, type Topic } from '@mesh/events';
import type { Logger } from '@mesh/server-kit';
import type { LedgerModels } from '../models/index.js';
import { CUSTOMER_TOPICS, INVENTORY_TOPICS, ORDER_TOPICS, concernsLedger, handleLedgerEvent, type LedgerTopic } from './handle-ledger-event.js';
import type { LedgerKpis } from './ledger-kpis.js';

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
  /**
   * Events each of the order and inventory consumers handles at once (default 1). Partitions:
   * order events by order id (one order's placed, captures, refunds, fulfilment and returns stay
   * in order), stock movements by movement id. Safe because every posting is unique per source
   * and balances move by guarded single-document `$inc`s, which commute. The customer-merge
   * consumer stays at 1, and exclusive across replicas: its cycle check reads aliases before it
   * creates one, so two merges of the same customers at once could both pass it.
   */
  readonly concurrency?: number;
  /** Told about every event once recorded (the service's KPI histograms). */
  readonly kpis?: LedgerKpis;
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
  const record = async (envelope: AnyEnvelope<LedgerTopic>) => {
    await handleLedgerEvent(models, envelope);
    options.kpis?.recorded(envelope);
  };
  // Not `guarded`: the order-placed KPI (orderPlacedToLedger) counts orders, so a re-published placement must not run `record` again.
  const handler = idempotent<LedgerTopic>(store, record, { handles: concernsLedger, ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }) });
  const concurrency = options.concurrency ?? 1;
  const plan: [readonly Topic[], string, SubscribeOptions<LedgerTopic>][] = [
    [ORDER_TOPICS, LEDGER_CONSUMERS.orders, { concurrency, partitionKey: (envelope) => orderIdOf(envelope) }],
    [
      INVENTORY_TOPICS,
      LEDGER_CONSUMERS.inventory,
      { concurrency, partitionKey: (envelope) => (envelope.type === 'inventory.stock-movement-recorded' ? envelope.data.movementId : envelope.id) },
    ],
    // One merge at a time across every ledger replica, not only within this one (see `concurrency`).
    [CUSTOMER_TOPICS, LEDGER_CONSUMERS.customers, { exclusive: true }],
  ];
  const subscriptions: Subscription[] = [];
  const stop = async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
  };
  try {
    for (const [topics, consumer, partitioning] of plan) {
      subscriptions.push(await bus.subscribe(topics as readonly LedgerTopic[], consumer, handler, { ...options.delivery, ...partitioning }));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info({ consumers: LEDGER_CONSUMER_NAMES }, 'ledger consumers started');
  return { stop };
}

/** The order an order-domain event is about; other events are their own partition. */
function orderIdOf(envelope: AnyEnvelope<LedgerTopic>): string {
  return ('orderId' in envelope.data ? envelope.data.orderId : undefined) ?? envelope.id;
}
