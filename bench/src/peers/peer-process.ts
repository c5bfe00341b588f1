import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { stopper } from '@mesh/embedded-mongo';

export interface PeerProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

export interface SpawnPeerOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Where its stdout and stderr go (the bench keeps them for a failed start). */
  readonly logFile: string;
  /** Its /graphql URL: ready once `{ __typename }` answers there. */
  readonly url: string;
  readonly readyTimeoutMs?: number;
}

/** Spawns a peer gateway and resolves once it answers a trivial query at its GraphQL URL. */
export async function spawnPeer(options: SpawnPeerOptions): Promise<PeerProcess> {
  const log = createWriteStream(options.logFile);
  const child = spawn(options.command, [...options.args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const capture = (chunk: Buffer) => {
    log.write(chunk);
    tail.push(chunk.toString('utf8'));
    if (tail.length > 50) tail.shift();
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const stop = async () => {
    // A peer's graceful drain (Cosmo waits at least 15 s) is no part of the bench.
    await stopper(child, 3_000)();
    log.end();
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`${options.name} could not start: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      log.end();
      throw new Error(
        `${options.name} exited (${child.exitCode ?? child.signalCode}) before it was ready; its log (${options.logFile}) ends:\n${tail.join('').slice(-3000)}`,
      );
    }
    if (await answersTypename(options.url)) return { pid: child.pid!, stop };
    await sleep(200);
  }
  await stop();
  throw new Error(`${options.name} was not ready at ${options.url} within the timeout; its log (${options.logFile}) ends:\n${tail.join('').slice(-3000)}`);
}

async function answersTypename(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    const body = (await response.json()) as { data?: { __typename?: string } };
    return response.ok && body.data?.__typename === 'Query';
  } catch {
    return false;
  }
}

/** What a binary prints for `--version` (or `-version`): its first line, or all of it. */
export async function versionOf(command: string, args: readonly string[], allLines = false): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, [...args], { timeout: 20_000 });
    const printed = stdout.trim() || stderr.trim();
    return allLines ? printed : (printed.split('\n')[0]?.trim() ?? 'unknown');
  } catch (error) {
    return `unknown (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}
