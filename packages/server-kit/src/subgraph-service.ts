import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Connection } from 'mongoose';
import { connectJetStreamBus, createMemoryBus, observeBus, type EventBus } from '@mesh/events';
import { flushTraces } from '@mesh/telemetry';
import { ConfigError, readBoolean, readEnvironment, readInt, readInternalSecret, readOptionalString, readPort, readString, type RuntimeEnvironment } from './config.js';
import { connectDatabase, ensureIndexes } from './database.js';
import { GatewayCredentialVerifier, secretKey } from './gateway-credential.js';
import { createHttpHandler, listen } from './http-server.js';
import { createJobLease } from './job-lease.js';
import { createLogger, type Logger } from './logger.js';
import { busMetricsObserver } from './event-metrics.js';
import { createServiceMetrics, type ServiceMetrics } from './metrics.js';
import { createRequestIdentity, createSubgraphApollo, createSubgraphSchema, type RequestContext } from './subgraph-server.js';
import { hasSubscriptions, serveSubgraphSubscriptions } from './subgraph-subscriptions.js';

/** What every subgraph process is configured with; parsed once, frozen, fails fast. */
export interface SubgraphConfig {
  readonly name: string;
  readonly environment: RuntimeEnvironment;
  readonly host: string;
  readonly port: number;
  readonly mongoUri: string;
  readonly dbName: string;
  /**
   * How long start-up keeps trying to reach the database (MONGODB_WAIT_MS, default 0: one attempt
   * of the driver's 10 s server selection). The mesh runner starts the services while the database
   * is still opening its store, so they load their modules meanwhile instead of after it.
   */
  readonly databaseWaitMs?: number;
  readonly internalSecret: string;
  /** Load the demo data set into an empty database (SEED_DATA; default on outside production). */
  readonly seed: boolean;
  /** NATS JetStream for domain events (NATS_URL); without it events stay inside this process. */
  readonly natsUrl: string | undefined;
  /**
   * How long the JetStream domain streams keep events (EVENT_RETENTION_HOURS, default 72): the
   * window in which consumers may lag and live subscribers resume from a cursor. Every process
   * connected to one NATS should use the same value (each applies it to the streams at start).
   */
  readonly eventRetentionHours?: number;
  /**
   * How many nodes of a NATS cluster keep a copy of each domain stream (EVENT_STREAM_REPLICAS,
   * 1 to 5, default 1); 3 on a three-node JetStream cluster survives the loss of a node. Applied to
   * the streams at start, like the retention: every process should use the same value.
   */
  readonly eventStreamReplicas?: number;
  /**
   * How many events one consumer member handles at once where the subgraph opted a consumer into
   * keyed concurrency (EVENT_CONCURRENCY, 1 to 256, default DEFAULT_EVENT_CONCURRENCY); events
   * of one partition (for example one order) stay in order. 1 handles every event one at a time.
   */
  readonly eventConcurrency?: number;
  /**
   * Deliveries of an event (the first included) before a consumer dead-letters it
   * (EVENT_MAX_DELIVER, 1 to 100; unset: the bus's default of 5). Consumers a subgraph configures
   * itself keep their own.
   */
  readonly eventMaxDeliver?: number;
  /**
   * Pause before each redelivery after a failure, in ms (EVENT_RETRY_BACKOFF_MS, a comma list
   * whose last value repeats, e.g. `200` or `1000,5000`; unset: the bus's 1 s, 5 s, 15 s, 30 s).
   */
  readonly eventRetryBackoffMs?: readonly number[];
}

/** The default of SubgraphConfig.eventConcurrency: 16 events in flight per keyed consumer member. */
export const DEFAULT_EVENT_CONCURRENCY = 16;

/**
 * Reads `<NAME>_PORT` (or PORT), `HOST`, `MONGODB_URI`, `MONGODB_WAIT_MS`, `<NAME>_DB_NAME` (default `mesh_<name>`)
 * `MESH_INTERNAL_SECRET`, `SEED_DATA`, `NATS_URL` and the event settings (`EVENT_RETENTION_HOURS`,
 * `EVENT_STREAM_REPLICAS`, `EVENT_CONCURRENCY`, `EVENT_MAX_DELIVER`, `EVENT_RETRY_BACKOFF_MS`).
 */
