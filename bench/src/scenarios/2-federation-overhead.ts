/**
 * Scenario 2, federation overhead: the same data through our gateway and straight from the
 * owning subgraph(s). (a) A one-subgraph query (a product page from the product subgraph), driven
 * by autocannon on both sides. (b) A four-wave entity query (ledger -> order -> product ->
 * inventory); its direct side replays the gateway's own query plan against the subgraphs, wave
 * after wave, so both sides are driven by the same sequential client (federation-replay-load.ts).
 */
import { Agent } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { principals } from '@mesh/test-kit';
import { dataOf, postGraphql, projectOnto, replayPlan, type FetchNode, type JsonObject, type PlanNode, type ServiceTarget } from '../lib/federation-replay.js';
import { runReplayLoad } from '../lib/federation-replay-load.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { ratio, type BenchContext, type MeasuredRatio, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { round } from '../lib/stats.js';

const PRODUCT_PAGE = `query ProductPage($id: ID!) {
  product(id: $id) { id name brand category description variants { sku name attributes { name value } prices { amount currency } } }
}`;

const FOUR_HOP = `query FourHop($orderId: ID!) {
  journalEntries(filter: { orderId: $orderId, sourceType: "ORDER_CAPTURED" }, first: 1) {
    edges { node { id memo order { id number status lines { lineNumber quantity variant {
      sku name product { id name variants { sku name availability { available levels { onHand location { id name } } } } }
    } } } } }
  }
}`;

const FIXTURES = `query OverheadFixtures {
  products(first: 20) { edges { node { id } } }
  journalEntries(filter: { sourceType: "ORDER_CAPTURED" }, first: 20) { edges { node { order { id } } } }
}`;

const SUBGRAPH_OF_PRODUCT_PAGE = 'product';

interface Sides<T> {
  readonly gateway: T;
  readonly direct: T;
}

