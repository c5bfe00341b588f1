import { readFile, readdir } from 'node:fs/promises';

/**
 * CPU time and peak RSS of a process and all its descendants (a gateway that forks workers is
 * measured whole), read from /proc. CPU is user+system seconds; peak RSS is the sum of each
 * process's VmHWM (its own high-water mark), in MiB.
 */
export interface ProcessTreeSample {
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  readonly rssMiB: number;
  readonly processes: number;
}

const TICKS_PER_SECOND = 100;

async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const children: number[] = [];
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    children.push(...text.split(/\s+/).filter(Boolean).map(Number));
  }
  return children;
}

async function treeOf(pid: number): Promise<number[]> {
  const all = [pid];
  for (let index = 0; index < all.length; index++) all.push(...(await childrenOf(all[index]!)));
  return all;
}

async function sampleOne(pid: number): Promise<{ cpu: number; hwm: number; rss: number } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(/\d+/.exec(status.split('\n').find((line) => line.startsWith(key)) ?? '')?.[0] ?? 0);
    return { cpu, hwm: kib('VmHWM:') / 1024, rss: kib('VmRSS:') / 1024 };
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

export async function sampleProcessTree(pid: number): Promise<ProcessTreeSample> {
  const samples = (await Promise.all((await treeOf(pid)).map(sampleOne))).filter((sample) => sample !== undefined);
  return {
    cpuSeconds: samples.reduce((sum, sample) => sum + sample.cpu, 0),
    peakRssMiB: samples.reduce((sum, sample) => sum + sample.hwm, 0),
    rssMiB: samples.reduce((sum, sample) => sum + sample.rss, 0),
    processes: samples.length,
  };
}

/** What a process of the mesh is, from its command line: a subgraph or gateway by its entry, the embedded database, nats-server. */
function roleOf(commandLine: string): string {
  const service = /(subgraphs\/([a-z-]+)|gateway)\/dist\/index\.js/.exec(commandLine);
  if (service) return service[2] ?? 'gateway';
  if (/\bjava\b/.test(commandLine)) return 'database';
  if (/nats-server/.test(commandLine)) return 'nats';
  return 'other';
}

/** CPU seconds of every process under `pid`, summed per role (order, inventory, gateway, database, nats, other). */
export async function cpuSecondsByRole(pid: number): Promise<Record<string, number>> {
  const byRole: Record<string, number> = {};
  for (const child of await treeOf(pid)) {
    const commandLine = (await readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    const sample = await sampleOne(child);
    if (!sample || commandLine === '') continue;
    const role = child === pid ? 'bench runner' : roleOf(commandLine);
    byRole[role] = (byRole[role] ?? 0) + sample.cpu;
  }
  return byRole;
}

/**
 * Waits until processes of `role` under `pid` use less than `busyShare` of one core over
 * `windowMs`, at most `maxMs`; answers how long it waited and the CPU seconds they used meanwhile.
 * After a bulk load the embedded database keeps a core busy for seconds with no command in
 * flight (its collector marking the heap the load grew; on the file, H2 writing the copies out),
 * which a count of commands misses.
 */
export async function untilRoleIdle(
  pid: number,
  role: string,
  { busyShare = 0.1, windowMs = 2000, maxMs = 120_000 } = {},
): Promise<{ waitedMs: number; cpuSeconds: number }> {
  const started = Date.now();
  const first = (await cpuSecondsByRole(pid))[role] ?? 0;
  let last = first;
  while (Date.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = (await cpuSecondsByRole(pid))[role] ?? 0;
    const busy = (now - last) / (windowMs / 1000);
    last = now;
    if (busy < busyShare) break;
  }
  return { waitedMs: Date.now() - started, cpuSeconds: last - first };
}
