import type { RunningDatabase } from './running-database.js';
import { startEmbeddedMongo } from './start-embedded-mongo.js';

/**
 * A real MongoDB-wire server for one test file: MONGODB_URI when set (to run the suite against
 * a real MongoDB), otherwise mongo-java-server in memory on an ephemeral port.
 */
export async function startTestDatabase(): Promise<RunningDatabase> {
  const external = process.env['MONGODB_URI'];
  if (external) return { uri: external, kind: 'external', description: 'MONGODB_URI', stop: async () => {} };
  return startEmbeddedMongo({ backend: 'memory' });
}
