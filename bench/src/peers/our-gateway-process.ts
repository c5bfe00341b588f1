import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@mesh/mesh-runner';
import type { RunningPeer } from './peer.js';
import { spawnPeer } from './peer-process.js';

const GATEWAY_ENTRY = fileURLToPath(new URL('../../../gateway/dist/index.js', import.meta.url));

export interface OurGatewayProcessOptions {
  /** Names its log (`<id>.log` in workDir). */
  readonly id: string;
  readonly workDir: string;
  /** Our supergraph routed to the running subgraphs: the gateway routes by its join__graph URLs. */
  readonly supergraphPath: string;
  readonly nodeEnv: string;
  /** Node options before the gateway's entry (e.g. `--import` of the telemetry register). */
  readonly nodeArgs?: readonly string[];
  /** What this variant turns on, beside the port, supergraph and log level every variant has. */
  readonly env: Readonly<Record<string, string>>;
  /** The version line of the report. */
  readonly version: string;
}

/** Our gateway built from this repo, as a process of its own on a free port: the variants scenario 1 measures beside the mesh's own. */
export async function startOurGatewayProcess(options: OurGatewayProcessOptions): Promise<RunningPeer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const child = await spawnPeer({
    name: options.id,
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), GATEWAY_ENTRY],
    env: {
      NODE_ENV: options.nodeEnv,
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: String(port),
      SUPERGRAPH_PATH: options.supergraphPath,
      SUPERGRAPH_POLL_MS: '0',
      ...options.env,
    },
    cwd: options.workDir,
    logFile: join(options.workDir, `${options.id}.log`),
    url,
  });
  return { url, pid: child.pid, version: options.version, workers: 'one Node process', stop: child.stop };
}
