import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { killOnExit, OutputTail, stopper } from './child-process.js';
import { DatabaseUnavailableError, type RunningDatabase } from './running-database.js';

/** Options for {@link startEmbeddedMongo}. */
export interface EmbeddedMongoOptions {
  /**
   * `memory` forgets everything on stop; `h2` keeps data in `dataFile`. `memory-stock` is upstream's
   * memory backend as shipped (no index use, replies not copied): for benchmarks only.
   */
  backend: 'memory' | 'h2' | 'memory-stock';
  /** The H2 store file; required for `h2`. Its directory is created if missing. */
  dataFile?: string;
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** How long to wait for the server to listen (it opens the H2 file first; indexes are built later). Default 120 s. */
  startTimeoutMs?: number;
  /**
   * Queries slower than this are written to this process's stderr, one `[embedded-mongo] SLOW ...`
   * line each (namespace, plan, documents examined, the filter's shape without values).
   * Default: MESH_DB_SLOW_MS when set, else 250 for `h2` (`npm start`) and none for `memory` (tests).
   */
  slowQueryMs?: number;
  /**
   * `h2` only: keep changes in memory and write them to the file once per this many ms (a periodic
   * snapshot), instead of about every second or every megabyte. For benchmarks; a crash loses more.
   */
  writeEveryMs?: number;
  /** `h2` only: the page cache in MB (default 256, which holds a development data set whole). */
  cacheMb?: number;
  /**
   * `h2` only: a kept file's indexes are built when each collection is first used, and the rest in the
   * background once no collection was first used for this many ms (default 10000); negative: first use only.
   */
  warmQuietMs?: number;
}

/** mongo-java-server version pinned in launcher/pom.xml. */
export const MONGO_JAVA_SERVER_VERSION = '1.47.0';

// Both src/ and dist/ sit directly below the package root.
const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const launcherTarget = join(packageRoot, 'launcher', 'target');

const REMEDY =
  'Install a Java 17+ JDK and Maven 3.8+ (then run `npm run prepare:launcher -w @mesh/embedded-mongo`), ' + 'or set MONGODB_URI to an existing MongoDB.';

/**
 * Starts mongo-java-server (via launcher/EmbeddedMongo.java) on 127.0.0.1 and resolves once it
 * accepts connections. It reports MongoDB 5.0 / wire version 13 so that mongoose 9 accepts it.
 * The Java process also exits on its own when this Node process goes away.
 */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions): Promise<RunningDatabase> {
  const { backend, port = 0, startTimeoutMs = 120_000 } = options;
  const args = ['--backend', backend, '--host', '127.0.0.1'];
  const slowQueryMs = options.slowQueryMs ?? (process.env['MESH_DB_SLOW_MS'] ? Number(process.env['MESH_DB_SLOW_MS']) : backend === 'h2' ? 250 : undefined);
  if (slowQueryMs !== undefined && Number.isFinite(slowQueryMs) && slowQueryMs >= 0) args.push('--slow-ms', String(Math.floor(slowQueryMs)));
  let dataFile: string | undefined;
  if (backend === 'h2') {
    if (!options.dataFile) throw new Error("startEmbeddedMongo: backend 'h2' needs a dataFile");
    dataFile = resolve(options.dataFile);
    await mkdir(dirname(dataFile), { recursive: true });
    args.push('--file', dataFile);
    if (options.writeEveryMs !== undefined) args.push('--write-every-ms', String(Math.floor(options.writeEveryMs)));
    if (options.cacheMb !== undefined) args.push('--cache-mb', String(Math.floor(options.cacheMb)));
    if (options.warmQuietMs !== undefined) args.push('--warm-quiet-ms', String(Math.floor(options.warmQuietMs)));
  }

  const classpath = await prepareLauncher();
  let current = await launch(classpath, [...args, '--port', String(port)], startTimeoutMs);
  const listeningPort = current.port;
  const where = backend === 'h2' ? `H2 file ${dataFile}` : 'in memory';
  return {
    uri: `mongodb://127.0.0.1:${listeningPort}`,
    kind: backend === 'h2' ? 'embedded-h2' : 'embedded-memory',
    get pid() {
      return current.child.pid;
    },
    description: `mongo-java-server ${MONGO_JAVA_SERVER_VERSION} (${where}) on 127.0.0.1:${listeningPort}, reporting MongoDB 5.0 / wire 13`,
    stop: () => current.stop(),
    async start() {
      await current.stop();
      // The same port, so clients reconnect to the URI they hold; `h2` reopens the same file.
      current = await launch(classpath, [...args, '--port', String(listeningPort)], startTimeoutMs);
    },
  };
}

interface LaunchedServer {
  readonly child: ChildProcess;
  readonly port: number;
  readonly stop: () => Promise<void>;
}

/**
 * The JVM's quick (C1) compiler only. The embedded server lives for a run of the mesh or a test
 * file, and the optimising compiler's warm-up cost more than it gave back: in a flash sale on a
 * fresh mesh the database used 4.2-4.3 s of CPU with C1 alone against 7.0-7.5 s by default, with
 * orders per second at 3,300 and 50,300 orders of history unchanged
 * (bench/results/intake-13, section 8).
 */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1'];

/** Spawns the launcher and resolves once it reports LISTENING. */
async function launch(classpath: string, args: readonly string[], startTimeoutMs: number): Promise<LaunchedServer> {
  const child = spawn('java', [...JVM_FLAGS, '-cp', classpath, 'EmbeddedMongo', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group: a terminal's Ctrl-C reaches only our process, which stops the
    // database last (the launcher still ends when our end of its stdin closes).
    detached: true,
  });
  const stderr = new OutputTail();
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (line.startsWith('SLOW ')) process.stderr.write(`[embedded-mongo] ${line}\n`);
  });
  const stop = stopper(child, 10_000);

  const port = await new Promise<number>((resolvePort, reject) => {
    const fail = (message: string, ErrorType: new (message: string) => Error = Error) => {
      clearTimeout(timer);
      void stop();
      const details = stderr.toString();
      reject(new ErrorType(details ? `${message}\n${details}` : message));
    };
    const timer = setTimeout(() => fail(`embedded MongoDB did not report LISTENING within ${startTimeoutMs} ms`), startTimeoutMs);
    const onError = (error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT'
        ? fail(`Cannot start the embedded MongoDB: 'java' is not on PATH. ${REMEDY}`, DatabaseUnavailableError)
        : fail(`Cannot start the embedded MongoDB: ${error.message}`);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`embedded MongoDB exited before listening (${signal ?? `exit code ${code}`})`);
    child.once('error', onError);
    child.once('exit', onExit);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^LISTENING (\d+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolvePort(Number(match[1]));
    });
  });
  killOnExit(child);
  return { child, port, stop };
}

/** Runs scripts/fetch-launcher.sh (instant once done) and returns the launcher's classpath. */
async function prepareLauncher(): Promise<string> {
  try {
    await promisify(execFile)('bash', [join(packageRoot, 'scripts', 'fetch-launcher.sh')]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim() ?? String(error);
    throw new DatabaseUnavailableError(`Cannot prepare the embedded MongoDB launcher: ${stderr}\n${REMEDY}`);
  }
  const jars = (await readFile(join(launcherTarget, 'classpath.txt'), 'utf8')).trim();
  return `${join(launcherTarget, 'classes')}:${jars}`;
}
