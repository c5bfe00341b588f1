import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SUBGRAPHS, freePort } from '@mesh/mesh-runner';
import { PROPAGATED_HEADER, type PeerGateway, type PeerStartOptions, type PeerStart } from './peer.js';
import { spawnPeer, versionOf } from './peer-process.js';
import { writeSubgraphSchema } from './routed-supergraph.js';

/**
 * The Go module proxy refuses the router module here, so it cannot be `go install`ed; the bench
 * runs a binary built elsewhere: COSMO_ROUTER_BIN, or bench/.peers/cosmo/bin/router.
 */
export const cosmoRouterBinary = (): string => process.env['COSMO_ROUTER_BIN'] ?? fileURLToPath(new URL('../../.peers/cosmo/bin/router', import.meta.url));

const require = createRequire(import.meta.url);

/**
 * wgc pins graphql 16.9.0 while the @wundergraph/composition it calls resolves the workspace's
 * graphql, so `wgc router compose` dies on "Cannot use GraphQLSchema from another module or
 * realm". This loader hook makes wgc's own imports of graphql resolve to composition's copy.
 */
function singleGraphqlHook(compositionUrl: string): { register: string; hook: string } {
  return {
    register: "import { register } from 'node:module';\nregister('./wgc-graphql-hook.mjs', import.meta.url);\n",
    hook: [
      `const COMPOSITION = ${JSON.stringify(compositionUrl)};`,
      'export async function resolve(specifier, context, next) {',
      "  const fromWgc = context.parentURL !== undefined && context.parentURL.includes('/node_modules/wgc/');",
      "  if (fromWgc && (specifier === 'graphql' || specifier.startsWith('graphql/'))) return next(specifier, { ...context, parentURL: COMPOSITION });",
      '  return next(specifier, context);',
      '}',
      '',
    ].join('\n'),
  };
}

/** Composes the mesh's subgraph SDLs into Cosmo's execution config with `wgc router compose`, routed to the running subgraphs. */
async function composeExecutionConfig(options: PeerStartOptions): Promise<string> {
  const input = join(options.workDir, 'cosmo-compose.yaml');
  const output = join(options.workDir, 'cosmo-execution-config.json');
  const subgraphs = await Promise.all(
    SUBGRAPHS.map(
      async (name) =>
        `  - name: ${name}\n    routing_url: ${options.subgraphUrls[name]}\n    schema:\n      file: ${await writeSubgraphSchema(options.workDir, name)}\n`,
    ),
  );
  await writeFile(input, `version: 1\nsubgraphs:\n${subgraphs.join('')}`);
  const wgcPackage = require.resolve('wgc/package.json');
  const composition = createRequire(wgcPackage).resolve('@wundergraph/composition');
  const { register, hook } = singleGraphqlHook(pathToFileURL(composition).href);
  await writeFile(join(options.workDir, 'wgc-graphql-register.mjs'), register);
  await writeFile(join(options.workDir, 'wgc-graphql-hook.mjs'), hook);
  const wgc = join(wgcPackage, '..', 'dist/src/index.js');
  try {
    await promisify(execFile)(
      process.execPath,
      ['--import', join(options.workDir, 'wgc-graphql-register.mjs'), wgc, 'router', 'compose', '-i', input, '-o', output],
      {
        cwd: options.workDir,
        timeout: 120_000,
      },
    );
  } catch (error) {
    const detail = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`wgc router compose failed: ${detail.message}\n${detail.stdout ?? ''}${detail.stderr ?? ''}`.slice(0, 4000), { cause: error });
  }
  if (!existsSync(output)) throw new Error(`wgc router compose wrote no ${output}`);
  return output;
}

/**
 * Router config without a control plane: the composed execution config from a file, the caller's
 * credential forwarded to every subgraph, and everything that reports or logs per request off
 * (tracing, OTLP and Prometheus metrics, GraphQL usage metrics, access logs).
 */
const configYaml = (port: number, executionConfig: string) => `version: "1"
listen_addr: 127.0.0.1:${port}
graphql_path: /graphql
log_level: warn
json_log: false
playground:
  enabled: false
router_registration: false
execution_config:
  file:
    path: ${JSON.stringify(executionConfig)}
    watch: false
headers:
  all:
    request:
      - op: propagate
        named: ${PROPAGATED_HEADER}
telemetry:
  tracing:
    enabled: false
  metrics:
    otlp:
      enabled: false
    prometheus:
      enabled: false
graphql_metrics:
  enabled: false
access_logs:
  enabled: false
`;

/**
 * `router -version` of a source build says "Version: dev"; the release it was built from is in
 * the source's package.json, when the sources are where the build script put them.
 */
async function cosmoVersion(binary: string): Promise<string> {
  const printed = (await versionOf(binary, ['-version'], true)).split('\n').map((line) => line.trim());
  const field = (name: string) =>
    printed
      .find((line) => line.startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim();
  const sourcePackage = process.env['COSMO_ROUTER_SOURCE'] ?? '/work/peers/cosmo-src/router/package.json';
  const source = existsSync(sourcePackage) ? (JSON.parse(await readFile(sourcePackage, 'utf8')) as { version?: string }).version : undefined;
  return [`router ${field('Version') ?? 'unknown'}`, source ? `built from router@${source} sources` : undefined, field('Go version')]
    .filter(Boolean)
    .join(', ');
}

async function start(options: PeerStartOptions): Promise<PeerStart> {
  const binary = cosmoRouterBinary();
  if (!existsSync(binary)) {
    return {
      ran: false,
      reason: `no binary at ${binary} (set COSMO_ROUTER_BIN to a Cosmo Router binary: the Go module proxy refuses the router module, so the bench cannot build it)`,
    };
  }
  const executionConfig = await composeExecutionConfig(options);
  const port = await freePort();
  const configPath = join(options.workDir, 'cosmo-router.yaml');
  await writeFile(configPath, configYaml(port, executionConfig));
  const url = `http://127.0.0.1:${port}/graphql`;
  const child = await spawnPeer({
    name: 'cosmo-router',
    command: binary,
    args: ['-config', configPath],
    env: { GOMAXPROCS: '1' },
    cwd: options.workDir,
    logFile: join(options.workDir, 'cosmo-router.log'),
    url,
  });
  return {
    ran: true,
    peer: {
      url,
      pid: child.pid,
      version: await cosmoVersion(binary),
      workers: 'GOMAXPROCS=1: Go runs goroutines on one OS thread at a time',
      stop: child.stop,
    },
  };
}

export const cosmoRouter: PeerGateway = { id: 'cosmo', label: 'Cosmo Router', required: false, start };
