import { fork, type ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { LOAD_CORE } from './load.js';
import type { RawServerCommand, WorkerCommand } from './fan-out-protocol.js';

// Why: scenario 6 runs its subscribers and its raw baseline server as processes of their own
// (the subscribers pinned to the load core like autocannon in load.ts), talked to over IPC.

/** A child process answering commands over IPC, one answer per command. */
export class CommandChild<Command> {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private output = '';

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(`${name}: ${message.error}`));
      else waiter?.resolve(message.result);
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${name} exited (${code ?? signal}): ${this.output}`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  call<T>(command: Command): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, command }, (error) => {
        if (error) {
          this.pending.delete(id);
          reject(error);
        }
      });
    });
  }

  /** Ends the process (closing IPC makes it exit; SIGKILL if it does not within 5 s). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const force = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    if (this.child.connected) this.child.disconnect();
    else this.child.kill('SIGTERM');
    await exited;
    clearTimeout(force);
  }
}

const workerPath = fileURLToPath(new URL('./fan-out-worker.ts', import.meta.url));
const rawServerPath = fileURLToPath(new URL('./fan-out-raw-server.ts', import.meta.url));

/** The subscriber process, pinned to LOAD_CORE with taskset (its node inherits the IPC channel). */
export function startSubscriberWorker(): CommandChild<WorkerCommand> {
  const child = fork(workerPath, [], {
    execPath: 'taskset',
    execArgv: ['-c', LOAD_CORE, process.execPath, '--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return new CommandChild<WorkerCommand>('subscriber worker', child);
}

/** The raw `ws` broadcast server, not pinned (it shares the service cores, as the gateway does). */
export function startRawServer(): CommandChild<RawServerCommand> {
  const child = fork(rawServerPath, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  return new CommandChild<RawServerCommand>('raw ws server', child);
}

/**
 * The pid of a direct child of this process whose environment holds `name=value` (the mesh runner
 * spawns each service with its port in the environment; MeshReplica has no pid).
 */
export async function childPidWithEnv(name: string, value: string): Promise<number> {
  const tasks = await readdir(`/proc/${process.pid}/task`);
  const children = (await Promise.all(tasks.map((task) => readFile(`/proc/${process.pid}/task/${task}/children`, 'utf8').catch(() => '')))).flatMap((text) =>
    text.split(/\s+/).filter(Boolean).map(Number),
  );
  for (const pid of children) {
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(`${name}=${value}`)) return pid;
  }
  throw new Error(`no child process of ${process.pid} has ${name}=${value} in its environment`);
}
