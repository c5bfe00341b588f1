/**
 * Scenario 4, query plan cache: @apollo/gateway keeps plans in an LRU of about 30 MiB (by the
 * JSON size of each plan) keyed by the SHA-256 of the operation text (and the operation name when
 * one is sent); Apollo Server in front of it keeps parsed and validated documents in its own
 * 30 MiB LRU keyed the same way. (a) warm: one operation repeated; (b) cold: every request a new
 * operation text (a never-sent operation name: equivalent work, new text, so both caches miss);
 * (c) a mix of distinct operations twice the plan cache's capacity, chosen at random, against
 * its own warm baseline with the same operation size (see paddingFor).
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'graphql';
import { principals } from '@mesh/test-kit';
import { dataOf, postGraphql, type ServiceTarget } from '../lib/federation-replay.js';
import type { LoadResult } from '../lib/load.js';
import { runSequenceLoad, UNIQUE, type SequenceLoadSpec } from '../lib/plan-cache-load.js';
import { ratio, type BenchContext, type MeasuredRatio, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { round } from '../lib/stats.js';

/** NAME is replaced per variant; the work (two subgraphs, two waves) is the same for every name. */
const PRODUCT_PAGE = `query NAME($id: ID!, $locations: [ID!]) {
  product(id: $id) { id name brand category variants { sku name prices { amount currency }
    availability(locationIds: $locations) { available levels { available location { id name } } } } }
}`;
const FIXTURES = `query PlanCacheFixtures { products(first: 1) { edges { node { id } } } locations { id } }`;

/** @apollo/gateway's default plan store (initQueryPlanStore) and Apollo Server's default document store. */
const PLAN_STORE_BYTES = 30 * 2 ** 20;
const DOCUMENT_STORE_BYTES = 30 * 2 ** 20;
/**
 * Characters added to the mix's operation names. A plan of this query is under 1 KB, so the
 * 30 MiB store holds some 30,000 of them: filling it would take minutes per round. The operation
 * name is copied into every fetch of the plan (operation text and name), so padding it makes
 * each plan ~65 KB and the store overflows with ~500 operations, without changing the plan's
 * shape or the planning work. The mix is compared with a warm run of an equally padded name.
 * Tiny runs pad more (fewer, bigger plans) only to stay short: they prove the scenario works.
 */
const PADDING = { full: 16_000, tiny: 32_000 } as const;
/** How many times the plan store's capacity the mix spans: uniform random choice then hits ~1/MIX_FACTOR. */
const MIX_FACTOR = 2;

type Side = 'warm' | 'cold' | 'warm (padded)' | 'mix';

