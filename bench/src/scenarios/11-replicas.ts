/**
 * Scenario 11, replicas: the same order load on one process of every service, then on two of each
 * (a second process of every subgraph and a second gateway routed to them, on the same NATS and
 * database), clients alternating between the gateways. On one 2-core machine this measures what
 * replication costs or gains when the cores are shared; past one machine each replica brings its
 * own cores (deploy/ has the topology).
 */
import type { MeshReplica, SubgraphName } from '@mesh/mesh-runner';
import { principals } from '@mesh/test-kit';
import { BenchClient } from '../lib/bench-client.js';
import { untilQuiet } from '../lib/flash-sale.js';
import {
  benchCustomers,
  catalogSkus,
  decisionFigures,
  oneUnitOfEach,
  placeClosedLoop,
  runKey,
  waitUntilDecided,
  type OrderRequest,
  type PlacedOrder,
} from '../lib/orders.js';
import { ratio, type BenchContext, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { round } from '../lib/stats.js';
import { setAvailable } from '../lib/stock.js';

const LOCATION = 'loc_wh_nj';
const SUBGRAPHS: readonly SubgraphName[] = ['product', 'inventory', 'order', 'customer', 'ledger'];
const SIZES = {
  tiny: { orders: 20, concurrency: 10 },
  full: { orders: 300, concurrency: 40 },
} as const;

interface Run {
  readonly replicas: number;
  readonly ordersPerSecond: number;
  readonly placeP99: number;
  readonly decisionP99: number;
}

async function run(context: BenchContext, clients: readonly BenchClient[], skus: readonly string[], replicas: number, concurrency: number): Promise<Run> {
  const customers = benchCustomers();
  const key = runKey(`s11-${replicas}`);
  await setAvailable(clients[0]!, skus, LOCATION, 1, `${key}-stock`);
  await untilQuiet(context.mesh);
  const requests: OrderRequest[] = oneUnitOfEach(skus, key, LOCATION, customers);
  // Each client sends through one gateway; the clients are spread evenly over the gateways.
  const perGateway = clients.map((_, gateway) => requests.filter((__, index) => index % clients.length === gateway));
  const started = Date.now();
  const placed: PlacedOrder[] = (
    await Promise.all(perGateway.map((share, gateway) => placeClosedLoop(clients[gateway]!, share, Math.ceil(concurrency / clients.length))))
  ).flat();
  const decided = await waitUntilDecided(clients[0]!, placed, 300_000);
  const { ordersPerSecond, placeP99, decisionP99 } = decisionFigures(decided, started);
  return { replicas, ordersPerSecond, placeP99, decisionP99 };
}

export const replicas: Scenario = {
  id: '11',
  title: 'Replicas: one process of every service vs two of each on one machine',
  async run(context: BenchContext): Promise<ScenarioResult> {
    const size = SIZES[context.size];
    const token = await context.bearerFor(principals.admin);
    const pool = catalogSkus().slice(0, size.orders * 2);
    const one = await run(context, [new BenchClient(context.mesh.gatewayUrl, token)], pool.slice(0, size.orders), 1, size.concurrency);
    const started: MeshReplica[] = [];
    let two: Run;
    try {
      const urls: Partial<Record<SubgraphName, string>> = {};
      for (const name of SUBGRAPHS) {
        const replica = await context.mesh.startReplica(name);
        started.push(replica);
        urls[name] = replica.url;
      }
      const gateway = await context.mesh.startReplica('gateway', { subgraphUrls: urls });
      started.push(gateway);
      const clients = [new BenchClient(context.mesh.gatewayUrl, token), new BenchClient(gateway.url, token)];
      two = await run(context, clients, pool.slice(size.orders), 2, size.concurrency);
    } finally {
      await Promise.all(started.map((replica) => replica.stop()));
    }
    context.log(`1 replica: ${round(one.ordersPerSecond)} orders/s; 2 replicas: ${round(two.ordersPerSecond)} orders/s`);
    return {
      id: '11',
      title: replicas.title,
      method:
        `${size.orders} single-unit WEB orders, each on its own SKU (given 1 unit at ${LOCATION}), placed by ${size.concurrency} clients (each sends its next order when placeOrder answers) until all are decided: ` +
        'first on the mesh as it runs (one process of every service), then with a second process of every subgraph and a second gateway routed to them started beside it (same NATS, same database), the clients split evenly between the two gateways. ' +
        'Orders/s: orders / (first send to last decision, server clock).',
      tables: [
        {
          title: 'Runs',
          columns: ['processes of each service', 'orders decided per s', 'placeOrder p99 ms', 'decision p99 ms'],
          rows: [one, two].map((entry) => [entry.replicas, round(entry.ordersPerSecond), round(entry.placeP99), round(entry.decisionP99)]),
        },
      ],
      ratios: [ratio('orders/s, two replicas / one', [two.ordersPerSecond / one.ordersPerSecond])],
      notes: ['Both runs share the same two cores (and the database process): a second replica adds processes, not cores, here.'],
    };
  },
};
