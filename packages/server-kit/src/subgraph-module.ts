import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus, LiveFeed } from '@mesh/events';
import type { Connection } from 'mongoose';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';
import type { SubgraphConfig } from './subgraph-config.js';
import type { RequestContext } from './subgraph-server.js';

/** The environment a subgraph reads its settings from (process.env, or a test's own). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Exact-path HTTP routes served before GraphQL, without the gateway credential (each authenticates its caller). */
export type SubgraphRoutes = Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>>;

/** Something the kit stops on shutdown, after the HTTP server and before the bus and database. */
export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * One subgraph as a unit, the same shape for every domain. Each part lives in the same named file
 * of every subgraph:
 *
 * - `settings.ts`: `readSettings`, the domain's own settings, parsed once at start and frozen;
 * - `models/index.ts`: `createModels`, the mongoose models with their indexes;
 * - `runtime.ts`: `createRuntime`, the one object request handling shares (settings, models,
 *   clients of other subgraphs, caches, KPI instruments, the live feed);
 * - `events.ts`: `startBackground`, the consumers, outbox relays and jobs;
 * - `access.ts`: the domain's access rules; `errors.ts`: its error codes;
 * - `context.ts`: `createContext`, per-request state (fresh loaders) over the runtime;
 * - `module.ts`: this object, importing the above and nothing that reads the environment at import.
 *
 * The kit calls them in this order: readSettings, createModels, seed, createRuntime,
 * startBackground, then serves requests with createContext; it stops in reverse.
 */
export interface SubgraphModule<TSettings, TModels, TRuntime, TContext extends RequestContext> {
  readonly name: string;
  readonly typeDefs: string;
  readonly resolvers: object;
  /** The domain's settings from the environment; the kit freezes what it returns. */
  readSettings(env: Environment): TSettings;
  /** Registers the subgraph's models (with their indexes) on its own connection. */
  createModels(connection: Connection): TModels;
  /**
   * Loads the subgraph's slice of the seed data when its database is empty. Runs under the
   * `<name>.seed-data` lease, so of replicas starting together one seeds at a time.
   */
  seed?(models: TModels, logger: Logger): Promise<void>;
  /** Builds what every request of this process shares. No background work starts here. */
  createRuntime(resources: SubgraphResources<TSettings, TModels>): TRuntime | Promise<TRuntime>;
  /**
   * Starts what runs beside the HTTP server (event consumers, outbox relays, scheduled jobs).
   * Skipped when the service starts without background work (tests that count commands).
   */
  startBackground?(runtime: TRuntime, resources: SubgraphResources<TSettings, TModels>): Promise<Stoppable>;
  /** Per-request state (fresh DataLoaders, the caller) over the runtime. */
  createContext(base: RequestContext, runtime: TRuntime): TContext;
  /** Extra HTTP routes, such as inbound webhooks. */
  routes?(runtime: TRuntime, resources: SubgraphResources<TSettings, TModels>): SubgraphRoutes;
}

/** What the kit has opened for a subgraph before its runtime is built. */
export interface SubgraphResources<TSettings, TModels> {
  readonly settings: TSettings;
  readonly models: TModels;
  readonly connection: Connection;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly config: SubgraphConfig;
  /** The service's /metrics registry and instruments; a domain registers its KPIs on `metrics.registry`. */
  readonly metrics: ServiceMetrics;
  /**
   * The feed live subscriptions read (JetStream when on NATS, else the in-process bus), opened on
   * the first call and closed by the kit after the background work stops.
   */
  liveFeed(): Promise<LiveFeed>;
}

/** A module of any settings, models, runtime and context (for code that only starts modules). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: a concrete module's hooks take its own types
export type AnySubgraphModule = SubgraphModule<any, any, any, any>;
