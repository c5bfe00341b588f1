/**
 * The gateway as it was at an earlier commit, compiled into a temporary folder, so that a benchmark
 * runs the same phase against today's gateway and that one, alternating, in one run on one machine
 * (launcher-at-commit.ts does the same for the embedded launcher).
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The gateway and the workspace packages it runs on at that commit, built in this order. */
const SOURCES = ['packages/events', 'packages/server-kit', 'gateway'] as const;

/**
 * Extracts the gateway and its workspace packages at `commit` into `dir`, links every other
 * dependency to this checkout's node_modules (the same installed versions), and compiles them.
 * Answers the entry to start (node <entry>, as the mesh runner starts today's gateway/dist/index.js).
 */
export async function buildGatewayAt(repoRoot: string, commit: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const archive = join(dir, 'sources.tar');
  await run('git', ['archive', '--format=tar', '-o', archive, commit, 'tsconfig.base.json', ...SOURCES], { cwd: repoRoot });
  await run('tar', ['-xf', archive, '-C', dir]);
  await linkDependencies(repoRoot, dir);
  const tsc = join(repoRoot, 'node_modules/.bin/tsc');
  for (const source of SOURCES) await run(tsc, ['-p', join(dir, source, 'tsconfig.build.json')], { cwd: join(dir, source) });
  return join(dir, 'gateway/dist/index.js');
}

/** node_modules of `dir`: links to this checkout's packages, except @mesh/* which point at the extracted ones. */
async function linkDependencies(repoRoot: string, dir: string): Promise<void> {
  const installed = join(repoRoot, 'node_modules');
  const modules = join(dir, 'node_modules');
  await mkdir(join(modules, '@mesh'), { recursive: true });
  for (const entry of await readdir(installed)) {
    if (entry !== '@mesh' && entry !== '.bin') await symlink(join(installed, entry), join(modules, entry));
  }
  for (const source of SOURCES) {
    const { name } = JSON.parse(await readFile(join(dir, source, 'package.json'), 'utf8')) as { name: string };
    await symlink(join(dir, source), join(modules, name));
  }
}
