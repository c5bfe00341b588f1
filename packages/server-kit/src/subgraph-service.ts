import type { Connection } from 'mongoose';
import { connectJetStreamBus, createMemoryBus, observeBus, type EventBus, type LiveFeed } from '@mesh/events';
import { flushTraces } from '@mesh/telemetry';
import { connectDatabase, ensureIndexes } from './database.js';
import { GatewayCredentialVerifier, secretKey } from './gateway-credential.js';
import { createHttpHandler, listen } from './http-server.js';
import { createJobLease } from './job-lease.js';
import { createLogger, type Logger } from './logger.js';
import { busMetricsObserver } from './event-metrics.js';
import { connectLiveFeed } from './live-feed.js';
import { createServiceMetrics } from './metrics.js';
import type { SubgraphConfig } from './subgraph-config.js';
import type { Environment, SubgraphModule, SubgraphResources } from './subgraph-module.js';
import { createRequestIdentity, createSubgraphApollo, createSubgraphSchema, type RequestContext } from './subgraph-server.js';
import { hasSubscriptions, serveSubgraphSubscriptions } from './subgraph-subscriptions.js';

export interface RunningSubgraph {
  readonly url: string;
  readonly port: number;
  readonly connection: Connection;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where the module reads its settings (default process.env). */
  readonly env?: Environment;
  /** false starts no background work (consumers, relays, jobs): suites that count their own database commands. */
  readonly background?: boolean;
}

/**
 * Connects, builds indexes, seeds if empty, builds the module's runtime, starts its background
 * work and serves the subgraph over HTTP. `close` stops it all in reverse.
 */
export async function startSubgraphService<TSettings, TModels, TRuntime, TContext extends RequestContext>(
  module: SubgraphModule<TSettings, TModels, TRuntime, TContext>,
  config: SubgraphConfig,
  logger: Logger = createLogger(`${module.name}-subgraph`),
  options: StartOptions = {},
): Promise<RunningSubgraph> {
  const settings = Object.freeze(module.readSettings(options.env ?? process.env));
  const metrics = createServiceMetrics(`${module.name}-subgraph`);
  const connection = await connectDatabase({ uri: config.mongoUri, dbName: config.dbName, waitMs: config.databaseWaitMs, metrics, logger });
  const models = module.createModels(connection);
  await ensureIndexes(connection);
  const seed = module.seed;
  if (seed && config.seed) {
    // Replicas started together: one seeds under the lease, the others wait, then find the data there.
    await createJobLease(connection, { job: `${module.name}.seed-data` }).runWhenFree(() => seed(models, logger));
  }
  const bus = observeBus(await connectBus(config, logger), busMetricsObserver(metrics));
  metrics.readBacklogFrom(() => bus.consumerBacklog());
  let liveFeed: Promise<LiveFeed> | undefined;
  const resources: SubgraphResources<TSettings, TModels> = {
    settings,
    models,
    connection,
    bus,
    logger,
    config,
    metrics,
    liveFeed: () => (liveFeed ??= connectLiveFeed(config, bus)),
  };
  const runtime = await module.createRuntime(resources);
  const background = module.startBackground && options.background !== false ? await module.startBackground(runtime, resources) : undefined;
  const definition = { name: module.name, typeDefs: module.typeDefs, resolvers: module.resolvers };
  const schema = createSubgraphSchema(definition);
  const apollo = createSubgraphApollo<TContext>(definition, logger, schema, metrics);
  await apollo.start();
  const verifier = new GatewayCredentialVerifier(secretKey(config.internalSecret));
  const identify = createRequestIdentity(verifier, logger);
  const handler = createHttpHandler<TContext>({
    apollo,
    metrics,
    context: async ({ req }) => module.createContext(await identify(req), runtime),
    ready: () => connection.readyState === 1,
    ...(module.routes ? { routes: module.routes(runtime, resources) } : {}),
  });
  const http = await listen(handler, config.port, config.host);
  // A module opts in to subscriptions by resolving `Subscription` fields: they are served over
  // graphql-ws on the same /graphql URL, with the same gateway credential and context as HTTP.
  const subscriptions = hasSubscriptions(schema)
    ? serveSubgraphSubscriptions({ server: http.server, schema, verifier, logger, createContext: (base) => module.createContext(base, runtime) })
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
        ['live feed', () => liveFeed?.then((feed) => feed.close())],
        ['event bus', () => bus.close()],
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
    const fetchBatch = config.eventFetchBatch ? { fetchBatch: config.eventFetchBatch } : {};
    return connectJetStreamBus({
      servers: config.natsUrl,
      name: `${config.name}-subgraph`,
      ...retention,
      ...replicas,
      ...fetchBatch,
      defaultDelivery: delivery,
    });
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
    service
      .close()
      .then(() => flushTraces())
      .then(
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
