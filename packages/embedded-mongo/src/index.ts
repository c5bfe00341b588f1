export { freePort } from './free-port.js';
export { killOnExit, stopper, waitForExit, OutputTail } from './child-process.js';
export { DatabaseUnavailableError, type RunningDatabase } from './running-database.js';
export { MONGO_JAVA_SERVER_VERSION, startEmbeddedMongo, type EmbeddedMongoOptions } from './start-embedded-mongo.js';
export { resolveDatabase, startedDatabaseUri, type ResolveDatabaseOptions } from './resolve-database.js';
export { startTestDatabase } from './test-database.js';
