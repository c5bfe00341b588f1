import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every subgraph's schema file at the root of its sources (and of its build output). */
export const BASE_SCHEMA_FILE = 'schema.graphql';

/**
 * The schema files of the subgraph whose sources (or build output) are `dir`, relative to it: the
 * base `schema.graphql` first, then every other `.graphql` beneath it by path. A subgraph in one
 * file has just the base; one in feature folders keeps each folder's slice beside its code.
 */
export function schemaSlicePaths(dir: URL | string): string[] {
  const root = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const slices = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.graphql') && path !== BASE_SCHEMA_FILE && !path.split(/[\\/]/).includes('node_modules'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [BASE_SCHEMA_FILE, ...slices];
}

/** The SDL of the subgraph whose sources (or build output) are `dir`: its schema files in schemaSlicePaths order, concatenated. */
export function readSchemaSlices(dir: URL | string): string {
  const root = typeof dir === 'string' ? dir : fileURLToPath(dir);
  return schemaSlicePaths(root)
    .map((path) => readFileSync(join(root, path), 'utf8'))
    .join('\n');
}
