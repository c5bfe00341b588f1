import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaSlicePaths } from '@mesh/server-kit';

// CI runs `npm run codegen:check` and `npm run compose:check` on the real tree; these tests
// prove that both checks actually fail when a schema changes without regenerating.

const repo = fileURLToPath(new URL('../../', import.meta.url));
const SUBGRAPHS = ['product', 'inventory', 'order', 'customer', 'ledger', 'integration'];

function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-artifacts-'));
  // The walkthrough's toy subgraph has a codegen entry of its own (README, "Add a subgraph").
  const walkthrough = ['gateway/tests/walkthrough/hours/schema.graphql', 'gateway/tests/walkthrough/hours/__generated__'];
  for (const path of [
    'codegen.yml',
    'schema',
    'scripts',
    'packages/server-kit/src/schema-slices.ts',
    'gateway/tests/operations',
    'gateway/tests/__generated__',
    ...walkthrough,
  ]) {
    cpSync(join(repo, path), join(dir, path), { recursive: true });
  }
  for (const name of SUBGRAPHS) {
    for (const slice of schemaSlicePaths(join(repo, `subgraphs/${name}/src`))) {
      cpSync(join(repo, `subgraphs/${name}/src`, slice), join(dir, `subgraphs/${name}/src`, slice));
    }
    cpSync(join(repo, `subgraphs/${name}/src/__generated__`), join(dir, `subgraphs/${name}/src/__generated__`), { recursive: true });
  }
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const run = (dir: string, command: string, args: string[]) =>
  spawnSync(join(repo, 'node_modules/.bin', command), args, { cwd: dir, env: { ...process.env, MESH_ROOT: dir }, encoding: 'utf8' });

function editSchema(dir: string, name: string, edit: (sdl: string) => string): void {
  const path = join(dir, `subgraphs/${name}/src/schema.graphql`);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
}

test('the composition check passes on the committed supergraph and fails once a subgraph schema changes', () => {
  const dir = scratchCopy();
  try {
    assert.equal(run(dir, 'tsx', ['scripts/compose-supergraph.ts', '--check']).status, 0);
    editSchema(dir, 'product', (sdl) => sdl.replace('type Query {', 'type Query {\n  "Added without recomposing."\n  newField: String\n'));
    const stale = run(dir, 'tsx', ['scripts/compose-supergraph.ts', '--check']);
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /stale/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the composition check fails when the subgraphs no longer compose', () => {
  const dir = scratchCopy();
  try {
    editSchema(dir, 'product', (sdl) => sdl.replace(/minorUnits: Long!/, 'minorUnits: Int!'));
    const broken = run(dir, 'tsx', ['scripts/compose-supergraph.ts', '--check']);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /Composition failed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the codegen check passes on the committed types and fails once a subgraph schema changes', () => {
  const dir = scratchCopy();
  try {
    assert.equal(run(dir, 'graphql-codegen', ['--config', 'codegen.yml', '--check']).status, 0);
    editSchema(dir, 'ledger', (sdl) => sdl.replace('type Query {', 'type Query {\n  "Added without regenerating."\n  newField: String\n'));
    assert.equal(run(dir, 'graphql-codegen', ['--config', 'codegen.yml', '--check']).status, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