export const queryPlanCache: Scenario = {
  id: '4',
  title: 'Query plan cache: warm, cold and a mix larger than the cache',
  async run(context: BenchContext): Promise<ScenarioResult> {
    const full = context.size === 'full';
    const rounds = full ? 3 : 1;
    const load = { connections: 10, warmupSeconds: full ? 2 : 1, durationSeconds: full ? 8 : 2 };
    const agent = new Agent({ keepAlive: true });
    const gateway: ServiceTarget = { url: context.mesh.gatewayUrl, headers: { authorization: `Bearer ${await context.bearerFor(principals.admin)}` } };
    try {
      const fixtures = dataOf(await postGraphql(agent, gateway, JSON.stringify({ query: FIXTURES })), 'fixtures') as {
        products: { edges: { node: { id: string } }[] };
        locations: { id: string }[];
      };
      const variables = { id: fixtures.products.edges[0]?.node.id, locations: fixtures.locations.slice(0, 5).map((location) => location.id) };
      if (!variables.id || variables.locations.length === 0) throw new Error('scenario 4 needs a product and locations (the seed)');
      const bodyOf = (name: string) => JSON.stringify({ query: PRODUCT_PAGE.replace('NAME', name), variables });
      const padding = 'x'.repeat(PADDING[context.size]);
      const warmBody = bodyOf('ProductPageWarm');
      const paddedBody = bodyOf(`ProductPageWarm${padding}`);
      const coldTemplate = bodyOf(`ProductPage${UNIQUE}`);
      const mixName = (index: number) => `ProductPageMix${index}${padding}`;

      // Every variant must answer the same data, or the sides do not do the same work.
      const reference = dataOf(await postGraphql(agent, gateway, warmBody), 'warm operation');
      for (const [what, body] of [
        ['padded', paddedBody],
        ['cold', coldTemplate.replace(UNIQUE, 'Check')],
        ['mix', bodyOf(mixName(0))],
      ] as const) {
        if (!isDeepStrictEqual(dataOf(await postGraphql(agent, gateway, body), `${what} operation`), reference))
          throw new Error(`the ${what} operation answers different data`);
      }

      // Sizes as the stores count them: JSON bytes of the plan (gateway) and of the parsed document (Apollo Server).
      const planBytes = await planBytesOf(agent, gateway, bodyOf('ProductPageSize'));
      const paddedPlanBytes = await planBytesOf(agent, gateway, bodyOf(`ProductPageSize${padding}`));
      const documentBytes = Buffer.byteLength(JSON.stringify(parse(PRODUCT_PAGE.replace('NAME', 'ProductPageSize'))));
      const paddedDocumentBytes = Buffer.byteLength(JSON.stringify(parse(PRODUCT_PAGE.replace('NAME', `ProductPageSize${padding}`))));
      const planCapacity = Math.floor(PLAN_STORE_BYTES / paddedPlanBytes);
      const documentCapacity = Math.floor(DOCUMENT_STORE_BYTES / paddedDocumentBytes);
      const mixSize = planCapacity * MIX_FACTOR;
      const mixBodies = Array.from({ length: mixSize }, (_, index) => bodyOf(mixName(index)));
      const sequence = randomSequence(mixSize, 100_000, 4);
      context.log(
        `plan ${planBytes} B (padded ${paddedPlanBytes} B: ${planCapacity} fit), document ${documentBytes} B (padded ${paddedDocumentBytes} B: ${documentCapacity} fit); mix of ${mixSize}`,
      );

      const specOf = (side: Side): SequenceLoadSpec => {
        const common = { url: gateway.url, headers: gateway.headers, ...load };
        switch (side) {
          case 'warm':
            return { ...common, bodies: [warmBody] };
          case 'warm (padded)':
            return { ...common, bodies: [paddedBody] };
          case 'cold':
            return { ...common, template: coldTemplate };
          case 'mix':
            return { ...common, bodies: mixBodies, sequence };
        }
      };
      // Before the first mix run every mix operation is sent once (not counted), so the store is full of mix plans.
      // Later runs evict little of it: cold plans are unpadded (under 1 KB each) and warm runs add nothing.
      const prefill = async () => {
        let next = 0;
        const loop = async () => {
          while (next < mixBodies.length) dataOf(await postGraphql(agent, gateway, mixBodies[next++]!), 'mix prefill');
        };
        await Promise.all(Array.from({ length: load.connections }, loop));
      };

      const runs: { round: number; side: Side; result: LoadResult }[] = [];
      const sides: Side[] = ['warm', 'cold', 'warm (padded)', 'mix'];
      let prefillSeconds: number | undefined;
      for (let index = 0; index < rounds; index++) {
        for (const side of index % 2 === 0 ? sides : [...sides].reverse()) {
          if (side === 'mix' && prefillSeconds === undefined) {
            const started = Date.now();
            await prefill();
            prefillSeconds = (Date.now() - started) / 1000;
          }
          const result = await runSequenceLoad(specOf(side));
          if (result.errors > 0 || result.requests === 0) throw new Error(`${side}: ${result.errors} errors, ${result.requests} answers`);
          runs.push({ round: index + 1, side, result });
          context.log(`round ${index + 1} ${side}: ${round(result.requestsPerSecond)} req/s, p50 ${round(result.p50Ms)} ms, p99 ${round(result.p99Ms)} ms`);
        }
      }

      const of = (side: Side) => runs.filter((run) => run.side === side).map((run) => run.result);
      const perRound = (a: Side, b: Side, pick: (result: LoadResult) => number) => of(a).map((result, index) => pick(result) / pick(of(b)[index]!));
      const ratios: MeasuredRatio[] = [
        ratio(
          'cold/warm throughput',
          perRound('cold', 'warm', (result) => result.requestsPerSecond),
        ),
        ratio(
          'cold/warm p50 latency',
          perRound('cold', 'warm', (result) => result.p50Ms),
        ),
        ratio(
          'cold/warm p99 latency',
          perRound('cold', 'warm', (result) => result.p99Ms),
        ),
        ratio(
          'mix/warm (padded) throughput',
          perRound('mix', 'warm (padded)', (result) => result.requestsPerSecond),
        ),
        ratio(
          'mix/warm (padded) p50 latency',
          perRound('mix', 'warm (padded)', (result) => result.p50Ms),
        ),
        ratio(
          'mix/warm (padded) p99 latency',
          perRound('mix', 'warm (padded)', (result) => result.p99Ms),
        ),
      ];
      const ours = gatewayCacheSettings();
      return {
        id: '4',
        title: queryPlanCache.title,
        method:
          `A product page (product subgraph, then inventory for availability at ${variables.locations.length} locations: two fetch waves) through the gateway, ` +
          `${load.connections} connections from one sequential client process on the load core (a global sequence, so each connection does not replay the others' bodies), ` +
          `${load.warmupSeconds} s warm-up then ${load.durationSeconds} s counted, ${rounds} round(s), the order of the four runs reversed every other round. ` +
          `warm: one operation text repeated. cold: every request a never-sent operation name (same fields, same variables, same answer), so Apollo Server parses and validates ` +
          `and the gateway plans every request, and the subgraphs see new operation texts too (the plan names its fetches after the operation). ` +
          `mix: ${mixSize} distinct operations (operation names padded by ${padding.length} characters, see notes), chosen uniformly at random, after all were sent once; ` +
          `a plan is ${paddedPlanBytes} bytes as the store counts it, so the ${PLAN_STORE_BYTES / 2 ** 20} MiB plan store holds ${planCapacity} of them: an LRU then hits about 1 in ${MIX_FACTOR}. ` +
          `warm (padded) is the mix's baseline: one padded operation repeated.`,
        tables: [
          {
            title: 'Throughput and latency per run',
            columns: ['round', 'run', 'req/s', 'p50 ms', 'p99 ms', 'max ms'],
            rows: runs.map(({ round: number, side, result }) => [number, side, result.requestsPerSecond, result.p50Ms, result.p99Ms, result.maxMs]),
          },
          {
            title: 'What the caches hold',
            columns: ['store', 'limit', 'key', 'entry (plain name)', 'entry (padded name)', 'entries that fit (padded)', 'mix overflows it'],
            rows: [
              [
                '@apollo/gateway query plans',
                `${PLAN_STORE_BYTES / 2 ** 20} MiB (JSON bytes)`,
                'sha256(query text) [+ operationName]',
                `${planBytes} B`,
                `${paddedPlanBytes} B`,
                planCapacity,
                mixSize > planCapacity ? 'yes' : 'no',
              ],
              [
                'Apollo Server parsed+validated documents',
                `${DOCUMENT_STORE_BYTES / 2 ** 20} MiB (JSON bytes)`,
                'sha256(query text)',
                `${documentBytes} B`,
                `${paddedDocumentBytes} B`,
                documentCapacity,
                mixSize > documentCapacity ? 'yes' : 'no',
              ],
            ],
          },
        ],
        ratios,
        notes: [
          `Our gateway: ${ours}.`,
          `Unpadded, a plan of this query is ${planBytes} bytes, so the default store holds about ${Math.floor(PLAN_STORE_BYTES / planBytes)} such plans: an application's own operations never overflow it; only clients that make new operation text per request (literals inlined instead of variables, generated aliases) do, and that traffic is the cold case.`,
          `Padding the operation name makes each plan bigger (the name is copied into every fetch's operation text and name) without changing what is planned; it makes the mix fit in a run, and the padded warm run carries the same extra bytes (request body, subgraph requests).`,
          `Every mix operation was sent once before the first mix run (${round(prefillSeconds ?? 0)} s), so the store starts full; cold runs in between add only small unpadded plans and evict little of it (the mix's warm-up refills that).`,
          'Parsing and validation (Apollo Server) miss together with planning on cold requests; in the mix only the plan store overflows when the document store holds every mix operation (see the table).',
        ],
      };
    } finally {
      agent.destroy();
    }
  },
};

