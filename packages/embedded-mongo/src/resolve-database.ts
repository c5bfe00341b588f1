import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { freePort } from './free-port.js';
import { killOnExit, stopper } from './child-process.js';
import { DatabaseUnavailableError, type RunningDatabase } from './running-database.js';
import { startEmbeddedMongo } from './start-embedded-mongo.js';

/** Options for {@link resolveDatabase}. */
export interface ResolveDatabaseOptions {
  /** Keep data across runs (mongod data directory / H2 file) rather than starting empty. */
  persistent: boolean;
  /** Where a started database keeps its files: `mongod/` or `embedded.h2` below it. */
  dataDir: string;
  /** Receives one line saying which database is used. Default: stderr. */
  log?: (line: string) => void;
  /**
   * The loopback port a started database listens on (default: a free one), so that a caller can
   * hand out its URI, {@link startedDatabaseUri}, before the database has finished starting.
   */
  port?: number;
}

/** The URI of a database resolveDatabase starts on `port`, or MONGODB_URI when that is set. */
export function startedDatabaseUri(port: number): string {
  return process.env.MONGODB_URI?.trim() || `mongodb://127.0.0.1:${port}`;
}

/**
 * Finds a MongoDB to use, in this order:
 * 1. `MONGODB_URI` from the environment (kind `external`; `stop` does nothing);
 * 2. a `mongod` on PATH, started on a free port with its data under `dataDir/mongod`;
 * 3. mongo-java-server: an H2 file at `dataDir/embedded.h2` when persistent, in memory otherwise.
 * Throws {@link DatabaseUnavailableError} naming the remedies when none of these works.
 */
export async function resolveDatabase(options: ResolveDatabaseOptions): Promise<RunningDatabase> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataDir = resolve(options.dataDir);

  const external = process.env.MONGODB_URI?.trim();
  if (external) {
    const description = `MONGODB_URI (${redact(external)})`;
    log(`database: ${description}`);
    return { uri: external, kind: 'external', description, stop: async () => {} };
  }

  const mongod = await findOnPath('mongod');
  const database = mongod
    ? await startMongod(mongod, dataDir, options.persistent, options.port)
    : await startEmbedded(dataDir, options.persistent, options.port);
  log(`database: ${database.description}`);
  return database;
}

async function startEmbedded(dataDir: string, persistent: boolean, port = 0): Promise<RunningDatabase> {
  try {
    return persistent
      ? await startEmbeddedMongo({ backend: 'h2', dataFile: join(dataDir, 'embedded.h2'), port })
      : await startEmbeddedMongo({ backend: 'memory', port });
  } catch (error) {
    if (!(error instanceof DatabaseUnavailableError)) throw error;
    throw new DatabaseUnavailableError(
      'No MongoDB available: MONGODB_URI is not set, there is no `mongod` on PATH, and the embedded ' +
        `MongoDB (mongo-java-server) cannot run:\n${error.message}\n` +
        'Remedies: set MONGODB_URI=mongodb://..., or install MongoDB so `mongod` is on PATH, ' +
        'or install a Java 17+ JDK and Maven 3.8+.',
    );
  }
}

async function startMongod(binary: string, dataDir: string, persistent: boolean, requestedPort?: number): Promise<RunningDatabase> {
  const root = join(dataDir, 'mongod');
  await mkdir(root, { recursive: true });
  const dbPath = persistent ? join(root, 'data') : await mkdtemp(join(root, 'ephemeral-'));
  await mkdir(dbPath, { recursive: true });
  const logPath = join(root, 'mongod.log');
  const port = requestedPort || (await freePort());

  const child = spawn(
    binary,
    ['--dbpath', dbPath, '--port', String(port), '--bind_ip', '127.0.0.1', '--logpath', logPath, '--logappend'],
    // Its own process group: a terminal's Ctrl-C leaves mongod to our ordered stop (killOnExit below covers an exit).
    { stdio: 'ignore', detached: true },
  );
  const stopChild = stopper(child, 30_000);
  killOnExit(child);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ?? `exit code ${code}`));
  child.once('error', (error) => (exited = error.message));

  const deadline = Date.now() + 60_000;
  while (!(await accepts(port))) {
    if (exited !== undefined || Date.now() > deadline) {
      await stopChild();
      throw new Error(`mongod (${binary}) did not start (${exited ?? 'timed out'}); see ${logPath}`);
    }
    await sleep(100);
  }

  return {
    uri: `mongodb://127.0.0.1:${port}`,
    kind: 'mongod',
    description: `mongod ${binary} on 127.0.0.1:${port}, data in ${dbPath}${persistent ? '' : ' (removed on stop)'}`,
    stop: async () => {
      await stopChild();
      if (!persistent) await rm(dbPath, { recursive: true, force: true });
    },
  };
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveAccepts(true);
    });
    socket.once('error', () => resolveAccepts(false));
  });
}

/** Hides the password in a connection string meant for logs. */
function redact(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
