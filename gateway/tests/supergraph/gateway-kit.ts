import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger, type RunningHttpService } from '@mesh/server-kit';
import { loadGatewayConfig, startGateway } from '../../src/module.js';

// Helpers for the gateway tests that run over a small supergraph: write it to a file, start
// the real gateway on it (startGateway, ephemeral port), and post operations with full control
// over headers, reading status, headers and body.

export const TEST_INTERNAL_SECRET = 'governance-test-secret-0123456789abcdef';

/** Writes a supergraph SDL to a fresh temp file and returns its path. */
export function writeSupergraph(sdl: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mesh-supergraph-')), 'supergraph.graphql');
  writeFileSync(path, sdl);
  return path;
}

/** A silent logger whose warnings and errors are kept, for tests that check what was logged. */
export function recordingLogger(): { logger: Logger; lines: { level: 'warn' | 'error'; message: string; fields: unknown }[] } {
  const logger = createLogger('gateway-test', { LOG_LEVEL: 'silent' });
  const lines: { level: 'warn' | 'error'; message: string; fields: unknown }[] = [];
  const record = (level: 'warn' | 'error') =>
    ((fields: unknown, message?: string) => void lines.push({ level, message: message ?? String(fields), fields })) as Logger['warn'];
  logger.warn = record('warn');
  logger.error = record('error');
  return { logger, lines };
}

/** Starts the real gateway on a supergraph file with only the given environment (plus a test secret). */
export async function startGatewayOn(supergraphPath: string, env: Record<string, string> = {}, logger?: Logger): Promise<RunningHttpService> {
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    GATEWAY_PORT: '0',
    MESH_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    SUPERGRAPH_PATH: supergraphPath,
    ...env,
  });
  return startGateway(config, logger ?? createLogger('gateway-test', { LOG_LEVEL: 'silent' }));
}

export interface PostResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> };
}

/** Posts a GraphQL request body (any shape: query, documentId, extensions) with extra headers. */
export async function post<T = Record<string, unknown>>(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<PostResult<T>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as PostResult<T>['body'] };
}

export const codeOf = (result: PostResult<unknown>): unknown => result.body.errors?.[0]?.extensions?.['code'];

/** Polls until `check` returns a value other than undefined; `patience` is for a loaded machine, not a timing claim. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, patienceMs = 20_000): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