async function planBytesOf(agent: Agent, gateway: ServiceTarget, body: string): Promise<number> {
  const target = {
    url: gateway.url,
    headers: { ...gateway.headers, 'apollo-query-plan-experimental': '1', 'apollo-query-plan-experimental-format': 'internal' },
  };
  const answer = await postGraphql(agent, target, body);
  dataOf(answer, 'query plan request');
  const plan = (answer['extensions'] as { __queryPlanExperimental?: unknown } | undefined)?.__queryPlanExperimental;
  if (typeof plan !== 'object' || plan === null) throw new Error('the gateway did not expose its query plan (is NODE_ENV production?)');
  // The store's own size function: Buffer.byteLength(JSON.stringify(queryPlan)).
  return Buffer.byteLength(JSON.stringify(plan));
}

/** `length` indices drawn uniformly from 0..size-1 with a seeded generator (mulberry32), the same every run. */
function randomSequence(size: number, length: number, seed: number): number[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return Array.from({ length }, () => Math.floor(next() * size));
}

/** What gateway/src/server.ts configures for the two stores (read from the source; we do not change it). */
function gatewayCacheSettings(): string {
  const source = readFileSync(fileURLToPath(new URL('../../../gateway/src/server.ts', import.meta.url)), 'utf8');
  const planStore = /experimental_approximateQueryPlanStoreMiB|queryPlannerConfig/.test(source)
    ? 'sets the plan store in gateway/src/server.ts (experimental_approximateQueryPlanStoreMiB or queryPlannerConfig.cache)'
    : 'new ApolloGateway({ supergraphSdl, buildService, logger }) without experimental_approximateQueryPlanStoreMiB or queryPlannerConfig.cache, so the default 30 MiB LRU';
  const documentStore = /documentStore/.test(source)
    ? 'a documentStore of its own for Apollo Server'
    : 'Apollo Server without a documentStore option, so its default 30 MiB LRU';
  return `${planStore}; ${documentStore}`;
}
