/**
 * The embedded launcher as it was at an earlier commit, compiled into a temporary folder and started
 * beside today's, so that a benchmark compares before and after in one run on one machine.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { RunningDatabase } from '@mesh/embedded-mongo';

const run = promisify(execFile);
const LAUNCHER = 'packages/embedded-mongo/launcher';

/** Compiles the launcher sources of `commit` into `dir` and answers a classpath that runs them. */
export async function compileLauncherAt(repoRoot: string, commit: string, dir: string): Promise<string> {
  const sources = join(dir, 'src');
  const classes = join(dir, 'classes');
  await mkdir(sources, { recursive: true });
  const { stdout } = await run('git', ['ls-tree', '--name-only', `${commit}:${LAUNCHER}`], { cwd: repoRoot });
  const files = stdout.split('\n').filter((name) => name.endsWith('.java'));
  for (const file of files) {
    const { stdout: text } = await run('git', ['show', `${commit}:${LAUNCHER}/${file}`], { cwd: repoRoot, maxBuffer: 16 << 20 });
    await writeFile(join(sources, file), text);
  }
  const jars = (await readFile(join(repoRoot, LAUNCHER, 'target/classpath.txt'), 'utf8')).trim();
  await run('javac', ['-nowarn', '-d', classes, '-cp', jars, ...files.map((file) => join(sources, file))]);
  return `${classes}:${jars}`;
}

/** Starts a compiled launcher on an H2 file; stop() closes its stdin, which makes it exit. */
export async function startLauncher(classpath: string, dataFile: string): Promise<RunningDatabase> {
  const child = spawn('java', ['-cp', classpath, 'EmbeddedMongo', '--backend', 'h2', '--file', dataFile, '--port', '0'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`launcher exited with ${code} before listening`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^LISTENING (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    uri: `mongodb://127.0.0.1:${port}`,
    kind: 'embedded-h2',
    pid: child.pid!,
    description: `launcher from an earlier commit on ${dataFile}`,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
