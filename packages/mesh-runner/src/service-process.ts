import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { killOnExit, stopper } from '@mesh/embedded-mongo';

/** One mesh service running as its own Node process. */
export interface ServiceProcess {
  readonly name: string;
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** The last lines the process printed, for error reports. */
  recentOutput(): string;
  stop(): Promise<void>;
  /** Ends the process with SIGKILL (a crash: no graceful shutdown) and resolves once it has exited. */
  kill(): Promise<void>;
}

export interface SpawnServiceOptions {
  readonly name: string;
  readonly entry: string;
  readonly baseUrl: string;
  readonly env: Readonly<Record<string, string>>;
  /** Print the service's output, prefixed with its name (for humans). */
  readonly echo: boolean;
  readonly readyTimeoutMs?: number;
  /** Gives up waiting (the process is stopped) when this aborts. */
  readonly abort?: AbortSignal | undefined;
  /** Another build of the telemetry register (a bench comparing builds); default this checkout's. */
  readonly telemetryRegister?: string | undefined;
  /** More Node flags for this process only (`--cpu-prof`), after MESH_SERVICE_NODE_FLAGS. */
  readonly nodeFlags?: readonly string[] | undefined;
}

/**
 * Node flags for every service process, for profiling (`MESH_SERVICE_NODE_FLAGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof"`): NODE_OPTIONS refuses --cpu-prof.
 */
const serviceNodeFlags = (): string[] => (process.env['MESH_SERVICE_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag.length > 0);

/**
 * Loaded before every service's own modules: starts OpenTelemetry tracing when an OTLP endpoint is
 * configured (OTEL_EXPORTER_OTLP_ENDPOINT), and does nothing otherwise.
 */
const TELEMETRY_REGISTER = pathToFileURL(fileURLToPath(new URL('../../telemetry/dist/register.js', import.meta.url))).href;

/** Spawns `node <entry>` (named `name` in its traces) and resolves once its /ready answers 200. */
export async function spawnService(options: SpawnServiceOptions): Promise<ServiceProcess> {
  const register = options.telemetryRegister ?? TELEMETRY_REGISTER;
  const flags = [...serviceNodeFlags(), ...(options.nodeFlags ?? [])];
  const child = spawn(process.execPath, ['--enable-source-maps', '--import', register, ...flags, options.entry], {
    env: { ...process.env, OTEL_SERVICE_NAME: options.name.replace(/-replica-\d+$/, ''), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a terminal's Ctrl-C reaches only the runner, which stops the services
    // in dependency order (the database must outlive every subgraph's last outbox relay pass).
    detached: true,
  });
  // Best effort: a detached child would outlive the runner.
  killOnExit(child);
  const lines: string[] = [];
  const capture = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
      if (options.echo) process.stdout.write(`[${options.name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  let exited = false;
  child.once('exit', () => (exited = true));
  const service: ServiceProcess = {
    name: options.name,
    baseUrl: options.baseUrl,
    child,
    recentOutput: () => lines.join('\n'),
    stop: stopper(child, 10_000),
    kill: () => killChild(child),
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  // What /ready said last, for the report when it never says yes (a gateway names the subgraph it waits for).
  let lastAnswer = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${options.name} exited before it was ready:\n${service.recentOutput()}`);
    if (options.abort?.aborted) {
      await service.stop();
      throw new Error(`${options.name}: start abandoned`);
    }
    try {
      const response = await fetch(`${options.baseUrl}/ready`, { signal: AbortSignal.timeout(5000) });
      if (response.ok) return service;
      lastAnswer = `HTTP ${response.status} ${(await response.text()).slice(0, 1000)}`;
    } catch (error) {
      // Not listening yet, or too slow to answer.
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      lastAnswer = `${String(error)}${typeof cause === 'string' ? ` (${cause})` : ''}`;
    }
    await sleep(100);
  }
  await service.stop();
  throw new Error(`${options.name} was not ready within the timeout; its /ready last answered: ${lastAnswer}\n${service.recentOutput()}`);
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
