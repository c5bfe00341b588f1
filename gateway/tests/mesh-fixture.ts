import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMesh, type HistoryOption, type RunningMesh } from '@mesh/mesh-runner';
import type { Principal } from '@mesh/server-kit';
import { principals, untilDatabaseQuiet } from '@mesh/test-kit';
import { signDevToken } from '../src/module.js';

export interface GatewayResponse<TData> {
  readonly status: number;
  readonly data?: TData | null;
  readonly errors?: ReadonlyArray<{ message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }>;
}

/** Something that sends operations to the graph: one gateway, or several taking turns. */
export interface GatewayQuery {
  /** Sends an operation through the gateway over HTTP as `principal` (anonymous when omitted). */
  query<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables> | DocumentNode | string,
    variables?: TVariables,
    principal?: Principal,
  ): Promise<GatewayResponse<TData>>;
}

export interface MeshUnderTest extends GatewayQuery {
  readonly mesh: RunningMesh;
  /** Sends each operation to the next of these gateways' /graphql URLs in turn (round robin), with the same tokens. */
  alternating(gatewayUrls: readonly string[]): GatewayQuery;
  /** Prometheus text of one service (a subgraph name or 'gateway'). */
  metrics(service: keyof RunningMesh['subgraphUrls'] | 'gateway'): Promise<string>;
  stop(): Promise<void>;
}

export interface MeshUnderTestOptions {
  /**
   * An order history replayed through the workflows (as an admin) before the mesh is handed over
   * (see startMesh's `history`); the fixture then waits until the ledger has posted a capture for
   * every captured order and inventory and the ledger have stopped working through events. Default: none.
   */
  readonly history?: HistoryOption['size'];
  /**
   * Keep the database in an H2 file (and NATS's store) in the test's temporary directory, so that
   * `mesh.stopDatabase()`/`startDatabase()` can restart it without losing data. Default: in memory.
   */
  readonly persistent?: boolean;
}

/** Statuses of orders whose payment was captured. */
const CAPTURED_STATUSES = ['COMPLETED', 'PARTIALLY_RETURNED', 'RETURNED'] as const;

/**
 * Starts the whole mesh as separate processes (embedded MongoDB in memory unless MONGODB_URI
 * is set or `persistent`, five subgraphs, the gateway) on free ports, for one test file.
 */
export async function startMeshUnderTest(env: Record<string, string> = {}, options: MeshUnderTestOptions = {}): Promise<MeshUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mesh-e2e-'));
  const mesh = await startMesh({
    persistent: options.persistent ?? false,
    dataDir,
    // Inventory's and product's relays (poked by every change anyway), inventory's expiry job,
    // product's price announcer and order's KPI measurement poll their databases in the
    // background; slowed down here so the N+1 suite counts only the commands its queries cause.
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      INVENTORY_RELAY_INTERVAL_MS: '600000',
      INVENTORY_EXPIRY_INTERVAL_MS: '600000',
      ORDER_KPI_INTERVAL_MS: '600000',
      PRODUCT_RELAY_INTERVAL_MS: '600000',
      PRODUCT_PRICE_ANNOUNCER_RECHECK_MS: '600000',
      ...env,
    },
    log: () => {},
    // MESH_TEST_ECHO=1 prints every service's output (errors, at this LOG_LEVEL) to find a failure's cause.
    echo: process.env['MESH_TEST_ECHO'] === '1',
    ...(options.history !== undefined ? { history: { size: options.history, adminToken: () => signDevToken(principals.admin) } } : {}),
  });
  if (options.history !== undefined) {
    try {
      await settleHistory(mesh, await signDevToken(principals.admin));
    } catch (error) {
      await mesh.stop();
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  const tokens = new Map<string, string>();
  const bearer = async (principal: Principal) => {
    const key = JSON.stringify(principal);
    const cached = tokens.get(key);
    if (cached) return cached;
    const token = await signDevToken(principal);
    tokens.set(key, token);
    return token;
  };
  const send = async <TData>(
    gatewayUrl: string,
    document: DocumentNode | string,
    variables: Record<string, unknown> | undefined,
    principal: Principal | undefined,
  ): Promise<GatewayResponse<TData>> => {
    const query = typeof document === 'string' ? document : print(document);
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(principal && principal.role !== 'anonymous' ? { authorization: `Bearer ${await bearer(principal)}` } : {}),
      },
      body: JSON.stringify({ query, variables: variables ?? {} }),
    });
    const body = (await response.json()) as Omit<GatewayResponse<TData>, 'status'>;
    return { status: response.status, ...body };
  };
  return {
    mesh,
    query: (document, variables, principal) => send(mesh.gatewayUrl, document, variables, principal),
    alternating(gatewayUrls) {
      if (gatewayUrls.length === 0) throw new RangeError('alternating needs at least one gateway');
      let turn = 0;
      return { query: (document, variables, principal) => send(gatewayUrls[turn++ % gatewayUrls.length]!, document, variables, principal) };
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

/**
 * One mesh for the calling test file: started before its tests (allowing 5 minutes on a loaded
 * machine), stopped after them. Returns how the tests reach it; it throws if none is running.
 */
export function meshForThisFile(env: Record<string, string> = {}, options: MeshUnderTestOptions = {}): () => MeshUnderTest {
  let running: MeshUnderTest | undefined;
  before(
    async () => {
      running = await startMeshUnderTest(env, options);
    },
    { timeout: 300_000 },
  );
  after(async () => {
    await running?.stop();
  });
  return () => running ?? assert.fail('mesh not started');
}

/**
 * Fails when the history replay left failures; then waits until the ledger's consumers have posted
 * one capture per captured order and the ledger and inventory send no more database commands.
 */
async function settleHistory(mesh: RunningMesh, adminToken: string): Promise<void> {
  const history = mesh.history;
  if (!history) throw new Error('the history was not replayed (the order database was not empty, or seeding is off)');
  if (history.failures.length > 0 || history.aborted) throw new Error(`the history replay failed: ${JSON.stringify(history.failures.slice(0, 5))}`);
  const captured = CAPTURED_STATUSES.reduce((sum, status) => sum + (history.byStatus[status] ?? 0), 0);
  const captures = async () => {
    const response = await fetch(mesh.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query: '{ journalEntries(filter: { sourceType: "ORDER_CAPTURED" }, first: 1) { totalCount } }' }),
    });
    const body = (await response.json()) as { data?: { journalEntries: { totalCount: number } } };
    return body.data?.journalEntries.totalCount ?? -1;
  };
  const deadline = Date.now() + 180_000;
  let posted = await captures();
  while (posted < captured) {
    if (Date.now() > deadline) throw new Error(`the ledger posted ${posted} of ${captured} captures in time`);
    await sleep(500);
    posted = await captures();
  }
  for (const name of ['ledger', 'inventory'] as const) await untilDatabaseQuiet(mesh.subgraphUrls[name], 1500, 180_000);
}

export { dbCommandCount } from '@mesh/test-kit';

/** GraphQL requests a service has served so far. */
export function requestCount(metricsText: string): number {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith('mesh_graphql_requests_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

export const errorCodes = (response: GatewayResponse<unknown>): string[] => (response.errors ?? []).map((error) => String(error.extensions?.['code']));
