import { fileURLToPath } from 'node:url';
import { resolveDatabase, startedDatabaseUri, type RunningDatabase } from '@mesh/embedded-mongo';
import { freePort } from './free-port.js';
import { startNatsServer, type TestNatsServer } from './nats-server.js';
import { spawnService, type ServiceProcess } from './service-process.js';
import { replayHistoryIfNeeded, type HistoryOption } from './history-wiring.js';
import type { SeedHistorySummary } from './seed-history.js';

export const SUBGRAPHS = ['product', 'inventory', 'order', 'customer', 'ledger', 'integration'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];
const FIXED_PORTS: Readonly<Record<SubgraphName | 'gateway', number>> = {
  gateway: 4000,
  product: 4001,
  inventory: 4002,
  order: 4003,
  customer: 4004,
  ledger: 4005,
  integration: 4006,
};

export interface MeshOptions {
  /** Keep data across runs (embedded H2 file or mongod data dir under dataDir). */
  readonly persistent: boolean;
  /** Where a started database keeps its files. */
  readonly dataDir: string;
  /** Use the well-known ports 4000-4006 (for humans) instead of free ephemeral ones (tests). */
  readonly fixedPorts?: boolean;
  /** Print every service's output. */
  readonly echo?: boolean;
  /** Extra environment for every service (e.g. SUBGRAPH_TIMEOUT_MS). */
  readonly env?: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
  /**
   * The order history replayed through the workflows once the gateway is up (see seed-history.ts),
   * when seeding is on (SEED_DATA, default on outside production), NODE_ENV is not production and
   * the order database holds no orders yet (or a previous replay was interrupted). Default: none.
   */
  readonly history?: HistoryOption;
}

export interface RunningMesh {
  readonly gatewayUrl: string;
  readonly database: RunningDatabase;
  /** The NATS JetStream URL every service publishes and consumes events through. */
  readonly natsUrl: string;
  readonly subgraphUrls: Readonly<Record<SubgraphName, string>>;
  /** What the history replay did at start-up; undefined when it did not run. */
  readonly history: SeedHistorySummary | undefined;
  /** Stops one subgraph (to test partial failure); startSubgraph brings it back on the same port. */
  stopSubgraph(name: SubgraphName): Promise<void>;
  startSubgraph(name: SubgraphName): Promise<void>;
  /**
   * Stops the nats-server the runner started, keeping its store (a broker outage); startNats
   * brings it back on the same port and store, so clients reconnect to the same URL. Both throw
   * when NATS_URL pointed the mesh at a broker the runner does not own.
   */
  stopNats(): Promise<void>;
  startNats(): Promise<void>;
  /**
   * Stops the database the runner started, keeping its data (a database outage); startDatabase
   * brings it back on the same port and data, so the services reconnect to the same URI. Both
   * throw unless the mesh is persistent on the embedded database (in memory, a restart would
   * start empty; MONGODB_URI and mongod are not restarted by the runner).
   */
  stopDatabase(): Promise<void>;
  startDatabase(): Promise<void>;
  /**
   * Starts one more process of a service on a free port, against the same database and NATS (as
   * production replicas run). A gateway replica uses the mesh's subgraphs except those named in
   * `subgraphUrls` (for example a subgraph replica). `entry` runs another build of the service
   * (for example the gateway compiled at an earlier commit) instead of this checkout's dist/index.js.
   * Replicas stop with the mesh, or on their own.
   */
  startReplica(name: SubgraphName | 'gateway', options?: ReplicaOptions): Promise<MeshReplica>;
  stop(): Promise<void>;
}

/** How RunningMesh.startReplica starts one more process of a service. */
export interface ReplicaOptions {
  readonly subgraphUrls?: Partial<Record<SubgraphName, string>>;
  readonly entry?: string;
  /** Environment over the mesh's own for this process only (a bench tracing one set of replicas). */
  readonly env?: Readonly<Record<string, string>>;
  /** Another build of the telemetry register (see SpawnServiceOptions). */
  readonly telemetryRegister?: string;
  /** More Node flags for this process (`--cpu-prof`). */
  readonly nodeFlags?: readonly string[];
}

