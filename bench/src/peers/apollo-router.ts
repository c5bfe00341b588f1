import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@mesh/mesh-runner';
import { PROPAGATED_HEADER, type PeerGateway, type PeerStartOptions, type PeerStart } from './peer.js';
import { spawnPeer, versionOf } from './peer-process.js';

/** Built from crates.io by `npm run bench:peers` (cargo install into bench/.peers), or APOLLO_ROUTER_BIN. */
export const apolloRouterBinary = (): string =>
  process.env['APOLLO_ROUTER_BIN'] ?? fileURLToPath(new URL('../../.peers/apollo-router/bin/router', import.meta.url));

/**
 * router.yaml: listen on a free loopback port at /graphql, its health check on another (its
 * default 8088 may be taken), forward the caller's credential to every subgraph, pass subgraph
 * errors through (so a data mismatch shows its cause), no landing page.
 */
const configYaml = (port: number, healthPort: number) => `supergraph:
  listen: 127.0.0.1:${port}
  path: /graphql
  introspection: false
health_check:
  listen: 127.0.0.1:${healthPort}
homepage:
  enabled: false
include_subgraph_errors:
  all: true
headers:
  all:
    request:
      - propagate:
          named: ${PROPAGATED_HEADER}
# Off by default in the router; on here, as in ours, Hive Gateway and Cosmo, so all four share
# identical subgraph queries in flight.
traffic_shaping:
  all:
    deduplicate_query: true
`;

async function start(options: PeerStartOptions): Promise<PeerStart> {
  const binary = apolloRouterBinary();
  if (!existsSync(binary)) {
    return { ran: false, reason: `no binary at ${binary} (run \`npm run bench:peers\` to build it from crates.io, or set APOLLO_ROUTER_BIN)` };
  }
  const [port, healthPort] = [await freePort(), await freePort()];
  const configPath = join(options.workDir, 'apollo-router.yaml');
  await writeFile(configPath, configYaml(port, healthPort));
  const url = `http://127.0.0.1:${port}/graphql`;
  const child = await spawnPeer({
    name: 'apollo-router',
    command: binary,
    args: ['--supergraph', options.supergraphPath, '--config', configPath, '--log', 'warn'],
    // APOLLO_ROUTER_NUM_CORES sizes its tokio runtime (worker threads) and its compute-job pool.
    env: { APOLLO_ROUTER_NUM_CORES: '1', APOLLO_TELEMETRY_DISABLED: 'true' },
    cwd: options.workDir,
    logFile: join(options.workDir, 'apollo-router.log'),
    url,
  });
  return {
    ran: true,
    peer: {
      url,
      pid: child.pid,
      version: await versionOf(binary, ['--version']),
      workers: 'APOLLO_ROUTER_NUM_CORES=1: one tokio worker thread, compute-job pool of one',
      stop: child.stop,
    },
  };
}

export const apolloRouter: PeerGateway = { id: 'apollo', label: 'Apollo Router', required: false, start };
