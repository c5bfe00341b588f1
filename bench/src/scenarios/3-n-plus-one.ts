/**
 * Scenario 3, N+1: a list of N orders with lines, variants, products and availability through the
 * gateway; database commands and subgraph requests per client request, counted by the subgraphs'
 * own Prometheus counters before and after K identical requests, with DataLoader batching on and
 * off (MESH_DATALOADER_BATCH, see server-kit's loaderOptions; the subgraphs restart to switch).
 */
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SubgraphName } from '@mesh/mesh-runner';
import { principals } from '@mesh/test-kit';
import { dataOf, postGraphql, type ServiceTarget } from '../lib/federation-replay.js';
import { ratio, type BenchContext, type MeasuredRatio, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { perRequest, readCounters, type CountsBySubgraph } from '../lib/service-counters.js';

const ORDER_PAGE = `edges { node { id number status lines { lineNumber quantity variant {
  sku name product { id name } availability { available levels { available location { id name } } }
} } } }`;
const ONE_PAGE = `query OrderList($first: Int!) { orders(first: $first) { ${ORDER_PAGE} } }`;
// The API pages orders by at most 100, so N = 200 is two pages of one request (two aliased fields).
const TWO_PAGES = `query OrderListTwoPages($first: Int!, $after: String!) {
  newest: orders(first: $first) { ${ORDER_PAGE} }
  older: orders(first: $first, after: $after) { ${ORDER_PAGE} }
}`;
const CURSOR = `query OrderCursor($first: Int!) { orders(first: $first) { totalCount pageInfo { endCursor } } }`;

/** The subgraphs the list touches (restarted to switch batching); the others must see no request. */
const TOUCHED: readonly SubgraphName[] = ['order', 'product', 'inventory'];
const UNTOUCHED: readonly SubgraphName[] = ['customer', 'ledger'];
/** Identical requests per count (full, tiny); the counters are read before and after them. */
const REQUESTS_PER_COUNT = { full: 5, tiny: 3 } as const;
/** Counts are taken this many times per N, the smallest kept: background work can only add commands. */
const ATTEMPTS = 2;
/** While counting: no background passes (outbox relays, reservation expiry, KPI measurement) in the touched subgraphs. */
const QUIET_ENV: Readonly<Record<string, string>> = {
  ORDER_RELAY_INTERVAL_MS: '3600000',
  ORDER_KPI_INTERVAL_MS: '3600000',
  INVENTORY_RELAY_INTERVAL_MS: '3600000',
  INVENTORY_EXPIRY_INTERVAL_MS: '3600000',
};
const SWITCHED = ['MESH_DATALOADER_BATCH', ...Object.keys(QUIET_ENV)];

interface Shape {
  readonly name: string;
  readonly pages: 1 | 2;
  /** Orders per page. */
  readonly perPage: readonly number[];
}

interface Row {
  readonly shape: string;
  readonly n: number;
  readonly batching: boolean;
  readonly counts: CountsBySubgraph;
  /** Whether the attempts disagreed (background work got in; the smallest was kept). */
  readonly unsteady: boolean;
  /** Requests the gateway answered with SUBGRAPH_TIMEOUT (batching off only; counted all the same). */
  readonly timeouts: number;
}

export const nPlusOne: Scenario = {
  id: '3',
  title: 'N+1: database commands and subgraph requests per client request',
  async run(context: BenchContext): Promise<ScenarioResult> {
    const { mesh } = context;
    const K = REQUESTS_PER_COUNT[context.size];
    const agent = new Agent({ keepAlive: true });
    const gateway: ServiceTarget = { url: mesh.gatewayUrl, headers: { authorization: `Bearer ${await context.bearerFor(principals.admin)}` } };
    const ask = async (query: string, variables: Record<string, unknown>) =>
      dataOf(await postGraphql(agent, gateway, JSON.stringify({ query, variables })), query.slice(0, 40));
    const total = ((await ask(CURSOR, { first: 1 })) as { orders: { totalCount: number } }).orders.totalCount;
    const fits = (sizes: readonly number[], pages: number) =>
      [...new Set(sizes.map((size) => Math.min(size, Math.floor(total / pages))))].filter((size) => size > 0);
    const shapes: Shape[] =
      context.size === 'full'
        ? [
            { name: 'one page', pages: 1, perPage: fits([10, 50, 100], 1) },
            { name: 'two pages', pages: 2, perPage: fits([10, 100], 2) },
          ]
        : [
            { name: 'one page', pages: 1, perPage: fits([10, 50], 1) },
            { name: 'two pages', pages: 2, perPage: fits([5, 20], 2) },
          ];

    const saved = Object.fromEntries(SWITCHED.map((name) => [name, process.env[name]]));
    const restart = async (env: Readonly<Record<string, string | undefined>>) => {
      // The runner spawns services with this process's environment (see decision-throughput.ts).
      for (const [name, value] of Object.entries(env)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      const started = Date.now();
      // In parallel: a restart does not seed (the databases are full), so it is light enough.
      await Promise.all(
        TOUCHED.map(async (name) => {
          await mesh.stopSubgraph(name);
          await mesh.startSubgraph(name);
        }),
      );
      context.log(`restarted ${TOUCHED.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      // The gateway's pooled sockets to the old processes are gone: retry until it answers cleanly.
      for (let attempt = 1; ; attempt++) {
        try {
          await ask(ONE_PAGE, { first: 1 });
          return;
        } catch (error) {
          if (attempt >= 10) throw error;
          await sleep(500);
        }
      }
    };

    const measure = async (shape: Shape, perPage: number, batching: boolean): Promise<Row> => {
      const n = perPage * shape.pages;
      const variables =
        shape.pages === 1
          ? { first: perPage }
          : { first: perPage, after: ((await ask(CURSOR, { first: perPage })) as { orders: { pageInfo: { endCursor: string } } }).orders.pageInfo.endCursor };
      const body = JSON.stringify({ query: shape.pages === 1 ? ONE_PAGE : TWO_PAGES, variables });
      let timeouts = 0;
      const request = async () => {
        const answer = await postGraphql(agent, gateway, body);
        // Unbatched, a subgraph fetch of a long list can outlast the gateway's timeout: that is the N+1 cost,
        // not a broken answer. The subgraph still does (and counts) all the work; settle() waits for it.
        if (!batching && Array.isArray(answer['errors']) && answer['errors'].length > 0 && answer['errors'].every(isSubgraphTimeout)) {
          timeouts++;
          return;
        }
        const data = dataOf(answer, `order list N=${n}`) as Record<string, { edges: unknown[] }>;
        const listed = Object.values(data).reduce((sum, connection) => sum + connection.edges.length, 0);
        if (listed !== n) throw new Error(`asked for ${n} orders, got ${listed}`);
      };
      const read = () => readCounters(mesh.subgraphUrls, [...TOUCHED, ...UNTOUCHED]);
      /** Counters once the touched subgraphs stopped counting (after a timeout they may still be working). */
      const settled = async () => {
        let last = await read();
        if (timeouts === 0) return last;
        for (let poll = 0; poll < 200; poll++) {
          await sleep(500);
          const now = await read();
          if (TOUCHED.every((name) => now[name]!.dbCommands === last[name]!.dbCommands)) return now;
          last = now;
        }
        throw new Error(`the ${TOUCHED.join(', ')} subgraphs kept counting database commands for 100 s after the requests`);
      };
      await request(); // uncounted: anything a first request warms
      const attempts: CountsBySubgraph[] = [];
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const before = await settled();
        for (let index = 0; index < K; index++) await request();
        attempts.push(perRequest(before, await settled(), K));
      }
      for (const name of UNTOUCHED) {
        // Their database commands are background work by definition: they get no request.
        if (attempts.some((attempt) => attempt[name]!.graphqlRequests !== 0))
          throw new Error(`the order list reached the ${name} subgraph, which this scenario does not switch`);
      }
      const counts: CountsBySubgraph = Object.fromEntries(
        TOUCHED.map((name) => [
          name,
          {
            dbCommands: Math.min(...attempts.map((attempt) => attempt[name]!.dbCommands)),
            graphqlRequests: Math.min(...attempts.map((attempt) => attempt[name]!.graphqlRequests)),
          },
        ]),
      );
      const unsteady = attempts.some((attempt) => describe(attempt) !== describe(attempts[0]!));
      context.log(
        `${shape.name} N=${n} batching ${batching ? 'on' : 'off'}: ${describe(counts)}${unsteady ? ` (attempts differed: ${attempts.map(describe).join(' | ')})` : ''}${timeouts > 0 ? `, ${timeouts} subgraph timeouts` : ''}`,
      );
      return { shape: shape.name, n, batching, counts, unsteady, timeouts };
    };

    const rows: Row[] = [];
    try {
      for (const batching of [true, false]) {
        await restart({ MESH_DATALOADER_BATCH: String(batching), ...QUIET_ENV });
        for (const shape of shapes) for (const perPage of shape.perPage) rows.push(await measure(shape, perPage, batching));
      }
    } finally {
      await restart(saved); // batching on and the usual background intervals again
      agent.destroy();
    }

    // The bar: with batching, every count is the same for every N of a shape.
    const notes: string[] = [];
    for (const shape of shapes) {
      const batched = rows.filter((row) => row.shape === shape.name && row.batching);
      const varying = TOUCHED.filter((name) => new Set(batched.map((row) => `${row.counts[name]!.dbCommands}/${row.counts[name]!.graphqlRequests}`)).size > 1);
      if (varying.length > 0) {
        throw new Error(
          `N+1 with batching (${shape.name}): ${varying.join(', ')} count(s) change with N: ${batched.map((row) => `N=${row.n} ${describe(row.counts)}`).join('; ')}`,
        );
      }
      const unbatched = rows.filter((row) => row.shape === shape.name && !row.batching).map((row) => totalOf(row.counts).dbCommands);
      const grows = unbatched.every((value, index) => index === 0 || value > unbatched[index - 1]!);
      notes.push(`${shape.name}, batching off: total database commands per request ${grows ? 'grow' : 'do NOT grow'} with N (${unbatched.join(' -> ')}).`);
    }
    const ratios: MeasuredRatio[] = shapes.flatMap((shape) => {
      const of = (batching: boolean) => rows.filter((row) => row.shape === shape.name && row.batching === batching);
      const [smallest, largest] = [of(true)[0]!, of(true).at(-1)!];
      const unbatchedLargest = of(false).at(-1)!;
      const exactlyOne = { text: '= 1 (independent of N)', met: (median: number) => median === 1 };
      return [
        ratio(
          `${shape.name}, batching on: DB commands/request at N=${largest.n} vs N=${smallest.n}`,
          [totalOf(largest.counts).dbCommands / totalOf(smallest.counts).dbCommands],
          exactlyOne,
        ),
        ratio(
          `${shape.name}, batching on: subgraph requests/request at N=${largest.n} vs N=${smallest.n}`,
          [totalOf(largest.counts).graphqlRequests / totalOf(smallest.counts).graphqlRequests],
          exactlyOne,
        ),
        ratio(`${shape.name}, N=${largest.n}: DB commands/request batching off vs on`, [
          totalOf(unbatchedLargest.counts).dbCommands / totalOf(largest.counts).dbCommands,
        ]),
      ];
    });
    if (rows.some((row) => row.timeouts > 0)) {
      notes.push(
        'Batching off, some requests outlasted the gateway\'s subgraph timeout (SUBGRAPH_TIMEOUT_MS, 10 s by default) and were answered with SUBGRAPH_TIMEOUT ("timed out" column); their subgraph work still ran to the end and is counted (the counters are read once they stop moving).',
      );
    }
    if (rows.some((row) => row.unsteady))
      notes.push('Some counts differed between attempts (background work in a subgraph); the smallest was kept, since background work only adds commands.');
    return {
      id: '3',
      title: nPlusOne.title,
      method:
        `Orders newest first with their lines, each line's variant, product and availability at every location (order -> product and inventory), through the gateway as admin. ` +
        `Per N: one uncounted request, then the subgraphs' own counters (mesh_db_commands_total, mesh_graphql_requests_total on /metrics) read before and after ${K} identical requests, divided by ${K}, ` +
        `taken ${ATTEMPTS} times and the smallest kept. Batching on and off is the DataLoader batch option (MESH_DATALOADER_BATCH=false: every key loads with its own command; keys are still cached per request), ` +
        `switched by restarting the ${TOUCHED.join(', ')} subgraphs; their outbox relays and expiry job are paused meanwhile (restored after). ` +
        `The API pages orders by at most 100, so N above 100 is one request with two aliased pages ("two pages"); each shape is checked on its own. ` +
        `${total} orders in the history.`,
      tables: [
        {
          title: 'Per client request (counted)',
          columns: [
            'shape',
            'N',
            'batching',
            ...TOUCHED.flatMap((name) => [`${name} DB cmds`, `${name} requests`]),
            'total DB cmds',
            'total subgraph requests',
            'timed out',
          ],
          rows: rows.map((row) => [
            row.shape,
            row.n,
            row.batching ? 'on' : 'off',
            ...TOUCHED.flatMap((name) => [row.counts[name]!.dbCommands, row.counts[name]!.graphqlRequests]),
            totalOf(row.counts).dbCommands,
            totalOf(row.counts).graphqlRequests,
            `${row.timeouts} of ${1 + ATTEMPTS * K}`,
          ]),
        },
      ],
      ratios,
      notes: [
        ...notes,
        'Counts, not timings: one measurement per N (no rounds); the ratios compare counts. Subgraph requests come from the query plan (one fetch per subgraph per wave and path), so they cannot depend on N; database commands would without batching.',
      ],
    };
  },
};

function totalOf(counts: CountsBySubgraph): { dbCommands: number; graphqlRequests: number } {
  return TOUCHED.map((name) => counts[name]!).reduce(
    (sum, value) => ({ dbCommands: sum.dbCommands + value.dbCommands, graphqlRequests: sum.graphqlRequests + value.graphqlRequests }),
    { dbCommands: 0, graphqlRequests: 0 },
  );
}

function isSubgraphTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { extensions?: { code?: unknown } }).extensions?.code === 'SUBGRAPH_TIMEOUT';
}

function describe(counts: CountsBySubgraph): string {
  return TOUCHED.map((name) => `${name} ${counts[name]!.dbCommands} cmds/${counts[name]!.graphqlRequests} reqs`).join(', ');
}
