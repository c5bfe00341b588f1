import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killOnExit } from '@mesh/embedded-mongo';

/** A nats-server with JetStream started by us (npm start, tests): random port, temporary store unless one is given. */
export interface TestNatsServer {
  readonly url: string;
  /** Stops the server and keeps its store (what a crash or a maintenance restart does). */
  kill(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops it and removes its store. */
  stop(): Promise<void>;
}

const REMEDY =
  'Install it (`bash scripts/setup-nats.sh` builds 2.14 into .tools/bin; Debian: `apt-get install -y nats-server`) or set NATS_SERVER_BIN to its path.';

/** Where scripts/setup-nats.sh builds nats-server: the repository's .tools/bin (this file is in packages/mesh-runner/{src,dist}). */
const REPO_NATS_SERVER = fileURLToPath(new URL('../../../.tools/bin/nats-server', import.meta.url));

/**
 * The nats-server binary: NATS_SERVER_BIN when set, else the first of `candidates` that runs
 * (the repository's own 2.14 build, `nats-server` on PATH, then Debian's /usr/sbin, which is not
 * on every user's PATH). Throws, so that the suite fails and never skips, when there is none.
 */
export function natsServerBinary(candidates: readonly string[] = [REPO_NATS_SERVER, 'nats-server', '/usr/sbin/nats-server']): string {
  const configured = process.env['NATS_SERVER_BIN'];
  if (configured) {
    if (existsSync(configured)) return configured;
    throw new Error(`NATS_SERVER_BIN is ${configured}, which does not exist. ${REMEDY}`);
  }
  for (const candidate of candidates) {
    if (spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  throw new Error(`nats-server is not installed, and the JetStream tests need a real one. ${REMEDY}`);
}

/**
 * Starts nats-server with JetStream on a free loopback port. With `storeDir` the store persists
 * (npm start keeps it under .data/nats); without, a temporary store is removed by `stop()`.
 */
export async function startNatsServer(options: { storeDir?: string } = {}): Promise<TestNatsServer> {
  const binary = natsServerBinary();
  const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), 'mesh-nats-')));
  const temporary = options.storeDir === undefined;
  await mkdir(storeDir, { recursive: true });
  let port = -1;
  let child: ChildProcess | null = null;

  async function launch(): Promise<void> {
    // Its own process group, so a terminal's Ctrl-C leaves the broker to the runner's ordered stop.
    const proc = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    child = proc;
    killOnExit(proc);
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => fail(new Error(`nats-server did not start within 10 s:\n${log}`)), 10_000);
      const fail = (error: Error) => {
        clearTimeout(timeout);
        proc.kill('SIGKILL');
        reject(error);
      };
      proc.once('error', fail);
      proc.once('exit', (code) => fail(new Error(`nats-server exited with ${code}:\n${log}`)));
      proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        log += chunk;
        const listening = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
        if (listening?.[1]) port = Number(listening[1]);
        if (log.includes('Server is ready')) {
          clearTimeout(timeout);
          proc.removeAllListeners('exit');
          proc.stderr!.removeAllListeners('data').resume();
          resolve();
        }
      });
    });
  }

  async function kill(): Promise<void> {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  }

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    kill,
    restart: launch,
    async stop() {
      await kill();
      if (temporary) await rm(storeDir, { recursive: true, force: true });
    },
  };
}
