/**
 * Where a JFR recording's CPU samples went: the top frames by self time, and by inclusive time the
 * share of samples under each cost we ask about (Java serialisation, H2 page work, query matching...).
 *
 *   npx tsx bench/src/jfr-top-frames.ts recording.jfr [more.jfr...] [--top 25]
 *
 * Reads `jfr print --events jdk.ExecutionSample --stack-depth 96` (the JDK's own tool).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values: options, positionals: files } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });

/** Inclusive buckets: a sample counts once in each whose pattern one of its frames matches. */
const BUCKETS: readonly (readonly [string, RegExp])[] = [
  ['Java serialisation (ObjectOutput/InputStream)', /^java\.io\.Object(Output|Input)Stream\./],
  [
    'H2 MVStore: serialising pages for the file',
    /^org\.h2\.mvstore\.(Page\.write|MVStore\.(storeNow|store|serializeAndStore|commit)|FileStore\.(store|serializeAndStore)|RandomAccessStore|SingleFileStore)/,
  ],
  ['H2 MVStore: reading pages (cache misses)', /^org\.h2\.mvstore\.(Page\.read|MVStore\.readPage|FileStore\.readPage)/],
  ['H2 MVStore: any', /^org\.h2\./],
  ['query matching (DefaultQueryMatcher)', /^de\.bwaldvogel\.mongo\.backend\.DefaultQueryMatcher\./],
  ['document deep copies (Document.cloneDeeply)', /^de\.bwaldvogel\.mongo\.bson\.Document\.cloneDeeply/],
  ['our index maintenance (OrderedIndex)', /^OrderedIndex\./],
  ['our planner (QueryPlanner)', /^QueryPlanner\./],
  ['BSON wire encode/decode', /^de\.bwaldvogel\.mongo\.wire\.Bson(Encoder|Decoder)\./],
];

/** For samples in Java serialisation: the first frame outside the JDK and H2's type code (who asked). */
const SERIALISATION = BUCKETS[0]![1];
const askedBy = (frames: readonly string[]) => frames.find((frame) => !/^(java\.|jdk\.|sun\.|org\.h2\.mvstore\.type\.)/.test(frame)) ?? '(none)';

interface Tally {
  samples: number;
  readonly self: Map<string, number>;
  readonly buckets: Map<string, number>;
  readonly serialisedFor: Map<string, number>;
}

async function tally(file: string, into: Tally): Promise<void> {
  const jfr = spawn('jfr', ['print', '--events', 'jdk.ExecutionSample', '--stack-depth', '96', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let frames: string[] | undefined;
  for await (const line of createInterface({ input: jfr.stdout })) {
    const trimmed = line.trim();
    if (trimmed.startsWith('stackTrace = [')) {
      frames = [];
    } else if (frames && trimmed === ']') {
      into.samples++;
      const top = frames[0] ?? '(no frames)';
      into.self.set(top, (into.self.get(top) ?? 0) + 1);
      for (const [name, pattern] of BUCKETS) {
        if (frames.some((frame) => pattern.test(frame))) into.buckets.set(name, (into.buckets.get(name) ?? 0) + 1);
      }
      if (frames.some((frame) => SERIALISATION.test(frame))) {
        const caller = `${askedBy(frames)} <- ${askedBy(frames.slice(frames.indexOf(askedBy(frames)) + 1))}`;
        into.serialisedFor.set(caller, (into.serialisedFor.get(caller) ?? 0) + 1);
      }
      frames = undefined;
    } else if (frames && trimmed !== '...') {
      frames.push(trimmed.replace(/\s+line:.*$/, ''));
    }
  }
}

const result: Tally = { samples: 0, self: new Map(), buckets: new Map(), serialisedFor: new Map() };
for (const file of files) await tally(file, result);
const share = (count: number) => `${((100 * count) / Math.max(1, result.samples)).toFixed(1)}%`;
console.log(`${result.samples} CPU samples from ${files.length} recording(s)\n\nInclusive (a sample counts in every bucket one of its frames falls in):`);
for (const [name] of BUCKETS) console.log(`  ${share(result.buckets.get(name) ?? 0).padStart(6)}  ${name}`);
console.log('\nJava serialisation, by the code that asked for it (caller <- its caller):');
for (const [caller, count] of [...result.serialisedFor].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${share(count).padStart(6)}  ${caller}`);
console.log('\nTop frames by self time:');
for (const [frame, count] of [...result.self].sort((a, b) => b[1] - a[1]).slice(0, Number(options.top))) console.log(`  ${share(count).padStart(6)}  ${frame}`);
