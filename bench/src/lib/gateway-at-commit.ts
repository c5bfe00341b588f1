/**
 * The gateway as it was at an earlier commit, compiled into a temporary folder, so that a benchmark
 * runs the same phase against today's gateway and that one, alternating, in one run on one machine
 * (launcher-at-commit.ts does the same for the embedded launcher).
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface Workspace {
  /** Its folder in the repository: gateway, packages/<name>. */
  readonly folder: string;
  readonly name: string;
  /** The workspace packages it depends on at run time (@mesh/*). */
  readonly needs: readonly string[];
}

/** The gateway and the workspace packages it runs on at `commit`, dependencies first. */
async function workspacesAt(repoRoot: string, commit: string): Promise<Workspace[]> {
  const read = async (folder: string): Promise<Workspace | undefined> => {
    const text = await run('git', ['show', `${commit}:${folder}/package.json`], { cwd: repoRoot }).then(
      ({ stdout }) => stdout,
      () => undefined,
    );
    if (text === undefined) return undefined;
    const { name, dependencies = {} } = JSON.parse(text) as { name: string; dependencies?: Record<string, string> };
    return { folder, name, needs: Object.keys(dependencies).filter((dependency) => dependency.startsWith('@mesh/')) };
  };
  const { stdout } = await run('git', ['ls-tree', '-d', '--name-only', `${commit}:packages`], { cwd: repoRoot });
  const known = new Map<string, Workspace>();
  for (const folder of [
    'gateway',
    ...stdout
      .split('\n')
      .filter(Boolean)
      .map((name) => `packages/${name}`),
  ]) {
    const workspace = await read(folder);
    if (workspace) known.set(workspace.name, workspace);
  }
  const ordered: Workspace[] = [];
  const visit = (name: string) => {
    const workspace = known.get(name);
    if (!workspace) throw new Error(`${name} is not a workspace package at ${commit}`);
    if (ordered.includes(workspace)) return;
    for (const need of workspace.needs) visit(need);
    ordered.push(workspace);
  };
  visit('@mesh/gateway');
  return ordered;
}

/**
 * Extracts the gateway and the workspace packages it runs on at `commit` into `dir`, links every
 * other dependency to this checkout's node_modules (the same installed versions), and compiles
 * them. Answers the entry to start (node <entry>, as the mesh runner starts today's gateway/dist/index.js).
 */
export async function buildGatewayAt(repoRoot: string, commit: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const workspaces = await workspacesAt(repoRoot, commit);
  const archive = join(dir, 'sources.tar');
  await run('git', ['archive', '--format=tar', '-o', archive, commit, 'tsconfig.base.json', ...workspaces.map((workspace) => workspace.folder)], {
    cwd: repoRoot,
  });
  await run('tar', ['-xf', archive, '-C', dir]);
  await linkDependencies(repoRoot, dir, workspaces);
  const tsc = join(repoRoot, 'node_modules/.bin/tsc');
  for (const { folder } of workspaces) await run(tsc, ['-p', join(dir, folder, 'tsconfig.build.json')], { cwd: join(dir, folder) });
  return join(dir, 'gateway/dist/index.js');
}

/** node_modules of `dir`: links to this checkout's packages, except @mesh/* which point at the extracted ones. */
async function linkDependencies(repoRoot: string, dir: string, workspaces: readonly Workspace[]): Promise<void> {
  const installed = join(repoRoot, 'node_modules');
  const modules = join(dir, 'node_modules');
  await mkdir(join(modules, '@mesh'), { recursive: true });
  for (const entry of await readdir(installed)) {
    if (entry !== '@mesh' && entry !== '.bin') await symlink(join(installed, entry), join(modules, entry));
  }
  for (const { folder, name } of workspaces) await symlink(join(dir, folder), join(modules, name));
}