export function readSubgraphConfig(name: string, defaultPort: number, env: Readonly<Record<string, string | undefined>> = process.env): SubgraphConfig {
  const upper = name.toUpperCase();
  const environment = readEnvironment(env);
  return Object.freeze({
    name,
    environment,
    seed: readBoolean(env, 'SEED_DATA', environment !== 'production'),
    natsUrl: readOptionalString(env, 'NATS_URL'),
    eventRetentionHours: readInt(env, 'EVENT_RETENTION_HOURS', 72, { min: 1, max: 24 * 365 }),
    eventStreamReplicas: readInt(env, 'EVENT_STREAM_REPLICAS', 1, { min: 1, max: 5 }),
    eventConcurrency: readInt(env, 'EVENT_CONCURRENCY', DEFAULT_EVENT_CONCURRENCY, { min: 1, max: 256 }),
    ...(env['EVENT_MAX_DELIVER'] ? { eventMaxDeliver: readInt(env, 'EVENT_MAX_DELIVER', 5, { min: 1, max: 100 }) } : {}),
    ...(env['EVENT_RETRY_BACKOFF_MS'] ? { eventRetryBackoffMs: readBackoff(env['EVENT_RETRY_BACKOFF_MS']) } : {}),
    host: readString(env, 'HOST', '127.0.0.1'),
    port: readPort(env, `${upper}_PORT`, readPort(env, 'PORT', defaultPort)),
    mongoUri: readString(env, 'MONGODB_URI'),
    dbName: readString(env, `${upper}_DB_NAME`, `mesh_${name}`),
    databaseWaitMs: readInt(env, 'MONGODB_WAIT_MS', 0, { min: 0, max: 600_000 }),
    internalSecret: readInternalSecret(env),
  });
}

export interface SubgraphModule<TModels, TContext extends RequestContext> {
  readonly name: string;
  readonly typeDefs: string;
  readonly resolvers: object;
  /** Registers the subgraph's models (with their indexes) on its own connection. */
  createModels(connection: Connection): TModels;
  /** Adds per-request state (fresh DataLoaders) to the request identity. */
  createContext(base: RequestContext, models: TModels): TContext;
  /**
   * Loads the subgraph's slice of the seed data when its database is empty. Runs under the
   * `<name>.seed-data` lease, so of replicas starting together one seeds at a time.
   */
  seed?(models: TModels, logger: Logger): Promise<void>;
  /**
   * Extra HTTP routes (exact path, served before GraphQL and without the gateway credential: each
   * route authenticates its caller itself, e.g. a webhook's signature), such as inbound webhooks.
   */
  routes?(models: TModels, logger: Logger): Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>>;
  /**
   * Starts what runs beside the HTTP server (event consumers, outbox relays, scheduled jobs) once
   * the database is ready; the returned handle is stopped before the database closes.
   */
  start?(runtime: SubgraphRuntime<TModels>): Promise<{ stop(): Promise<void> }>;
}

/** What a subgraph's background work gets: its models, its connection, the event bus, a logger. */
export interface SubgraphRuntime<TModels> {
  readonly models: TModels;
  readonly connection: Connection;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly config: SubgraphConfig;
  /** The service's /metrics registry and instruments; a domain registers its KPIs on `metrics.registry`. */
  readonly metrics: ServiceMetrics;
}

export interface RunningSubgraph {
  readonly url: string;
  readonly port: number;
  readonly connection: Connection;
  close(): Promise<void>;
}

