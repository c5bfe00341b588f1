/**
 * Scenario 3's counters: database commands and GraphQL requests each subgraph has served, read
 * from its Prometheus /metrics (mesh_db_commands_total, mesh_graphql_requests_total) — counted by
 * the services themselves, not estimated.
 */
import { sumCounter } from '@mesh/server-kit';
import type { SubgraphName } from '@mesh/mesh-runner';

export interface ServiceCounts {
  readonly dbCommands: number;
  readonly graphqlRequests: number;
}

export type CountsBySubgraph = Readonly<Record<string, ServiceCounts>>;

export async function readCounters(subgraphUrls: Readonly<Record<SubgraphName, string>>, names: readonly SubgraphName[]): Promise<CountsBySubgraph> {
  const entries = await Promise.all(
    names.map(async (name) => {
      const url = subgraphUrls[name].replace(/\/graphql$/, '/metrics');
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      const text = await response.text();
      return [name, { dbCommands: sumCounter(text, 'mesh_db_commands_total'), graphqlRequests: sumCounter(text, 'mesh_graphql_requests_total') }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** (after - before) / requests, per subgraph. */
export function perRequest(before: CountsBySubgraph, after: CountsBySubgraph, requests: number): CountsBySubgraph {
  return Object.fromEntries(
    Object.keys(after).map((name) => {
      const from = before[name] ?? { dbCommands: 0, graphqlRequests: 0 };
      const to = after[name]!;
      return [name, { dbCommands: (to.dbCommands - from.dbCommands) / requests, graphqlRequests: (to.graphqlRequests - from.graphqlRequests) / requests }];
    }),
  );
}
