import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { readSchemaSlices, schemaSlicePaths } from '../src/index.js';

function sources(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'schema-slices-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test("a subgraph's schema is its base schema.graphql, then every other .graphql beneath it by path", () => {
  const dir = sources({
    'schema.graphql': 'type Query { a: Int }\n',
    'returns/returns.graphql': 'extend type Query { c: Int }\n',
    'placement/placement.graphql': 'extend type Query { b: Int }\n',
    'placement/place-order.service.ts': '// not a slice',
  });
  try {
    assert.deepEqual(schemaSlicePaths(dir), ['schema.graphql', join('placement', 'placement.graphql'), join('returns', 'returns.graphql')]);
    const sdl = readSchemaSlices(dir);
    assert.ok(sdl.indexOf('a: Int') < sdl.indexOf('b: Int') && sdl.indexOf('b: Int') < sdl.indexOf('c: Int'));
    parse(sdl);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a subgraph in one file reads as that file', () => {
  const dir = sources({ 'schema.graphql': 'type Query { a: Int }\n' });
  try {
    assert.deepEqual(schemaSlicePaths(new URL(`file://${dir}/`)), ['schema.graphql']);
    assert.equal(readSchemaSlices(dir), 'type Query { a: Int }\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