export const federationOverhead: Scenario = {
  id: '2',
  title: 'Federation overhead: gateway vs straight from the subgraphs',
  async run(context: BenchContext): Promise<ScenarioResult> {
    const full = context.size === 'full';
    const rounds = full ? 3 : 1;
    const load = { connections: 10, warmupSeconds: full ? 3 : 1, durationSeconds: full ? 10 : 3 };
    const agent = new Agent({ keepAlive: true });
    const gateway: ServiceTarget = { url: context.mesh.gatewayUrl, headers: { authorization: `Bearer ${await context.bearerFor(principals.admin)}` } };
    // Signed per load run: the credential lives 120 s, a full round takes longer.
    const subgraphs = async (): Promise<Record<string, ServiceTarget>> => {
      const headers = { 'x-mesh-principal': await context.internalCredentialFor(principals.admin) };
      return Object.fromEntries(Object.entries(context.mesh.subgraphUrls).map(([name, url]) => [name, { url, headers }]));
    };

    try {
      const fixtures = dataOf(await postGraphql(agent, gateway, JSON.stringify({ query: FIXTURES })), 'fixtures') as {
        products: { edges: { node: { id: string } }[] };
        journalEntries: { edges: { node: { order: { id: string } | null } }[] };
      };
      const productIds = fixtures.products.edges.map((edge) => edge.node.id);
      const orderIds = [...new Set(fixtures.journalEntries.edges.flatMap((edge) => (edge.node.order ? [edge.node.order.id] : [])))];
      if (productIds.length === 0 || orderIds.length === 0) throw new Error('scenario 2 needs products and captured orders (the history replay)');

      // (a) The plan must be a single fetch to the product subgraph, or "one-subgraph" is not what we measure.
      const productPlan = await planOf(agent, gateway, PRODUCT_PAGE, { id: productIds[0] });
      const productFetches = fetchesOf(productPlan);
      if (productFetches.length !== 1 || productFetches[0]!.serviceName !== SUBGRAPH_OF_PRODUCT_PAGE) {
        throw new Error(`the product page is not a one-subgraph query: ${productFetches.map((fetch) => fetch.serviceName).join(', ')}`);
      }
      const productTargets = await subgraphs();
      for (const id of productIds) {
        const body = JSON.stringify({ query: PRODUCT_PAGE, variables: { id } });
        const viaGateway = dataOf(await postGraphql(agent, gateway, body), `gateway product ${id}`);
        const direct = dataOf(await postGraphql(agent, productTargets[SUBGRAPH_OF_PRODUCT_PAGE]!, body), `product subgraph ${id}`);
        if (!isDeepStrictEqual(viaGateway, direct)) throw new Error(`product ${id}: the gateway and the product subgraph answer different data`);
      }

      // (b) The gateway's own plan, replayed directly; the answers must match for every order used.
      const hopPlan = await planOf(agent, gateway, FOUR_HOP, { orderId: orderIds[0] });
      const waves = wavesOf(hopPlan);
      if (waves.length !== 4)
        throw new Error(`the four-hop query planned into ${waves.length} waves (${waves.map((wave) => wave.join('+')).join(' -> ')}), expected 4`);
      const hopTargets = await subgraphs();
      for (const orderId of orderIds) {
        const viaGateway = dataOf(
          await postGraphql(agent, gateway, JSON.stringify({ query: FOUR_HOP, variables: { orderId } })),
          `gateway four-hop ${orderId}`,
        );
        const direct = projectOnto(FOUR_HOP, await replayPlan(hopPlan, { orderId }, hopTargets, agent));
        if (!isDeepStrictEqual(viaGateway, direct)) throw new Error(`order ${orderId}: the gateway and the replayed subgraph fetches answer different data`);
      }
      const gatewayAsPlan: FetchNode = { kind: 'Fetch', serviceName: 'gateway', operation: FOUR_HOP, operationName: 'FourHop', variableUsages: ['orderId'] };

      const measured: { round: number; query: string; side: keyof Sides<unknown>; result: LoadResult }[] = [];
      const simple: Sides<LoadResult>[] = [];
      const hop: Sides<LoadResult>[] = [];
      for (let index = 0; index < rounds; index++) {
        // Which side goes first alternates per round, so a drifting machine does not favour one.
        const order: (keyof Sides<unknown>)[] = index % 2 === 0 ? ['gateway', 'direct'] : ['direct', 'gateway'];
        const simpleRound: Partial<Record<keyof Sides<unknown>, LoadResult>> = {};
        for (const side of order) {
          const target = side === 'gateway' ? gateway : (await subgraphs())[SUBGRAPH_OF_PRODUCT_PAGE]!;
          const bodies = productIds.map((id) => JSON.stringify({ query: PRODUCT_PAGE, variables: { id } }));
          const result = checked(
            await runLoad({ url: target.url, headers: target.headers, bodies, staggerConnections: true, ...load }),
            `one-subgraph ${side}`,
          );
          simpleRound[side] = result;
          measured.push({ round: index + 1, query: 'one-subgraph (product page)', side, result });
          context.log(`round ${index + 1} one-subgraph ${side}: ${round(result.requestsPerSecond)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`);
        }
        simple.push(simpleRound as Sides<LoadResult>);
        const hopRound: Partial<Record<keyof Sides<unknown>, LoadResult>> = {};
        for (const side of order) {
          const variables = orderIds.map((orderId) => ({ orderId }));
          const spec =
            side === 'gateway'
              ? { plan: gatewayAsPlan, services: { gateway }, variables, ...load }
              : { plan: hopPlan, services: await subgraphs(), variables, ...load };
          const result = checked(await runReplayLoad(spec), `four-hop ${side}`);
          hopRound[side] = result;
          measured.push({ round: index + 1, query: 'four-hop (ledger -> order -> product -> inventory)', side, result });
          context.log(
            `round ${index + 1} four-hop ${side}: ${round(result.requestsPerSecond)} req/s, p50 ${round(result.p50Ms)} ms, p99 ${round(result.p99Ms)} ms`,
          );
        }
        hop.push(hopRound as Sides<LoadResult>);
      }

      const perRound = (runs: readonly Sides<LoadResult>[], pick: (result: LoadResult) => number) => runs.map((run) => pick(run.gateway) / pick(run.direct));
      const ratios: MeasuredRatio[] = [
        ratio(
          'one-subgraph: gateway/direct throughput',
          perRound(simple, (result) => result.requestsPerSecond),
          { text: '>= 0.6', met: (median) => median >= 0.6 },
        ),
        ratio(
          'one-subgraph: gateway/direct p50 latency',
          perRound(simple, (result) => result.p50Ms),
        ),
        ratio(
          'one-subgraph: gateway/direct p99 latency',
          perRound(simple, (result) => result.p99Ms),
        ),
        ratio(
          'four-hop: gateway/direct throughput',
          perRound(hop, (result) => result.requestsPerSecond),
        ),
        ratio(
          'four-hop: gateway/direct p50 latency',
          perRound(hop, (result) => result.p50Ms),
        ),
        ratio(
          'four-hop: gateway/direct p99 latency',
          perRound(hop, (result) => result.p99Ms),
        ),
      ];
      return {
        id: '2',
        title: federationOverhead.title,
        method:
          `The same data through our gateway (bearer token) and straight from the owning subgraph(s) (x-mesh-principal credential, re-signed before each run), ` +
          `${load.connections} concurrent connections, ${load.warmupSeconds} s warm-up then ${load.durationSeconds} s counted, ${rounds} round(s) alternating which side goes first. ` +
          `(a) A product page (${productIds.length} products in rotation), a single fetch to the product subgraph: autocannon on both sides. ` +
          `(b) A journal entry's order with its lines, variants, their product's variants and availability at every location (${orderIds.length} orders in rotation): ` +
          `the gateway plans it into ${waves.length} sequential fetch waves (${waves.map((wave) => wave.join('+')).join(' -> ')}). ` +
          `Its direct side replays the gateway's own plan (read with the Apollo-Query-Plan-Experimental header) against the subgraphs: the same operations, ` +
          `_entities with the same representations, wave after wave; both sides of (b) are driven by the same sequential client process on the load core. ` +
          `Before measuring, every product and order used was checked to answer deep-equal data on both sides.`,
        tables: [
          {
            title: 'Throughput and latency per run',
            columns: ['round', 'query', 'side', 'req/s', 'p50 ms', 'p99 ms', 'max ms'],
            rows: measured.map(({ round: number, query, side, result }) => [
              number,
              query,
              side,
              result.requestsPerSecond,
              result.p50Ms,
              result.p99Ms,
              result.maxMs,
            ]),
          },
          {
            title: 'Four-hop: latency the gateway adds (p50)',
            columns: ['round', 'gateway p50 ms', 'direct p50 ms', 'added ms', 'added ms per fetch wave'],
            rows: hop.map((run, index) => [
              index + 1,
              run.gateway.p50Ms,
              run.direct.p50Ms,
              run.gateway.p50Ms - run.direct.p50Ms,
              (run.gateway.p50Ms - run.direct.p50Ms) / waves.length,
            ]),
          },
          {
            title: 'The four-hop query plan (what the direct side replays)',
            columns: ['wave', 'subgraph', 'operation'],
            rows: waves.flatMap((wave, index) =>
              wave.map((service) => [index + 1, service, fetchesOf(hopPlan).find((fetch) => fetch.serviceName === service)?.operationName ?? '']),
            ),
          },
        ],
        ratios,
        notes: [
          "Latency ratios above 1 mean the gateway is slower. The added latency per wave is (gateway p50 - direct p50) / waves: the client-to-gateway hop plus the gateway's own work (auth, credential, plan lookup, representations, merging, serialisation) spread over the waves; the issue's bound is one loopback round trip per wave plus JSON work.",
          "The direct side of (b) does the gateway's merging work in the client process (on the load core), so the gateway is not charged for work the direct client skips; it does not deduplicate representations, as @apollo/gateway does not.",
          'Query plans are warm on the gateway (the same operation repeats); scenario 4 measures planning.',
        ],
      };
    } finally {
      agent.destroy();
    }
  },
};

