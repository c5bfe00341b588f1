import {
  ConfigError,
  readBoolean,
  readEnvironment,
  readInt,
  readInternalSecret,
  readOptionalString,
  readPort,
  readString,
  type RuntimeEnvironment,
} from './config.js';

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
   * How many events one pull of a consumer asks NATS for (EVENT_FETCH_BATCH, 1 to 1000, default
   * the bus's 16, never fewer than the consumer's concurrency): events are handed over as they
   * arrive, and at most this many wait in the process for their turn.
   */
  readonly eventFetchBatch?: number;
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
 * `EVENT_STREAM_REPLICAS`, `EVENT_CONCURRENCY`, `EVENT_FETCH_BATCH`, `EVENT_MAX_DELIVER`, `EVENT_RETRY_BACKOFF_MS`).
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
    ...(env['EVENT_FETCH_BATCH'] ? { eventFetchBatch: readInt(env, 'EVENT_FETCH_BATCH', 16, { min: 1, max: 1000 }) } : {}),
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

/** EVENT_RETRY_BACKOFF_MS: whole milliseconds, comma separated, 0 to 600000 each. */
function readBackoff(raw: string): readonly number[] {
  const parts = raw.split(',').map((part) => part.trim());
  const values = parts.map(Number);
  if (parts.some((part) => !/^\d{1,6}$/.test(part)) || values.some((value) => value > 600_000)) {
    throw new ConfigError(`EVENT_RETRY_BACKOFF_MS must be whole milliseconds separated by commas (0 to 600000 each), got "${raw}"`);
  }
  return Object.freeze(values);
}
