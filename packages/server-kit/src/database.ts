import mongoose, { type Connection } from 'mongoose';
import type { ServiceMetrics } from './metrics.js';
import type { Logger } from './logger.js';

// Unknown filter paths are dropped rather than matched. Operator injection is stopped at the
// boundary instead (typed GraphQL inputs plus input-guards.ts), because mongoose's global
// sanitizeFilter would also neutralise the services' own `$in` and `$gte` guards.
mongoose.set('strictQuery', true);

/**
 * Opens the service's own database. Each domain has its own database and no other service
 * reads it. Every command is counted in the service's metrics.
 */
export async function connectDatabase(options: {
  uri: string;
  dbName: string;
  metrics?: ServiceMetrics;
  logger?: Logger;
}): Promise<Connection> {
  const connection = mongoose.createConnection(options.uri, {
    dbName: options.dbName,
    monitorCommands: true,
    maxPoolSize: 20,
    serverSelectionTimeoutMS: 10_000,
    autoIndex: true,
  });
  const client = connection.getClient();
  client.on('commandStarted', (event) => options.metrics?.dbCommands.inc({ command: event.commandName }));
  await connection.asPromise();
  options.logger?.info({ dbName: options.dbName }, 'database connected');
  return connection;
}

/** Builds every model's declared indexes; called once at start-up before serving. */
export async function ensureIndexes(connection: Connection): Promise<void> {
  for (const model of Object.values(connection.models)) await model.init();
}