function checked(result: LoadResult, what: string): LoadResult {
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${what}: ${result.errors} errors and ${result.non2xx} non-2xx answers under load`);
  if (result.requests === 0) throw new Error(`${what}: no request completed`);
  return result;
}

/** The gateway's query plan for an operation (`internal` format), from a real request with the plan header. */
async function planOf(agent: Agent, gateway: ServiceTarget, query: string, variables: JsonObject): Promise<PlanNode> {
  const target = {
    url: gateway.url,
    headers: { ...gateway.headers, 'apollo-query-plan-experimental': '1', 'apollo-query-plan-experimental-format': 'internal' },
  };
  const answer = await postGraphql(agent, target, JSON.stringify({ query, variables }));
  dataOf(answer, 'query plan request');
  const plan = (answer['extensions'] as { __queryPlanExperimental?: { kind?: string; node?: PlanNode } } | undefined)?.__queryPlanExperimental;
  if (plan?.kind !== 'QueryPlan' || !plan.node) throw new Error('the gateway did not expose its query plan (is NODE_ENV production?)');
  return plan.node;
}

function fetchesOf(node: PlanNode): FetchNode[] {
  if (node.kind === 'Fetch') return [node];
  if (node.kind === 'Flatten') return fetchesOf(node.node);
  return node.nodes.flatMap(fetchesOf);
}

/** The plan's sequential waves: the subgraphs fetched in each (a Parallel adds to one wave, a Sequence adds waves). */
function wavesOf(node: PlanNode): string[][] {
  if (node.kind === 'Fetch') return [[node.serviceName]];
  if (node.kind === 'Flatten') return wavesOf(node.node);
  if (node.kind === 'Sequence') return node.nodes.flatMap(wavesOf);
  const branches = node.nodes.map(wavesOf);
  const depth = Math.max(...branches.map((branch) => branch.length));
  return Array.from({ length: depth }, (_, index) => branches.flatMap((branch) => branch[index] ?? []));
}
