import mongoose, { type Connection } from 'mongoose';
import type { ServiceMetrics } from './metrics.js';
import type { Logger } from './logger.js';

// Unknown filter paths are dropped rather than matched. Operator injection is stopped at the
// boundary instead (typed GraphQL inputs plus input-guards.ts), because mongoose's global
// sanitizeFilter would also neutralise the services' own `$in` and `$gte` guards.
mongoose.set('strictQuery', true);

/**
 * How often the driver's connection pool checks its minimum size and prunes perished connections.
 * The driver (7.x) does this every 100 ms even with `minPoolSize` 0 and no `maxIdleTimeMS`, which
 * made it each idle service's most frequent wake-up. Here neither is set, so the check has nothing
 * to do; a connection that perished (pool cleared after a network error) is still pruned when it
 * is next checked out. The option is the driver's internal one (MongoClient's own parser refuses
 * it), so it is set on the parsed options before connecting; tests/database-idle.test.ts fails if
 * a driver upgrade stops honouring it.
 */
const POOL_CHECK_INTERVAL_MS = 10_000;

/**
 * Opens the service's own database. Each domain has its own database and no other service
 * reads it. Every command is counted in the service's metrics.
 */
export async function connectDatabase(options: {
  uri: string;
  dbName: string;
  /** Keep trying to reach the database this long (ms) while it is still starting; default one attempt. */
  waitMs?: number | undefined;
  metrics?: ServiceMetrics;
  logger?: Logger;
}): Promise<Connection> {
  const client = await connectClient(options, Date.now() + (options.waitMs ?? 0));
  // Models build their declared indexes when first compiled (autoIndex), as with createConnection(uri).
  const connection = mongoose.createConnection().setClient(client).useDb(options.dbName, { useCache: true });
  options.logger?.info({ dbName: options.dbName }, 'database connected');
  return connection;
}

/** A connected client; a server selection timeout before `deadline` starts a fresh attempt. */
async function connectClient(options: { uri: string; metrics?: ServiceMetrics }, deadline: number): Promise<InstanceType<typeof mongoose.mongo.MongoClient>> {
  for (;;) {
    // The database is chosen by the caller, not as the client's dbName, which would also become
    // the credentials' authSource when the URI names none.
    const client = new mongoose.mongo.MongoClient(options.uri, {
      monitorCommands: true,
      maxPoolSize: 20,
      serverSelectionTimeoutMS: 10_000,
    });
    (client.options as typeof client.options & { minPoolSizeCheckFrequencyMS?: number }).minPoolSizeCheckFrequencyMS = POOL_CHECK_INTERVAL_MS;
    client.on('commandStarted', (event) => options.metrics?.dbCommands.inc({ command: event.commandName }));
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.close().catch(() => undefined);
      if (!(error instanceof mongoose.mongo.MongoServerSelectionError) || Date.now() >= deadline) throw error;
    }
  }
}

/** Builds every model's declared indexes; called once at start-up before serving. */
export async function ensureIndexes(connection: Connection): Promise<void> {
  for (const model of Object.values(connection.models)) await model.init();
}
