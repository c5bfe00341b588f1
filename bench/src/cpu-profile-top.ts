/**
 * Where a V8 CPU profile (`node --cpu-prof`) spent its time: self time summed by package (the
 * node_modules package, `node:` internals, our workspace package, GC, idle) and the top functions.
 *
 *   npx tsx bench/src/cpu-profile-top.ts <file.cpuprofile> [--top 25] [--from <µs> --to <µs>]
 *
 * --from and --to keep only the samples taken in that window of CLOCK_MONOTONIC microseconds (as
 * `process.hrtime.bigint() / 1000n` reads it in any process; bench/src/product-page.ts prints it).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly startTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values: args, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' }, from: { type: 'string', default: '0' }, to: { type: 'string', default: `${Number.MAX_SAFE_INTEGER}` } },
  allowPositionals: true,
});

/** The package a script belongs to: `mongoose`, `@apollo/server`, `node:http`, `@mesh/gateway`... */
function packageOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'native'})`;
  if (url.startsWith('node:')) return url;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + 'node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? url);
  }
  const workspace = /\/(gateway|subgraphs\/\w+|packages\/[\w-]+)\//.exec(url);
  return workspace ? `ours: ${workspace[1]}` : url;
}

for (const file of positionals) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    at += micros;
    if (at < Number(args.from) || at > Number(args.to)) return;
    const frame = byId.get(id)!.callFrame;
    total += micros;
    const pkg = packageOf(frame.url, frame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    const name = `${frame.functionName || '(anonymous)'} ${pkg}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  });
  // packageOf names a frame without a URL by its function in parentheses: V8's "(idle)" becomes "((idle))".
  const idle = byPackage.get('((idle))') ?? 0;
  const busy = total - idle;
  const top = (map: Map<string, number>) =>
    [...map]
      .filter(([name]) => name !== '((idle))' && !name.startsWith('(idle) '))
      .sort((a, b) => b[1] - a[1])
      .slice(0, Number(args.top))
      .map(([name, micros]) => `  ${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`);
  process.stdout.write(
    [
      `${file}: ${(busy / 1000).toFixed(0)} ms busy of ${(total / 1000).toFixed(0)} ms`,
      'self time by package:',
      ...top(byPackage),
      'self time by function:',
      ...top(byFunction),
      '',
    ].join('\n'),
  );
}