/** An extra process of one service (see RunningMesh.startReplica). */
export interface MeshReplica {
  /** Its /graphql URL. */
  readonly url: string;
  /** Its process id (a bench reads its CPU time from /proc). */
  readonly pid: number;
  stop(): Promise<void>;
  /** Ends it with SIGKILL, as a crash does: no graceful shutdown, nothing flushed or released. */
  kill(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const entryOf = (name: SubgraphName | 'gateway') => (name === 'gateway' ? `${repoRoot}gateway/dist/index.js` : `${repoRoot}subgraphs/${name}/dist/index.js`);

/**
 * Starts the mesh as separate processes over real HTTP: the database (resolved as
 * resolveDatabase says), the six subgraphs (each seeds its own database when empty), then the
 * gateway. Requires a build (`turbo run build`).
 */
export async function startMesh(options: MeshOptions): Promise<RunningMesh> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // The database opens (an embedded store rebuilds its indexes) while NATS and the subgraph
  // processes start: they are handed its URI now and wait for it (MONGODB_WAIT_MS) after loading.
  const databasePort = await freePort();
  const databaseStarting = resolveDatabase({ persistent: options.persistent, dataDir: options.dataDir, log, port: databasePort });
  databaseStarting.catch(() => undefined); // awaited below; not unhandled while NATS starts
  // NATS_URL points at an existing broker; otherwise we run nats-server with JetStream ourselves.
  let nats: TestNatsServer | undefined;
  try {
    nats = process.env['NATS_URL'] ? undefined : await startNatsServer(options.persistent ? { storeDir: `${options.dataDir}/nats` } : {});
  } catch (error) {
    await (await databaseStarting.catch(() => undefined))?.stop();
    throw error;
  }
  const natsUrl = process.env['NATS_URL'] ?? nats?.url ?? '';
  log(`events: NATS JetStream at ${natsUrl}${nats ? ' (started by the runner)' : ''}`);
  const ports = Object.fromEntries(
    await Promise.all((['gateway', ...SUBGRAPHS] as const).map(async (name) => [name, options.fixedPorts ? FIXED_PORTS[name] : await freePort()])),
  ) as Record<SubgraphName | 'gateway', number>;
  const baseUrl = (name: SubgraphName | 'gateway') => `http://127.0.0.1:${ports[name]}`;
  const subgraphUrls = Object.fromEntries(SUBGRAPHS.map((name) => [name, `${baseUrl(name)}/graphql`])) as Record<SubgraphName, string>;
  const commonEnv = {
    NODE_ENV: process.env['NODE_ENV'] ?? 'development',
    MONGODB_URI: startedDatabaseUri(databasePort),
    MONGODB_WAIT_MS: '120000',
    NATS_URL: natsUrl,
    ...options.env,
  };
  const running = new Map<SubgraphName | 'gateway', ServiceProcess>();
  const replicas = new Set<ServiceProcess>();
  const envOf = (name: SubgraphName | 'gateway', port: number, urls: Readonly<Record<SubgraphName, string>> = subgraphUrls) =>
    name === 'gateway'
      ? { ...commonEnv, GATEWAY_PORT: String(port), ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_URL`, urls[s]])) }
      : {
          ...commonEnv,
          [`${name.toUpperCase()}_PORT`]: String(port),
          // The order domain prices lines by asking the product domain directly.
          // ... and the customer domain for the customer's loyalty tier.
          ...(name === 'order' ? { PRODUCT_URL: urls.product, CUSTOMER_URL: urls.customer } : {}),
          // Storefront webhooks become orders by commands sent straight to the order domain.
          // Settlement fees and payouts are posted by commands sent to the ledger.
          ...(name === 'integration' ? { ORDER_URL: urls.order, LEDGER_URL: urls.ledger } : {}),
          // The ledger reconciles against the order domain's own payments.
          ...(name === 'ledger' ? { ORDER_URL: urls.order } : {}),
        };
  const start = async (name: SubgraphName | 'gateway', abort?: AbortSignal) => {
    running.set(
      name,
      await spawnService({ name, entry: entryOf(name), baseUrl: baseUrl(name), env: envOf(name, ports[name]), echo: options.echo ?? false, abort }),
    );
  };
  let database: RunningDatabase | undefined;
  /**
   * Stops everything in dependency order, each stage after the one before has exited: the
   * gateways (their subscriptions complete while the subgraphs are up), the subgraphs (each
   * drains its consumers and outbox relays while broker and database are up), the broker, the
   * database. Each stage is logged as `stopping <stage>`.
   */
  const stopAll = async () => {
    const services = [...running.values(), ...replicas];
    running.clear();
    replicas.clear();
    const isGateway = (service: ServiceProcess) => service.name === 'gateway' || service.name.startsWith('gateway-replica-');
    log('stopping gateway');
    await Promise.all(services.filter(isGateway).map((service) => service.stop()));
    log('stopping subgraphs (draining consumers and outbox relays)');
    await Promise.all(services.filter((service) => !isGateway(service)).map((service) => service.stop()));
    if (nats) log('stopping event broker');
    await nats?.stop();
    log('stopping database');
    await (database ?? (await databaseStarting.catch(() => undefined)))?.stop();
  };
  try {
    // The subgraphs boot at the same time: each waits mostly on its own module loading and seed.
    // A database that fails to start ends the subgraphs still waiting for it.
    const databaseFailed = new AbortController();
    const subgraphsStarting = Promise.allSettled(SUBGRAPHS.map((name) => start(name, databaseFailed.signal)));
    database = await databaseStarting.catch((error: unknown) => {
      databaseFailed.abort();
      throw error;
    });
    const failed = (await subgraphsStarting).find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    await start('gateway');
  } catch (error) {
    await stopAll();
    throw error;
  }
  const started: RunningDatabase = database;
  /** How to start the database again after an outage; throws where a restart would lose data or is not ours. */
  const databaseStarter = (): (() => Promise<void>) => {
    const start = started.start?.bind(started);
    if (started.kind !== 'embedded-h2' || !start) throw new Error(`the runner restarts only a persistent embedded database, not ${started.description}`);
    return start;
  };
  let history: SeedHistorySummary | undefined;
  try {
    const seeding = (options.env?.['SEED_DATA'] ?? process.env['SEED_DATA'] ?? (commonEnv.NODE_ENV === 'production' ? 'false' : 'true')) !== 'false';
    if (options.history && seeding && commonEnv.NODE_ENV !== 'production') {
      history = await replayHistoryIfNeeded(options.history, {
        gatewayUrl: `${baseUrl('gateway')}/graphql`,
        dataDir: options.persistent ? options.dataDir : undefined,
        log,
      });
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    gatewayUrl: `${baseUrl('gateway')}/graphql`,
    database: started,
    natsUrl,
    subgraphUrls,
    history,
    async stopSubgraph(name) {
      await running.get(name)?.stop();
      running.delete(name);
    },
    startSubgraph: (name) => start(name),
    async stopNats() {
      if (!nats) throw new Error('NATS_URL is set: the runner does not own that broker and cannot stop it');
      await nats.kill();
    },
    async startNats() {
      if (!nats) throw new Error('NATS_URL is set: the runner does not own that broker and cannot start it');
      await nats.restart();
    },
    async stopDatabase() {
      databaseStarter();
      await started.stop();
    },
    async startDatabase() {
      await databaseStarter()();
    },
    async startReplica(name, replicaOptions = {}) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const env = { ...envOf(name, port, { ...subgraphUrls, ...replicaOptions.subgraphUrls }), ...replicaOptions.env };
      const replica = await spawnService({
        name: `${name}-replica-${port}`,
        entry: replicaOptions.entry ?? entryOf(name),
        baseUrl: url,
        env,
        echo: options.echo ?? false,
        telemetryRegister: replicaOptions.telemetryRegister,
        nodeFlags: replicaOptions.nodeFlags,
      });
      replicas.add(replica);
      return {
        url: `${url}/graphql`,
        pid: replica.child.pid ?? 0,
        async stop() {
          replicas.delete(replica);
          await replica.stop();
        },
        async kill() {
          replicas.delete(replica);
          await replica.kill();
        },
      };
    },
    stop: stopAll,
  };
}
