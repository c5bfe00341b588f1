import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { startMesh, type RunningMesh } from '@mesh/mesh-runner';
import type { Principal } from '@mesh/server-kit';
import { signDevToken } from '../src/module.js';

export interface GatewayResponse<TData> {
  readonly status: number;
  readonly data?: TData | null;
  readonly errors?: ReadonlyArray<{ message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }>;
}

export interface MeshUnderTest {
  readonly mesh: RunningMesh;
  /** Sends an operation through the gateway over HTTP as `principal` (anonymous when omitted). */
  query<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables> | DocumentNode | string,
    variables?: TVariables,
    principal?: Principal,
  ): Promise<GatewayResponse<TData>>;
  /** Prometheus text of one service (a subgraph name or 'gateway'). */
  metrics(service: keyof RunningMesh['subgraphUrls'] | 'gateway'): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the whole mesh as separate processes (embedded MongoDB in memory unless MONGODB_URI
 * is set, five subgraphs, the gateway) on free ports, for one test file.
 */
export async function startMeshUnderTest(env: Record<string, string> = {}): Promise<MeshUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mesh-e2e-'));
  const mesh = await startMesh({
    persistent: false,
    dataDir,
    // Inventory's relay and expiry job poll its database in the background; slowed down here so the
    // N+1 suite counts only the commands its queries cause (events are not what this suite tests).
    env: { NODE_ENV: 'test', LOG_LEVEL: 'error', INVENTORY_RELAY_INTERVAL_MS: '600000', INVENTORY_EXPIRY_INTERVAL_MS: '600000', ...env },
    log: () => {},
  });
  const tokens = new Map<string, string>();
  const bearer = async (principal: Principal) => {
    const key = JSON.stringify(principal);
    const cached = tokens.get(key);
    if (cached) return cached;
    const token = await signDevToken(principal);
    tokens.set(key, token);
    return token;
  };
  return {
    mesh,
    async query(document, variables, principal) {
      const query = typeof document === 'string' ? document : print(document);
      const response = await fetch(mesh.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(principal && principal.role !== 'anonymous' ? { authorization: `Bearer ${await bearer(principal)}` } : {}),
        },
        body: JSON.stringify({ query, variables: variables ?? {} }),
      });
      const body = (await response.json()) as Omit<GatewayResponse<never>, 'status'>;
      return { status: response.status, ...body };
    },
    async metrics(service) {
      const url = service === 'gateway' ? mesh.gatewayUrl : mesh.subgraphUrls[service];
      return (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
    },
    async stop() {
      await mesh.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export { dbCommandCount } from '@mesh/test-kit';

/** GraphQL requests a service has served so far. */
export function requestCount(metricsText: string): number {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith('mesh_graphql_requests_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

export const errorCodes = (response: GatewayResponse<unknown>): string[] =>
  (response.errors ?? []).map((error) => String(error.extensions?.['code']));
