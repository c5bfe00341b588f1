import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@mesh/mesh-runner';
import { PROPAGATED_HEADER, type PeerGateway, type PeerStartOptions, type PeerStart } from './peer.js';
import { spawnPeer, versionOf } from './peer-process.js';

/** Built from crates.io (`cargo install apollo-router`) outside the repo; the bench only runs an existing binary. */
export const apolloRouterBinary = (): string => process.env['APOLLO_ROUTER_BIN'] ?? '/work/peers/apollo-router/bin/router';

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
`;

async function start(options: PeerStartOptions): Promise<PeerStart> {
  const binary = apolloRouterBinary();
  if (!existsSync(binary)) {
    return { ran: false, reason: `no binary at ${binary} (set APOLLO_ROUTER_BIN, or let \`cargo install apollo-router\` finish; see /work/peers/apollo-router.log)` };
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
