/** A MongoDB that the caller can connect to, and stop when done. */
export interface RunningDatabase {
  /** Connection string without a database path (`mongodb://host:port`); pick the database with `dbName`. */
  readonly uri: string;
  /** Where the database comes from: MONGODB_URI, a `mongod` we started, or mongo-java-server. */
  readonly kind: 'external' | 'mongod' | 'embedded-memory' | 'embedded-h2';
  /** The server's process id when this process started it (for CPU measurements), else undefined. */
  readonly pid?: number;
  /** One human-readable line, for logs. Never contains credentials. */
  readonly description: string;
  /** Stops what was started (a no-op for `external`). Safe to call more than once. */
  stop(): Promise<void>;
  /**
   * Starts the server again after `stop()` (an outage), on the same port, so clients reconnect to
   * the same `uri`; `embedded-h2` reopens its file (`embedded-memory` starts empty). Undefined
   * when this process cannot (`external`, `mongod`).
   */
  start?(): Promise<void>;
}

/** Thrown when no database can be started; the message names the remedies. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}
