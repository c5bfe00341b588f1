import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startOurGatewayProcess } from './our-gateway-process.js';
import type { RunningPeer } from './peer.js';

/** The client type the governed gateway enforces the manifest for; the load names itself with it. */
export const GOVERNED_CLIENT = 'bench';

export interface GovernedStartOptions {
  readonly workDir: string;
  /** Our supergraph routed to the running subgraphs: the gateway routes by its join__graph URLs. */
  readonly supergraphPath: string;
  readonly nodeEnv: string;
  /** The request bodies the load sends: their documents make the persisted-operation manifest. */
  readonly bodies: readonly string[];
}

/**
 * Our gateway again, as its own process, with governance on: per-client rate limits and cost
 * budgets counted in memory (limits far above what the load sends, so every request is counted
 * and none refused) and the persisted-operation manifest enforced for the load's client type.
 * The mesh's own gateway runs the same build with all of it off; scenario 1 measures both in the
 * same rounds.
 */
export async function startOursGoverned(options: GovernedStartOptions): Promise<RunningPeer> {
  const documents = [...new Set(options.bodies.map((body) => (JSON.parse(body) as { query: string }).query))];
  const manifestPath = join(options.workDir, 'persisted-operations.json');
  await writeFile(
    manifestPath,
    JSON.stringify({
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: documents.map((body) => ({
        id: createHash('sha256').update(body).digest('hex'),
        name: /query (\w+)/.exec(body)?.[1] ?? 'anonymous',
        type: 'query',
        body,
      })),
    }),
  );
  return startOurGatewayProcess({
    id: 'ours-governed',
    workDir: options.workDir,
    supergraphPath: options.supergraphPath,
    nodeEnv: options.nodeEnv,
    env: {
      RATE_LIMIT_REQUESTS: '1000000000',
      COST_BUDGET: '1000000000000',
      PERSISTED_OPERATIONS_PATH: manifestPath,
      TRUSTED_OPERATIONS: `${GOVERNED_CLIENT}=enforce`,
    },
    version: 'this repo, governance on',
  });
}
