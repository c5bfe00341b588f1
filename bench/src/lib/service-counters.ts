/**
 * Scenario 3's counters: database commands and GraphQL requests each subgraph has served, read
 * from its Prometheus /metrics (mesh_db_commands_total, mesh_graphql_requests_total) — counted by
 * the services themselves, not estimated.
 */
import { sumCounter } from '@mesh/server-kit';
import type { SubgraphName } from '@mesh/mesh-runner';

export interface ServiceCounts {
  readonly dbCommands: number;
  /** Database commands by command name (find, update, insert...). */
  readonly dbCommandsByName?: Readonly<Record<string, number>>;
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
      return [
        name,
        {
          dbCommands: sumCounter(text, 'mesh_db_commands_total'),
          dbCommandsByName: countsByLabel(text, 'mesh_db_commands_total', 'command'),
          graphqlRequests: sumCounter(text, 'mesh_graphql_requests_total'),
        },
      ] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** GraphQL errors a subgraph has answered so far, by extensions.code (mesh_graphql_errors_total). */
export async function errorsByCode(subgraphUrl: string): Promise<Record<string, number>> {
  const url = subgraphUrl.replace(/\/graphql$/, '/metrics');
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return countsByLabel(await response.text(), 'mesh_graphql_errors_total', 'code');
}

/** Every sample of the named counters on each subgraph's /metrics, keyed `<subgraph> <counter>{<labels>}`. */
export async function counterSamples(subgraphUrls: Readonly<Record<string, string>>, counters: readonly string[]): Promise<Map<string, number>> {
  const samples = new Map<string, number>();
  for (const [name, url] of Object.entries(subgraphUrls)) {
    const response = await fetch(url.replace(/\/graphql$/, '/metrics'));
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    for (const line of (await response.text()).split('\n')) {
      const [series, value] = line.split(' ');
      if (series && value && counters.some((counter) => series.startsWith(`${counter}{`))) samples.set(`${name} ${series}`, Number(value));
    }
  }
  return samples;
}

/** A counter's values per value of one label, from Prometheus text. */
function countsByLabel(prometheusText: string, name: string, label: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const pattern = new RegExp(`^${name}\\{[^}]*\\b${label}="([^"]*)"[^}]*\\} (\\S+)$`);
  for (const line of prometheusText.split('\n')) {
    const match = pattern.exec(line);
    if (match) counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(match[2]);
  }
  return counts;
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
