import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@mesh/mesh-runner';
import { PROPAGATED_HEADER, type PeerGateway, type PeerStart, type PeerStartOptions } from './peer.js';
import { spawnPeer } from './peer-process.js';

/** A request carrying this header gets its query plan back (Rust planner peer only, to prove it plans). */
const PLAN_HEADER = 'x-bench-query-plan';

/** The ESM entry of an installed package (the config file imports it by absolute URL). */
const entryUrl = (name: string) => import.meta.resolve(name);
/** The folder of an installed package, from the path of one of its files (not every package exports package.json). */
function packageDirOf(name: string, fileInside: string): string {
  const marker = `/node_modules/${name}/`;
  const at = fileInside.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot tell where ${name} is installed from ${fileInside}`);
  return fileInside.slice(0, at + marker.length);
}
const packageVersion = async (dir: string) => (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
const gatewayDir = () => packageDirOf('@graphql-hive/gateway', fileURLToPath(entryUrl('@graphql-hive/gateway')));
const runtimeDir = () => packageDirOf('@graphql-hive/router-runtime', fileURLToPath(entryUrl('@graphql-hive/router-runtime')));
/** The native planner router-runtime imports, resolved from where router-runtime is. */
const plannerDir = () =>
  packageDirOf('@graphql-hive/router-query-planner', createRequire(join(runtimeDir(), 'package.json')).resolve('@graphql-hive/router-query-planner'));

/**
 * The gateway config file: forward the caller's credential to every subgraph; with the Rust
 * planner, plan with @graphql-hive/router-runtime (its documented `unifiedGraphHandler`) and expose
 * the plan to requests that ask for it. Modules are imported by absolute URL so the file works
 * wherever the work folder is.
 */
function configSource(rustPlanner: boolean): string {
  const gateway = entryUrl('@graphql-hive/gateway');
  const runtime = rustPlanner ? entryUrl('@graphql-hive/router-runtime') : undefined;
  return [
    `import { defineConfig } from ${JSON.stringify(gateway)};`,
    ...(runtime ? [`import { unifiedGraphHandler, useQueryPlan } from ${JSON.stringify(runtime)};`] : []),
    'export const gatewayConfig = defineConfig({',
    '  propagateHeaders: {',
    `    fromClientToSubgraphs: ({ request }) => ({ ${JSON.stringify(PROPAGATED_HEADER)}: request.headers.get(${JSON.stringify(PROPAGATED_HEADER)}) }),`,
    '  },',
    ...(runtime
      ? ['  unifiedGraphHandler,', `  plugins: () => [useQueryPlan({ expose: (request) => request.headers.has(${JSON.stringify(PLAN_HEADER)}) })],`]
      : []),
    '});',
    '',
  ].join('\n');
}

async function startHive(options: PeerStartOptions, rustPlanner: boolean): Promise<PeerStart> {
  const id = rustPlanner ? 'hive-rust' : 'hive';
  const configPath = join(options.workDir, `${id}.gateway.config.mjs`);
  await writeFile(configPath, configSource(rustPlanner));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const bin = join(gatewayDir(), 'dist/bin.js');
  const child = await spawnPeer({
    name: id,
    command: process.execPath,
    // --fork 1 serves from the CLI process itself (it forks workers only for --fork > 1).
    args: [bin, 'supergraph', options.supergraphPath, '--config-path', configPath, '--host', '127.0.0.1', '--port', String(port), '--fork', '1'],
    env: { NODE_ENV: options.nodeEnv, LOG_LEVEL: 'warn' },
    cwd: options.workDir,
    logFile: join(options.workDir, `${id}.log`),
    url,
  });
  const versions = [`@graphql-hive/gateway ${await packageVersion(gatewayDir())}`];
  if (rustPlanner) {
    versions.push(
      `@graphql-hive/router-runtime ${await packageVersion(runtimeDir())}`,
      `@graphql-hive/router-query-planner ${await packageVersion(plannerDir())}`,
    );
  }
  return {
    ran: true,
    peer: {
      url,
      pid: child.pid,
      version: versions.join(', '),
      workers: '--fork 1: one Node process, no cluster workers',
      ...(rustPlanner ? { verify: (headers: Readonly<Record<string, string>>) => verifyRustPlan(url, headers) } : {}),
      stop: child.stop,
    },
  };
}

/** The Rust planner answers plans of its own shape (`kind: 'QueryPlan'` with a node tree): ask for one. */
async function verifyRustPlan(url: string, headers: Readonly<Record<string, string>>): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [PLAN_HEADER]: '1', ...headers },
    body: JSON.stringify({ query: '{ products(first: 1) { edges { node { id variants { sku availability { available } } } } } }' }),
  });
  const body = (await response.json()) as { errors?: unknown[]; extensions?: { queryPlan?: { kind?: string; node?: { kind?: string } } } };
  const plan = body.extensions?.queryPlan;
  if (body.errors?.length || plan?.kind !== 'QueryPlan' || !plan.node?.kind) {
    throw new Error(`Hive Gateway with router-runtime did not answer a Rust query plan: ${JSON.stringify(body).slice(0, 500)}`);
  }
  return `router-runtime planned a two-subgraph query (plan root node: ${plan.node.kind})`;
}

export const hiveGateway: PeerGateway = { id: 'hive', label: 'Hive Gateway (Node)', required: true, start: (options) => startHive(options, false) };
export const hiveGatewayRust: PeerGateway = {
  id: 'hive-rust',
  label: 'Hive Gateway + Rust planner',
  required: true,
  start: (options) => startHive(options, true),
};