/** Connects, builds indexes, seeds if empty, and serves the subgraph over HTTP. */
export async function startSubgraphService<TModels, TContext extends RequestContext>(
  module: SubgraphModule<TModels, TContext>,
  config: SubgraphConfig,
  logger: Logger = createLogger(`${module.name}-subgraph`),
): Promise<RunningSubgraph> {
  const metrics = createServiceMetrics(`${module.name}-subgraph`);
  const connection = await connectDatabase({ uri: config.mongoUri, dbName: config.dbName, waitMs: config.databaseWaitMs, metrics, logger });
  const models = module.createModels(connection);
  await ensureIndexes(connection);
  const seed = module.seed;
  if (seed && config.seed) {
    // Replicas started together: one seeds under the lease, the others wait, then find the data there.
    await createJobLease(connection, { job: `${module.name}.seed-data` }).runWhenFree(() => seed(models, logger));
  }
  const bus = module.start ? observeBus(await connectBus(config, logger), busMetricsObserver(metrics)) : undefined;
  if (bus) metrics.readBacklogFrom(() => bus.consumerBacklog());
  const background = module.start && bus ? await module.start({ models, connection, bus, logger, config, metrics }) : undefined;
  const definition = { name: module.name, typeDefs: module.typeDefs, resolvers: module.resolvers };
  const schema = createSubgraphSchema(definition);
  const apollo = createSubgraphApollo<TContext>(definition, logger, schema, metrics);
  await apollo.start();
  const verifier = new GatewayCredentialVerifier(secretKey(config.internalSecret));
  const identify = createRequestIdentity(verifier, logger);
  const handler = createHttpHandler<TContext>({
    apollo,
    metrics,
    context: async ({ req }) => module.createContext(await identify(req), models),
    ready: () => connection.readyState === 1,
    ...(module.routes ? { routes: module.routes(models, logger) } : {}),
  });
  const http = await listen(handler, config.port, config.host);
  // A module opts in to subscriptions by resolving `Subscription` fields: they are served over
  // graphql-ws on the same /graphql URL, with the same gateway credential and context as HTTP.
  const subscriptions = hasSubscriptions(schema)
    ? serveSubgraphSubscriptions({ server: http.server, schema, verifier, logger, createContext: (base) => module.createContext(base, models) })
    : undefined;
  logger.info({ url: http.url }, `${module.name} subgraph ready`);
  return {
    url: http.url,
    port: http.port,
    connection,
    async close() {
      // Every step runs even if one before it fails: on Ctrl-C the broker may already be gone
      // (the terminal signals the whole process group), and the database must still be closed.
      const steps: [string, () => Promise<unknown> | undefined][] = [
        ['subscriptions', () => subscriptions?.close()],
        ['http', () => http.close()],
        ['background work', () => background?.stop()],
        ['event bus', () => bus?.close()],
        ['apollo', () => apollo.stop()],
        ['database', () => connection.close()],
      ];
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (error) {
          logger.warn({ err: error }, `closing ${name} failed; continuing shutdown`);
        }
      }
    },
  };
}

async function connectBus(config: SubgraphConfig, logger: Logger): Promise<EventBus> {
  if (config.natsUrl) {
    const retention = config.eventRetentionHours ? { maxAgeMs: config.eventRetentionHours * 3600_000 } : {};
    const replicas = config.eventStreamReplicas ? { replicas: config.eventStreamReplicas } : {};
    const delivery = {
      ...(config.eventMaxDeliver ? { maxDeliver: config.eventMaxDeliver } : {}),
      ...(config.eventRetryBackoffMs ? { backoffMs: config.eventRetryBackoffMs } : {}),
    };
    return connectJetStreamBus({ servers: config.natsUrl, name: `${config.name}-subgraph`, ...retention, ...replicas, defaultDelivery: delivery });
  }
  logger.warn('NATS_URL is not set: events stay inside this process (fine for a single-process test, not for a mesh)');
  return createMemoryBus();
}

/** Stops the service cleanly on SIGINT/SIGTERM; the only place a subgraph touches process signals. */
export function closeOnSignals(service: { close(): Promise<void> }, logger: Logger): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    // Spans are exported in batches: the last ones (the shutdown's own included) leave before exit.
    service.close().then(() => flushTraces()).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** EVENT_RETRY_BACKOFF_MS: whole milliseconds, comma separated, 0 to 600000 each. */
function readBackoff(raw: string): readonly number[] {
  const parts = raw.split(',').map((part) => part.trim());
  const values = parts.map(Number);
  if (parts.some((part) => !/^\d{1,6}$/.test(part)) || values.some((value) => value > 600_000)) {
    throw new ConfigError(`EVENT_RETRY_BACKOFF_MS must be whole milliseconds separated by commas (0 to 600000 each), got "${raw}"`);
  }
  return Object.freeze(values);
}
