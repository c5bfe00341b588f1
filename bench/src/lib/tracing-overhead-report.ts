/** The tables of bench/src/tracing-overhead.ts: medians per set and ratios to tracing off, paired by round. */
import { median } from './stats.js';

/** One set loaded in one round. */
export interface SetRound {
  readonly set: string;
  readonly round: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** CPU seconds per process during the measured part: the set's services, `database`, `nats`. */
  readonly cpu: Readonly<Record<string, number>>;
  /** OTLP body bytes the set's receiver got during the measured part (batches lag by up to 5 s). */
  readonly otlpBytes: number;
}

const BACKENDS = new Set(['database', 'nats']);

/** CPU seconds per 1,000 requests of the processes `pick` keeps. */
function cpuPer1k(run: SetRound, pick: (process: string) => boolean = () => true): number {
  const seconds = Object.entries(run.cpu).reduce((sum, [process, value]) => (pick(process) ? sum + value : sum), 0);
  return run.requests > 0 ? (seconds / run.requests) * 1000 : Number.NaN;
}

const fixed = (value: number, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

export function renderOverhead(input: { readonly command: string; readonly setIds: readonly string[]; readonly rounds: readonly SetRound[] }): string {
  const of = (set: string) => input.rounds.filter((run) => run.set === set).sort((a, b) => a.round - b.round);
  const off = new Map(of('off').map((run) => [run.round, run]));
  /** This set's figure over tracing off's in the same round, per round. */
  const ratios = (set: string, figure: (run: SetRound) => number) =>
    of(set).flatMap((run) => {
      const base = off.get(run.round);
      return base ? [figure(run) / figure(base)] : [];
    });
  const list = (values: readonly number[]) => values.map((value) => fixed(value, 2)).join(', ');
  const lines = [
    '# Tracing overhead, whole mesh',
    '',
    `Command: \`${input.command}\``,
    '',
    'Every set is six subgraphs and a gateway (replicas on one database and nats-server), loaded one at a',
    'time with scenario 1\'s retail mix, sets in alternating order per round. "Mesh CPU" sums the set\'s',
    'seven processes, the database and nats-server over the measured part. Ratios are to tracing off in',
    'the same round; "median" is the median of those per-round ratios.',
    '',
    '| set | req/s, median | mesh CPU s / 1k req, median | gateway | subgraphs | database + nats | p99 ms | errors | OTLP KiB / 1k req |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const set of input.setIds) {
    const runs = of(set);
    const otlpPer1k = median(runs.map((run) => (run.otlpBytes / 1024 / run.requests) * 1000));
    lines.push(
      `| ${set} | ${fixed(median(runs.map((run) => run.requestsPerSecond)), 1)} | ${fixed(median(runs.map((run) => cpuPer1k(run))))} | ` +
        `${fixed(median(runs.map((run) => cpuPer1k(run, (p) => p === 'gateway'))))} | ` +
        `${fixed(median(runs.map((run) => cpuPer1k(run, (p) => p !== 'gateway' && !BACKENDS.has(p)))))} | ` +
        `${fixed(median(runs.map((run) => cpuPer1k(run, (p) => BACKENDS.has(p)))))} | ${fixed(median(runs.map((run) => run.p99Ms)), 1)} | ` +
        `${runs.reduce((sum, run) => sum + run.errors, 0)} | ${fixed(otlpPer1k, 1)} |`,
    );
  }
  lines.push(
    '',
    '| set | mesh CPU / 1k vs off, median (per round) | throughput vs off, median (per round) | gateway CPU / 1k vs off, median |',
    '| --- | --- | --- | --- |',
  );
  for (const set of input.setIds.filter((id) => id !== 'off')) {
    const cpu = ratios(set, (run) => cpuPer1k(run));
    const rps = ratios(set, (run) => run.requestsPerSecond);
    const gateway = ratios(set, (run) => cpuPer1k(run, (p) => p === 'gateway'));
    lines.push(`| ${set} | ${fixed(median(cpu))} (${list(cpu)}) | ${fixed(median(rps))} (${list(rps)}) | ${fixed(median(gateway))} |`);
  }
  lines.push('', 'Per round, mesh CPU s / 1k req:', '');
  lines.push(`| round | ${input.setIds.join(' | ')} |`, `| --- |${input.setIds.map(() => ' --- |').join('')}`);
  const roundNumbers = [...new Set(input.rounds.map((run) => run.round))].sort((a, b) => a - b);
  for (const round of roundNumbers) {
    const cells = input.setIds.map((set) => {
      const run = input.rounds.find((candidate) => candidate.set === set && candidate.round === round);
      return run ? `${fixed(cpuPer1k(run))} (${fixed(run.requestsPerSecond, 0)} req/s)` : '-';
    });
    lines.push(`| ${round} | ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
