/**
 * A whole set of mesh services (six subgraphs and a gateway) started as replicas of one running
 * mesh, sharing its database and broker, with an environment of its own: a bench runs several
 * sets side by side (tracing off, 10 %, 100 %) and loads one at a time, so each set's CPU per
 * request is that of every hop a request makes, read from /proc.
 */
import { readFile, readdir } from 'node:fs/promises';
import { SUBGRAPHS, type MeshReplica, type RunningMesh, type SubgraphName } from '@mesh/mesh-runner';

export type ServiceName = SubgraphName | 'gateway';

export interface MeshSet {
  readonly id: string;
  readonly gatewayUrl: string;
  /** Each service's process, for its CPU time. */
  readonly pids: ReadonlyMap<ServiceName, number>;
  stop(): Promise<void>;
}

export interface MeshSetOptions {
  readonly id: string;
  readonly env: Readonly<Record<string, string>>;
  readonly telemetryRegister?: string | undefined;
  /** Node flags per service (`--cpu-prof` for the ones profiled). */
  readonly nodeFlags?: (service: ServiceName) => readonly string[];
}

/**
 * Subgraphs a set starts before the ones that call them directly (order asks product and
 * customer, the ledger asks order, integration asks order and the ledger), then the gateway.
 */
const START_ORDER: readonly SubgraphName[] = ['product', 'customer', 'inventory', 'order', 'ledger', 'integration'];

export async function startMeshSet(mesh: RunningMesh, options: MeshSetOptions): Promise<MeshSet> {
  const replicas = new Map<ServiceName, MeshReplica>();
  const urls: Partial<Record<SubgraphName, string>> = {};
  const startOne = async (service: ServiceName) => {
    const replica = await mesh.startReplica(service, {
      subgraphUrls: { ...urls },
      env: options.env,
      ...(options.telemetryRegister ? { telemetryRegister: options.telemetryRegister } : {}),
      nodeFlags: options.nodeFlags?.(service) ?? [],
    });
    replicas.set(service, replica);
    if (service !== 'gateway') urls[service] = replica.url;
  };
  try {
    for (const subgraph of START_ORDER) await startOne(subgraph);
    if (Object.keys(urls).length !== SUBGRAPHS.length) throw new Error('a set must start every subgraph');
    await startOne('gateway');
  } catch (error) {
    await Promise.all([...replicas.values()].map((replica) => replica.stop()));
    throw error;
  }
  return {
    id: options.id,
    gatewayUrl: replicas.get('gateway')!.url,
    pids: new Map([...replicas].map(([service, replica]) => [service, replica.pid])),
    // The gateway first, as the mesh stops: its in-flight fetches end while the subgraphs are up.
    async stop() {
      await replicas.get('gateway')?.stop();
      await Promise.all(START_ORDER.map((service) => replicas.get(service)?.stop()));
    },
  };
}

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds of one process (0 once it has gone). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return 0;
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds per named process, read at once. */
export async function cpuSnapshot(pids: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  const entries = await Promise.all([...pids].map(async ([name, pid]) => [name, await cpuSecondsOf(pid)] as const));
  return new Map(entries);
}

/**
 * The processes every set shares, found among the descendants of `rootPid` by their command
 * line: the embedded database (Java) and nats-server.
 */
export async function sharedBackendPids(rootPid: number): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const task of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
      const children = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
      queue.push(...children.split(/\s+/).filter(Boolean).map(Number));
    }
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if (/\bjava\b/.test(commandLine)) found.set('database', pid);
    else if (/nats-server/.test(commandLine)) found.set('nats', pid);
  }
  return found;
}
