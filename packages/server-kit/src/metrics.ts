import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';

/**
 * Prometheus metrics a service exposes on /metrics. Every label value comes from a bounded set
 * the code defines (schema field names, topics, consumer names, error codes, outcomes), never
 * from a request's ids or a person's data. The database command counter is also how tests and
 * benchmarks prove that N+1 is gone: they read it before and after a request.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  readonly dbCommands: Counter<'command'>;
  readonly graphqlRequests: Counter<'operation_type'>;
  readonly requestDuration: Histogram<'route'>;
  /** One GraphQL operation: its first root field (`placeOrder`, `_entities`), its type, ok or error. */
  readonly operationDuration: Histogram<'operation' | 'operation_type' | 'outcome'>;
  /** Errors answered, by the operation's root field and the error's extensions.code. */
  readonly operationErrors: Counter<'operation' | 'code'>;
  readonly eventsPublished: Counter<'topic' | 'outcome'>;
  /** Handler runs by outcome: ack, retry (will be redelivered), dead-letter. */
  readonly eventsHandled: Counter<'consumer' | 'topic' | 'outcome'>;
  readonly eventHandlingDuration: Histogram<'consumer' | 'topic'>;
  /** From the fact (envelope occurredAt) to the end of a successful handling: end-to-end processing latency. */
  readonly eventDeliveryDelay: Histogram<'consumer' | 'topic'>;
  readonly deadLettersReplayed: Counter<'consumer' | 'topic'>;
  /** KPI: from an event's dead-lettering to its replay (how long a failure waited for a person). */
  readonly deadLetterRecovery: Histogram<'consumer'>;
  /** Events waiting for a durable consumer (not yet delivered or not yet acknowledged), by domain stream. */
  readonly consumerBacklog: Gauge<'consumer' | 'domain'>;
  /** Where the backlog gauge reads at each scrape (the service's event bus); until set it stays empty. */
  readBacklogFrom(source: () => Promise<readonly BacklogReading[]>): void;
}

export interface BacklogReading {
  readonly consumer: string;
  readonly domain: string;
  readonly pending: number;
}

/** Seconds buckets for request-scale work: 1 ms to 10 s. */
export const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
/** Seconds buckets for workflow-scale latencies: 10 ms to 1 hour. */
export const WORKFLOW_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/**
 * Seconds buckets for the KPIs a benchmark checks against its own measurement (placed -> ledger,
 * movement -> availability): 2 ms to about 9 s with each bound 20 % above the last (so a quantile
 * interpolated inside a bucket stays near the true one from healthy tens of ms to a loaded
 * machine's seconds), then the workflow scale up to 1 hour for a backlog. 53 bounds.
 */
export const KPI_LATENCY_BUCKETS = [...exponentialBuckets(0.002, 1.2, 47).map((bound) => Number(bound.toPrecision(3))), 10, 30, 60, 300, 900, 3600];

export function createServiceMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // Event-loop delay sampled once a second, not prom-client's every 10 ms: each sample wakes an
  // idle process, and at 10 ms that alone cost each service about 0.25% of a core (at 100 ms,
  // 0.06%; measured), the largest part of the mesh's CPU at rest. A sample still records the whole
  // delay of the stall it lands in, and a scrape every 15 s gathers fifteen.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  const registers = [registry];
  let backlogSource: (() => Promise<readonly BacklogReading[]>) | undefined;
  return {
    registry,
    dbCommands: new Counter({ name: 'mesh_db_commands_total', help: 'MongoDB commands sent by this service', labelNames: ['command'], registers }),
    graphqlRequests: new Counter({
      name: 'mesh_graphql_requests_total',
      help: 'GraphQL requests served by this service',
      labelNames: ['operation_type'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'mesh_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['route'],
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    operationDuration: new Histogram({
      name: 'mesh_graphql_operation_duration_seconds',
      help: 'GraphQL operations served, by first root field, operation type and outcome (error when the response carries any error)',
      labelNames: ['operation', 'operation_type', 'outcome'],
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    operationErrors: new Counter({
      name: 'mesh_graphql_errors_total',
      help: 'GraphQL errors answered, by first root field and extensions.code',
      labelNames: ['operation', 'code'],
      registers,
    }),
    eventsPublished: new Counter({
      name: 'mesh_events_published_total',
      help: 'Events handed to the bus, by topic and outcome (accepted, duplicate, failed)',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    eventsHandled: new Counter({
      name: 'mesh_events_handled_total',
      help: 'Event handler runs, by consumer, topic and outcome (ack, retry, dead-letter)',
      labelNames: ['consumer', 'topic', 'outcome'],
      registers,
    }),
    eventHandlingDuration: new Histogram({
      name: 'mesh_event_handling_duration_seconds',
      help: 'Time one handler run took',
      labelNames: ['consumer', 'topic'],
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    eventDeliveryDelay: new Histogram({
      name: 'mesh_event_delivery_delay_seconds',
      help: 'From the moment an event happened (occurredAt) to the end of its successful handling by a consumer',
      labelNames: ['consumer', 'topic'],
      buckets: WORKFLOW_BUCKETS,
      registers,
    }),
    deadLettersReplayed: new Counter({
      name: 'mesh_dead_letters_replayed_total',
      help: 'Dead letters sent back to their consumer',
      labelNames: ['consumer', 'topic'],
      registers,
    }),
    deadLetterRecovery: new Histogram({
      name: 'mesh_kpi_dead_letter_recovery_seconds',
      help: 'KPI: from an event being dead-lettered to its replay',
      labelNames: ['consumer'],
      buckets: WORKFLOW_BUCKETS,
      registers,
    }),
    consumerBacklog: new Gauge({
      name: 'mesh_event_consumer_backlog',
      help: 'Events a durable consumer has not yet handled (undelivered plus unacknowledged), by domain stream',
      labelNames: ['consumer', 'domain'],
      registers,
      async collect() {
        if (!backlogSource) return;
        const readings = await backlogSource().catch(() => []);
        this.reset();
        for (const { consumer, domain, pending } of readings) this.set({ consumer, domain }, pending);
      },
    }),
    readBacklogFrom(source) {
      backlogSource = source;
    },
  };
}

/** Reads a counter's total across labels from Prometheus text, for tests and benchmarks. */
export function sumCounter(prometheusText: string, name: string): number {
  let total = 0;
  for (const line of prometheusText.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(value)) total += value;
    }
  }
  return total;
}
