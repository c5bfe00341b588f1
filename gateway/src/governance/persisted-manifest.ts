import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@mesh/server-kit';

/**
 * The operations clients were built with, id -> document. Two shapes are read:
 * - Apollo's `generate-persisted-query-manifest`:
 *   `{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id", "name", "type", "body" }] }`
 * - GraphQL Code Generator's client preset (`persistedDocuments: true`): `{ "<id>": "<document>" }`.
 */
export interface PersistedManifest {
  /** The document for a persisted id, or undefined. */
  documentFor(id: string): string | undefined;
  /** Whether free-form text is exactly one of the listed documents (clients that send the text of a listed operation). */
  lists(document: string): boolean;
  readonly size: number;
}

export function readPersistedManifest(path: string): PersistedManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`PERSISTED_OPERATIONS_PATH: ${path} is not a readable JSON manifest (${error instanceof Error ? error.message : String(error)})`);
  }
  return manifestFrom(parsed, path);
}

export function manifestFrom(parsed: unknown, origin = 'the manifest'): PersistedManifest {
  const byId = new Map<string, string>();
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${origin}: a manifest is a JSON object`);
  const record = parsed as Record<string, unknown>;
  if (record['format'] === 'apollo-persisted-query-manifest') {
    if (record['version'] !== 1) throw new ConfigError(`${origin}: only version 1 of apollo-persisted-query-manifest is understood`);
    const operations = record['operations'];
    if (!Array.isArray(operations)) throw new ConfigError(`${origin}: "operations" must be a list`);
    for (const operation of operations as unknown[]) {
      const { id, body } = (operation ?? {}) as { id?: unknown; body?: unknown };
      if (typeof id !== 'string' || typeof body !== 'string') throw new ConfigError(`${origin}: every operation needs a string id and body`);
      byId.set(id, body);
    }
  } else {
    for (const [id, body] of Object.entries(record)) {
      if (typeof body !== 'string') throw new ConfigError(`${origin}: "${id}" must map to a document string (or use Apollo's manifest format)`);
      byId.set(id, body);
    }
  }
  const bodies = new Set(byId.values());
  return {
    documentFor: (id) => byId.get(id),
    lists: (document) => bodies.has(document),
    size: byId.size,
  };
}

/** The id both generators give a document by default: its sha256, hex. */
export function persistedIdOf(document: string): string {
  return createHash('sha256').update(document).digest('hex');
}
